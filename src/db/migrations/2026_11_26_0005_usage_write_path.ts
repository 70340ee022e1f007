import type { Kysely } from 'kysely';

// The usage write path. usage_debits (pack_id, occurred_at) kept one hot leaf page per active pack in every
// ingestion transaction: with 1,000 packs fed at once, a commit wrote ~1,000 extra pages, and dropping
// the index took the server from ~83 to ~60 µs of CPU per record (SQLite, batches of 100, 16 clients).
// A pack's usage is read through usage_records (user_id, occurred_at) and usage_debits (usage_id) instead,
// bounded by the requested range.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('usage_debits_pack_idx').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('usage_debits_pack_idx')
    .on('usage_debits')
    .columns(['pack_id', 'occurred_at'])
    .execute();
}
