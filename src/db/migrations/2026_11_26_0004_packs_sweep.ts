import { sql, type Kysely } from 'kysely';

// The expiry sweep frees idempotency keys older than 24 h. A partial index over the keyed orders only
// (keys live one day, so it stays small) lets that UPDATE find them without scanning every order.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('orders_idempotency_created_idx')
    .on('orders')
    .column('created_at')
    .where(sql.ref('idempotency_key'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('orders_idempotency_created_idx').execute();
}
