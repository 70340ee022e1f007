import { sql, type Kysely } from 'kysely';

// Admin alerts: what the operators must look at (an SM-DP+ stock running low, a webhook endpoint disabled,
// a payment dispute). One row per alert; `dedupe_key` (unique where set) keeps a condition that is seen
// again and again from raising the same alert twice.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('admin_alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('ref_type', 'text')
    .addColumn('ref_id', 'text')
    .addColumn('dedupe_key', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('read_at', 'bigint')
    .addColumn('read_by', 'text')
    .addCheckConstraint('admin_alerts_kind_check', sql`length(kind) between 1 and 64`)
    .addCheckConstraint('admin_alerts_message_check', sql`length(message) between 1 and 2000`)
    .execute();
  await db.schema
    .createIndex('admin_alerts_dedupe_uq')
    .on('admin_alerts')
    .column('dedupe_key')
    .unique()
    .execute();
  await db.schema
    .createIndex('admin_alerts_unread_idx')
    .on('admin_alerts')
    .columns(['read_at', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('admin_alerts').execute();
}
