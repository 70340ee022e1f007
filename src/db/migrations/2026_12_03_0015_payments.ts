import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * Payments through a provider (docs/payments.md):
 * - orders: the `expired` status (an abandoned checkout), the provider and its ids (unique, for webhook
 *   lookups), the pack's terms copied from the plan at checkout (name, data, validity, eSIM), so the pack
 *   made when the money arrives is what the customer saw, a `disputed` flag, when it was paid and why it
 *   failed;
 * - payment_events: the provider's event ids already applied (primary key: a redelivery applies once);
 * - refund_outbox: refunds to send after the cancelling transaction committed (one per order).
 *
 * SQLite cannot change a CHECK constraint in place, so `orders` is rebuilt once (the documented procedure,
 * as in 0006) with the new status list; PostgreSQL swaps the constraint.
 */
const OLD_STATUSES = `'pending_payment', 'paid', 'failed', 'refunded'`;
const NEW_STATUSES = `'pending_payment', 'paid', 'failed', 'refunded', 'expired'`;

const isSqlite = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof SqliteAdapter;

/** A whole number >= min, or null (SQLite also checks the stored type, see 0006). */
function intCheck(sqlite: boolean, column: string, min: number, nullable: boolean) {
  const range = `"${column}" >= ${min}`;
  const expr = sqlite ? `typeof("${column}") = 'integer' and ${range}` : range;
  return sql.raw(nullable ? `"${column}" is null or (${expr})` : expr);
}

async function rebuildOrdersSqlite(db: Kysely<unknown>, from: string, to: string): Promise<void> {
  const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
  const fkWasOn = Number(fk.rows[0]?.foreign_keys ?? 0) === 1;
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      const saved = await sql<{ type: string; name: string; sql: string | null }>`
        select type, name, sql from sqlite_master where tbl_name = 'orders' order by rowid`.execute(trx);
      const def = saved.rows.find((o) => o.type === 'table' && o.name === 'orders')?.sql ?? '';
      if (!def.includes(`in (${from})`)) {
        if (def.includes(`in (${to})`)) return; // an earlier, unrecorded run did it
        throw new Error('orders: the status CHECK constraint is not the expected one');
      }
      const created = def
        .replace(`in (${from})`, `in (${to})`)
        .replace(/^create\s+table\s+("?orders"?|'orders')/i, 'CREATE TABLE "orders__new"');
      await sql.raw(created).execute(trx);
      await sql`insert into orders__new select * from orders`.execute(trx);
      await sql`drop table orders`.execute(trx);
      await sql`alter table orders__new rename to orders`.execute(trx);
      for (const o of saved.rows) {
        if ((o.type === 'index' || o.type === 'trigger') && o.sql) await sql.raw(o.sql).execute(trx);
      }
      const broken = await sql`pragma foreign_key_check`.execute(trx);
      if (broken.rows.length > 0) throw new Error('foreign_key_check failed after rebuilding orders');
    });
  } finally {
    if (fkWasOn) await sql`pragma foreign_keys = on`.execute(db);
  }
}

async function setOrderStatuses(db: Kysely<unknown>, from: string, to: string): Promise<void> {
  if (isSqlite(db)) return rebuildOrdersSqlite(db, from, to);
  await sql`alter table orders drop constraint if exists orders_status_check,
    add constraint orders_status_check check ("status" in (${sql.raw(to)}))`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const lite = isSqlite(db);
  await setOrderStatuses(db, OLD_STATUSES, NEW_STATUSES);
  const add = (name: string, type: 'text' | 'bigint' | 'integer', check?: ReturnType<typeof sql.raw>) =>
    db.schema
      .alterTable('orders')
      .addColumn(name, type, (c) => (check ? c.check(check) : c))
      .execute();
  await add('provider', 'text', sql.raw(`"provider" is null or length("provider") between 1 and 32`));
  await add('provider_checkout_id', 'text');
  await add('provider_payment_id', 'text');
  await add('esim_id', 'text');
  await add('pack_name', 'text');
  await add('data_bytes', 'bigint', intCheck(lite, 'data_bytes', 1, true));
  await add('validity_days', 'integer', intCheck(lite, 'validity_days', 1, true));
  await db.schema
    .alterTable('orders')
    .addColumn('disputed', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`"disputed" in (0, 1)`),
    )
    .execute();
  await add('paid_at', 'bigint');
  await add('failure_reason', 'text');
  await db.schema
    .createIndex('orders_provider_payment_uq')
    .on('orders')
    .column('provider_payment_id')
    .unique()
    .execute();
  await db.schema
    .createIndex('orders_provider_checkout_uq')
    .on('orders')
    .column('provider_checkout_id')
    .unique()
    .execute();
  await db.schema.createIndex('orders_user_id_idx').on('orders').columns(['user_id', 'id']).execute();
  // the sweep's abandoned checkouts, and the admin list's status filter
  await db.schema
    .createIndex('orders_status_created_idx')
    .on('orders')
    .columns(['status', 'created_at'])
    .execute();

  await db.schema
    .createTable('payment_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('payment_events_id_check', sql`length("id") between 1 and 255`)
    .addCheckConstraint('payment_events_type_check', sql`length("type") between 1 and 255`)
    .execute();

  await db.schema
    .createTable('refund_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('order_id', 'text', (c) => c.notNull().unique().references('orders.id'))
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('provider_refund_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .addCheckConstraint('refund_outbox_status_check', sql`"status" in ('pending', 'sent', 'failed')`)
    .addCheckConstraint('refund_outbox_amount_check', intCheck(lite, 'amount', 0, false))
    .addCheckConstraint('refund_outbox_attempts_check', intCheck(lite, 'attempts', 0, false))
    .addCheckConstraint('refund_outbox_reason_check', sql`length("reason") between 1 and 500`)
    .execute();
  await db.schema
    .createIndex('refund_outbox_due_idx')
    .on('refund_outbox')
    .columns(['status', 'next_attempt_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('refund_outbox').execute();
  await db.schema.dropTable('payment_events').execute();
  for (const i of [
    'orders_status_created_idx',
    'orders_user_id_idx',
    'orders_provider_checkout_uq',
    'orders_provider_payment_uq',
  ]) {
    await db.schema.dropIndex(i).execute();
  }
  for (const c of [
    'failure_reason',
    'paid_at',
    'disputed',
    'validity_days',
    'data_bytes',
    'pack_name',
    'esim_id',
    'provider_payment_id',
    'provider_checkout_id',
    'provider',
  ]) {
    await db.schema.alterTable('orders').dropColumn(c).execute();
  }
  await setOrderStatuses(db, NEW_STATUSES, OLD_STATUSES);
}
