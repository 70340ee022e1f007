import { SqliteAdapter, sql, type Kysely } from 'kysely';

// Room for HOT updates on the rows usage rewrites (PostgreSQL only; SQLite has no such setting).
//
// Every debit rewrites its pack row and its hourly rollup rows. With full pages (fillfactor 100) almost no
// update finds room on its own page, so each one also writes a new entry into every index of the table
// (six on `packs`): measured 3 % of pack updates in place. Leaving 30 % of each page free lets PostgreSQL
// update in place (heap-only tuples: no index is touched, since no indexed column changes): measured 80 %
// in place and usage ingestion ~1.5 times as fast (docs/benchmarks.md, session 5). Pages written from now
// on keep the room; `VACUUM FULL packs` (a maintenance window) gives it to the existing ones too.
const TABLES = ['packs', 'usage_pack_hourly', 'usage_user_hourly'];

const isSqlite = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof SqliteAdapter;

export async function up(db: Kysely<unknown>): Promise<void> {
  if (isSqlite(db)) return;
  for (const t of TABLES) await sql`alter table ${sql.table(t)} set (fillfactor = 70)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isSqlite(db)) return;
  for (const t of TABLES) await sql`alter table ${sql.table(t)} reset (fillfactor)`.execute(db);
}
