import type { Kysely } from 'kysely';

// Indexes for the admin surface: filtered keyset lists (newest first by id) and the stats aggregates.
// - users (status, id, created_at), (role, id): `?status=` / `?role=` lists walk the index in id order,
//   the last-admin lock reads the few admin entries only, and the per-status counts with "new in 7 days"
//   are an index-only scan (created_at rides along).
// - packs (status, id), (plan_id, id): the same for GET /admin/packs.
// - usage_records (occurred_at, bytes): usage per day over the last 30 days is an index-only range scan
//   (no table lookup per record on 1,000,000 rows); it is also the one index on occurred_at.
// - orders (status, currency, amount_cents): revenue by currency is an index-only scan.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('users_status_id_idx')
    .on('users')
    .columns(['status', 'id', 'created_at'])
    .execute();
  await db.schema.createIndex('users_role_id_idx').on('users').columns(['role', 'id']).execute();
  await db.schema.createIndex('packs_status_id_idx').on('packs').columns(['status', 'id']).execute();
  await db.schema.createIndex('packs_plan_id_idx').on('packs').columns(['plan_id', 'id']).execute();
  await db.schema
    .createIndex('usage_occurred_bytes_idx')
    .on('usage_records')
    .columns(['occurred_at', 'bytes'])
    .execute();
  await db.schema
    .createIndex('orders_status_currency_idx')
    .on('orders')
    .columns(['status', 'currency', 'amount_cents'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const name of [
    'orders_status_currency_idx',
    'usage_occurred_bytes_idx',
    'packs_plan_id_idx',
    'packs_status_id_idx',
    'users_role_id_idx',
    'users_status_id_idx',
  ]) {
    await db.schema.dropIndex(name).execute();
  }
}
