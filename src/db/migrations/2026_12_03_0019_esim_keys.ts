import { sql, type Kysely } from 'kysely';

// The sweep frees the Idempotency-Keys of eSIM creations older than 24 h (src/modules/esims/sweep.ts). A
// partial index over the keyed eSIMs only (keys live one day, so it stays small) lets that UPDATE find
// them without scanning every eSIM.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('esims_idempotency_created_idx')
    .on('esims')
    .column('created_at')
    .where(sql.ref('idempotency_key'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('esims_idempotency_created_idx').execute();
}
