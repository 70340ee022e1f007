import { SqliteAdapter, sql, type Kysely } from 'kysely';

// Partial refunds (issue 14): `orders.refunded_cents`, how much of the order's money went back to the payer,
// in the same minor unit as `amount_cents`. 0 until a refund; the whole amount once the order is
// `refunded`; in between for a partial refund, which leaves the order `paid` and its pack as it was.
// The provider reports the total refunded so far, so the column only ever grows (a late or repeated report
// of a smaller total changes nothing). Existing refunded orders were refunded in full.
export async function up(db: Kysely<unknown>): Promise<void> {
  // SQLite also checks the stored type (see 0006)
  const lite = db.getExecutor().adapter instanceof SqliteAdapter;
  const check = lite
    ? sql`typeof("refunded_cents") = 'integer' and "refunded_cents" >= 0`
    : sql`"refunded_cents" >= 0`;
  await db.schema
    .alterTable('orders')
    .addColumn('refunded_cents', 'bigint', (c) => c.notNull().defaultTo(0).check(check))
    .execute();
  await sql`update orders set refunded_cents = amount_cents where status = 'refunded'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('orders').dropColumn('refunded_cents').execute();
}
