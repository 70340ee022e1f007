import type { Kysely } from 'kysely';

// eSIMs and their lifecycle history.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('esims')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('label', 'text')
    .addColumn('iccid', 'text', (c) => c.notNull().unique())
    .addColumn('eid', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('smdp_address', 'text', (c) => c.notNull())
    .addColumn('matching_id', 'text', (c) => c.notNull().unique())
    .addColumn('confirmation_code_hash', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint')
    .execute();
  await db.schema.createIndex('esims_user_idx').on('esims').columns(['user_id', 'id']).execute();
  await db.schema.createIndex('esims_status_idx').on('esims').columns(['status', 'id']).execute();

  await db.schema
    .createTable('esim_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('esim_id', 'text', (c) => c.notNull().references('esims.id'))
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('esim_events_esim_idx').on('esim_events').columns(['esim_id', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('esim_events').execute();
  await db.schema.dropTable('esims').execute();
}
