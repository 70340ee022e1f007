/**
 * Versioned migrations through Kysely's Migrator. The list is static (imported, not read from disk) so the
 * same code runs from src/ under tsx and from dist/ after the build. Names sort in the order they apply.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationResultSet } from 'kysely';
import type { Dialect } from './index.js';
import * as m0001 from './migrations/2026_11_26_0001_accounts.js';
import * as m0002 from './migrations/2026_11_26_0002_esims.js';
import * as m0003 from './migrations/2026_11_26_0003_catalogue_usage.js';
import * as m0004 from './migrations/2026_11_26_0004_packs_sweep.js';
import * as m0005 from './migrations/2026_11_26_0005_admin_indexes.js';
import * as m0006 from './migrations/2026_12_02_0006_checks.js';
import * as m0007 from './migrations/2026_12_02_0007_alerts.js';
import * as m0012 from './migrations/2026_12_02_0012_usage_rollups.js';
import * as m0013 from './migrations/2026_12_03_0013_es2plus.js';
import * as m0014 from './migrations/2026_12_03_0014_events.js';
import * as m0015 from './migrations/2026_12_03_0015_payments.js';
import * as m0016 from './migrations/2026_12_03_0016_mail.js';
import * as m0017 from './migrations/2026_12_03_0017_order_refunds.js';
import * as m0018 from './migrations/2026_12_03_0018_hot_updates.js';
import * as m0019 from './migrations/2026_12_03_0019_esim_keys.js';
import type { Database } from './types.js';

const migrations: Record<string, Migration> = {
  '2026_11_26_0001_accounts': m0001,
  '2026_11_26_0002_esims': m0002,
  '2026_11_26_0003_catalogue_usage': m0003,
  '2026_11_26_0004_packs_sweep': m0004,
  '2026_11_26_0005_admin_indexes': m0005,
  '2026_12_02_0006_checks': m0006,
  '2026_12_02_0007_alerts': m0007,
  '2026_12_02_0012_usage_rollups': m0012,
  '2026_12_03_0013_es2plus': m0013,
  '2026_12_03_0014_events': m0014,
  '2026_12_03_0015_payments': m0015,
  '2026_12_03_0016_mail': m0016,
  '2026_12_03_0017_order_refunds': m0017,
  '2026_12_03_0018_hot_updates': m0018,
  '2026_12_03_0019_esim_keys': m0019,
};

export function migratorFor(db: Kysely<Database>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

/**
 * What the database has recorded, read in one or two queries (the Migrator asks more: it introspects the
 * whole catalogue twice even when nothing is pending). `fresh`: no migration recorded (no migration table
 * yet), so none of this app's tables exists. `current`: exactly the known migrations are recorded, so
 * migrateToLatest would apply nothing; anything else (pending ones, or recorded ones this build does not
 * know, which the Migrator refuses) is for migrateToLatest to handle.
 */
export async function migrationState(
  db: Kysely<Database>,
  dialect: Dialect,
): Promise<{ fresh: boolean; current: boolean }> {
  const table =
    dialect === 'postgres'
      ? sql<{ found: boolean }>`select to_regclass('kysely_migration') is not null as found`
      : sql<{ found: boolean }>`select count(*) > 0 as found from sqlite_master
          where type = 'table' and name = 'kysely_migration'`;
  const { rows } = await table.execute(db);
  if (!rows[0]?.found) return { fresh: true, current: false };
  const recorded = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const names = new Set(recorded.rows.map((r) => r.name));
  const known = Object.keys(migrations);
  const current = names.size === known.length && known.every((n) => names.has(n));
  return { fresh: names.size === 0, current };
}

/** Applies every pending migration; a no-op when the schema is current. Throws on the first failure. */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrationResultSet> {
  const result = await migratorFor(db).migrateToLatest();
  if (result.error) throw result.error instanceof Error ? result.error : new Error(String(result.error));
  return result;
}
