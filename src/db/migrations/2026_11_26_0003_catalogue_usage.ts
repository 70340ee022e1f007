import { sql, type Kysely } from 'kysely';

// The catalogue, orders and packs, usage records with their per-pack debits, notifications, API keys.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('plans')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('data_bytes', 'bigint', (c) => c.notNull())
    .addColumn('validity_days', 'integer', (c) => c.notNull())
    .addColumn('price_cents', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('countries', 'text', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('plan_id', 'text', (c) => c.references('plans.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('amount_cents', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text')
    .addColumn('request_hash', 'text')
    .addColumn('pack_id', 'text')
    .addColumn('granted_by', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // NULL keys are distinct on both dialects, so only keyed purchases are constrained
  await db.schema
    .createIndex('orders_idempotency_uq')
    .on('orders')
    .unique()
    .columns(['user_id', 'idempotency_key'])
    .execute();

  await db.schema
    .createTable('packs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('order_id', 'text', (c) => c.references('orders.id'))
    .addColumn('plan_id', 'text', (c) => c.references('plans.id'))
    .addColumn('esim_id', 'text', (c) => c.references('esims.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('total_bytes', 'bigint', (c) => c.notNull())
    .addColumn('used_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('validity_days', 'integer', (c) => c.notNull())
    .addColumn('price_cents', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('activated_at', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addColumn('ended_at', 'bigint')
    .addCheckConstraint('packs_used_within_total', sql`used_bytes >= 0 and used_bytes <= total_bytes`)
    .execute();
  await db.schema.createIndex('packs_user_idx').on('packs').columns(['user_id', 'id']).execute();
  await db.schema.createIndex('packs_esim_status_idx').on('packs').columns(['esim_id', 'status']).execute();
  await db.schema
    .createIndex('packs_status_expiry_idx')
    .on('packs')
    .columns(['status', 'expires_at'])
    .execute();

  await db.schema
    .createTable('usage_records')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull().unique())
    .addColumn('esim_id', 'text', (c) => c.notNull().references('esims.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('iccid', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('overage_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('usage_user_idx').on('usage_records').columns(['user_id', 'id']).execute();
  await db.schema
    .createIndex('usage_user_occurred_idx')
    .on('usage_records')
    .columns(['user_id', 'occurred_at'])
    .execute();

  await db.schema
    .createTable('usage_debits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('usage_id', 'text', (c) => c.notNull().references('usage_records.id'))
    .addColumn('pack_id', 'text', (c) => c.notNull().references('packs.id'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .execute();
  // No (pack_id, occurred_at) index: it kept one hot leaf page per active pack in every ingestion
  // transaction (with 1,000 packs fed at once a commit wrote ~1,000 extra pages; without it the server
  // went from ~83 to ~60 µs of CPU per record). A pack's usage is read through usage_records
  // (user_id, occurred_at) and usage_debits (usage_id), bounded by the requested range.
  await db.schema.createIndex('usage_debits_usage_idx').on('usage_debits').column('usage_id').execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('pack_id', 'text', (c) => c.references('packs.id'))
    .addColumn('esim_id', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('read_at', 'bigint')
    .execute();
  // each threshold / expiry notice fires once per pack, enforced by the database
  await db.schema
    .createIndex('notifications_pack_type_uq')
    .on('notifications')
    .unique()
    .columns(['pack_id', 'type'])
    .execute();
  await db.schema
    .createIndex('notifications_user_idx')
    .on('notifications')
    .columns(['user_id', 'id'])
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'api_keys',
    'notifications',
    'usage_debits',
    'usage_records',
    'packs',
    'orders',
    'plans',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
