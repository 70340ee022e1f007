import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * Real eSIM provisioning over GSMA ES2+ (issue 12):
 * - esims: new states `provisioning` (the row is written before the SM-DP+ is asked) and `error` (a
 *   failed download or installation reported by the SM-DP+); the ICCID may be unknown while provisioning;
 *   the profile type, when the SM-DP+ answered DownloadOrder, the last SM-DP+ status kept for `error`,
 *   the reconciler's attempt count, and the creation's Idempotency-Key with its request hash;
 * - esim_events: the raw notification point and status of every SM-DP+ callback, and the actor `smdp`;
 * - esim_profiles: the operator's own profile stock (imported ICCID, IMSI, profile type) and
 *   esim_stock_levels: the low-water mark per profile type.
 *
 * PostgreSQL changes the constraints in place. SQLite cannot, so esims and esim_events are rebuilt from
 * their saved CREATE TABLE text with the new rules (the procedure of 2026_12_02_0006_checks, foreign keys
 * off around one transaction).
 */
const OLD = ['released', 'downloaded', 'installed', 'enabled', 'disabled', 'deleted'];
const STATUSES = ['provisioning', 'error', ...OLD];
const ACTORS = ['user', 'admin', 'api_key', 'system', 'smdp'];
const list = (v: string[]) => v.map((s) => `'${s}'`).join(', ');

const isSqlite = (db: Kysely<unknown>) => db.getExecutor().adapter instanceof SqliteAdapter;

/** The CREATE TABLE text with the old status and actor lists replaced and the ICCID nullable. */
export function es2plusTableSql(createSql: string): string {
  return createSql
    .replaceAll(`in (${list(OLD)})`, `in (${list(STATUSES)})`)
    .replace(`in (${list(['user', 'admin', 'api_key', 'system'])})`, `in (${list(ACTORS)})`)
    .replace('"iccid" text not null unique', '"iccid" text unique');
}

async function rebuildSqlite(db: Kysely<unknown>): Promise<void> {
  const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
  const fkWasOn = Number(fk.rows[0]?.foreign_keys ?? 0) === 1;
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      for (const table of ['esims', 'esim_events']) {
        const saved = await sql<{ type: string; name: string; sql: string | null }>`
          select type, name, sql from sqlite_master where tbl_name = ${table} order by rowid`.execute(trx);
        const def = saved.rows.find((o) => o.type === 'table' && o.name === table)?.sql;
        if (!def) throw new Error(`table ${table} not found`);
        const next = es2plusTableSql(def);
        if (next === def) continue;
        const tmp = `${table}__new`;
        await sql.raw(next.replace(/^CREATE TABLE "?[a-z_]+"?/i, `CREATE TABLE "${tmp}"`)).execute(trx);
        await sql`insert into ${sql.table(tmp)} select * from ${sql.table(table)}`.execute(trx);
        await sql`drop table ${sql.table(table)}`.execute(trx);
        await sql`alter table ${sql.table(tmp)} rename to ${sql.table(table)}`.execute(trx);
        for (const o of saved.rows) {
          if ((o.type === 'index' || o.type === 'trigger') && o.sql) await sql.raw(o.sql).execute(trx);
        }
      }
      const broken = await sql<{ table: string }>`pragma foreign_key_check`.execute(trx);
      if (broken.rows.length > 0) throw new Error('foreign_key_check failed after the rebuild (rolled back)');
    });
  } finally {
    if (fkWasOn) await sql`pragma foreign_keys = on`.execute(db);
  }
}

async function alterPostgres(db: Kysely<unknown>): Promise<void> {
  await sql`alter table esims drop constraint esims_status_check,
    add constraint esims_status_check check (status in (${sql.raw(list(STATUSES))})),
    alter column iccid drop not null`.execute(db);
  await sql`alter table esim_events drop constraint esim_events_from_status_check,
    drop constraint esim_events_to_status_check, drop constraint esim_events_actor_type_check,
    add constraint esim_events_from_status_check
      check (from_status is null or from_status in (${sql.raw(list(STATUSES))})),
    add constraint esim_events_to_status_check check (to_status in (${sql.raw(list(STATUSES))})),
    add constraint esim_events_actor_type_check check (actor_type in (${sql.raw(list(ACTORS))}))`.execute(db);
}

/** New columns, each added only when missing (SQLite's `down` keeps them, so up → down → up works). */
async function addColumns(db: Kysely<unknown>): Promise<void> {
  const tables = await db.introspection.getTables();
  const has = (t: string, c: string) =>
    tables.some((x) => x.name === t && x.columns.some((col) => col.name === c));
  const add = async (table: string, column: string, type: 'text' | 'bigint') => {
    if (!has(table, column)) await db.schema.alterTable(table).addColumn(column, type).execute();
  };
  await add('esims', 'profile_type', 'text');
  await add('esims', 'smdp_ordered_at', 'bigint');
  await add('esims', 'smdp_status', 'text');
  await add('esims', 'idempotency_key', 'text');
  await add('esims', 'request_hash', 'text');
  if (!has('esims', 'provision_attempts')) {
    await db.schema
      .alterTable('esims')
      .addColumn('provision_attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  }
  await add('esim_events', 'notification_point', 'bigint');
  await add('esim_events', 'point_status', 'text');
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await addColumns(db);
  if (isSqlite(db)) await rebuildSqlite(db);
  else await alterPostgres(db);
  await db.schema
    .createIndex('esims_idempotency_uq')
    .on('esims')
    .columns(['user_id', 'idempotency_key'])
    .unique()
    .execute();

  await db.schema
    .createTable('esim_profiles')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('iccid', 'text', (c) => c.notNull().unique())
    .addColumn('imsi', 'text', (c) => c.notNull())
    .addColumn('profile_type', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('esim_id', 'text', (c) => c.references('esims.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('esim_profiles_state_check', sql`state in ('available', 'allocated', 'unavailable')`)
    .addCheckConstraint('esim_profiles_type_check', sql`length(profile_type) between 1 and 64`)
    .execute();
  await db.schema
    .createIndex('esim_profiles_stock_idx')
    .on('esim_profiles')
    .columns(['profile_type', 'state', 'iccid'])
    .execute();
  await db.schema
    .createTable('esim_stock_levels')
    .addColumn('profile_type', 'text', (c) => c.primaryKey())
    .addColumn('low_water', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('esim_stock_levels_low_water_check', sql`low_water >= 0`)
    .execute();
}

/** PostgreSQL: back to the previous schema (fails while rows use the new states). SQLite: drops the new tables only. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('esim_stock_levels').execute();
  await db.schema.dropTable('esim_profiles').execute();
  await db.schema.dropIndex('esims_idempotency_uq').execute();
  if (isSqlite(db)) return;
  await sql`alter table esims drop constraint esims_status_check,
    add constraint esims_status_check check (status in (${sql.raw(list(OLD))})),
    alter column iccid set not null`.execute(db);
  await sql`alter table esim_events drop constraint esim_events_from_status_check,
    drop constraint esim_events_to_status_check, drop constraint esim_events_actor_type_check,
    add constraint esim_events_from_status_check
      check (from_status is null or from_status in (${sql.raw(list(OLD))})),
    add constraint esim_events_to_status_check check (to_status in (${sql.raw(list(OLD))})),
    add constraint esim_events_actor_type_check
      check (actor_type in (${sql.raw(list(ACTORS.filter((a) => a !== 'smdp')))}))`.execute(db);
  const cols = ['profile_type', 'smdp_ordered_at', 'smdp_status', 'idempotency_key', 'request_hash'];
  for (const c of [...cols, 'provision_attempts'])
    await db.schema.alterTable('esims').dropColumn(c).execute();
  for (const c of ['notification_point', 'point_status']) {
    await db.schema.alterTable('esim_events').dropColumn(c).execute();
  }
}
