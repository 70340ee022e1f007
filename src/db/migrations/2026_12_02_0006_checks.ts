import { SqliteAdapter, sql, type Kysely } from 'kysely';

/**
 * The database refuses what the code should never send: every amount and count is a whole number in its
 * range, every status-like column one of its values, every flag 0 or 1. One named constraint per column
 * (`<table>_<column>_check`) so an error that still happens can be told apart (db/errors.ts maps it to a
 * 422 problem).
 *
 * SQLite stores whatever it is given in an INTEGER column when the value does not convert (1.5, 'Infinity',
 * -Infinity), so its integer rules add `typeof(col) = 'integer'` (checked after the column affinity has
 * turned 3.0 or '3' into 3). PostgreSQL's BIGINT/INTEGER types already refuse those; there only the range
 * is checked.
 *
 * Before anything changes, every rule is counted against the existing rows; if any row breaks one, the
 * migration stops with one message listing table, constraint, count and the first keys, so an operator can
 * fix the data first (`findCheckViolations` / `checkViolationReport`).
 *
 * PostgreSQL: `alter table ... add constraint ... check`, inside the migrator's transaction.
 * SQLite cannot add a constraint to a table, so each affected table is rebuilt following the documented
 * procedure (https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys off (outside any
 * transaction), then in one transaction per run: create `<t>__new` from the saved CREATE TABLE with the
 * CHECK clauses added, copy the rows, drop `<t>`, rename, recreate its indexes and triggers from the saved
 * SQL, `foreign_key_check`; commit, and foreign keys back to what they were. Kysely's migrator runs SQLite
 * migrations outside a transaction (SqliteAdapter.supportsTransactionalDdl is false), so the transaction is
 * ours. A table whose SQL already names the constraints is left alone, so a run that committed but was not
 * recorded can run again.
 */

export type CheckDialect = 'sqlite' | 'postgres';

export interface CheckRule {
  table: string;
  /** The constraint name, `<table>_<column>_check`. */
  name: string;
  /** What it means, for people. */
  rule: string;
  sqlite: string;
  postgres: string;
}

/** The tables constrained here, with the key column the report quotes. */
const TABLE_KEYS: Record<string, string> = {
  users: 'id',
  login_throttle: 'email_key',
  esims: 'id',
  esim_events: 'id',
  plans: 'id',
  orders: 'id',
  packs: 'id',
  usage_records: 'id',
  usage_debits: 'id',
  notifications: 'id',
};

const ESIM_STATUSES = ['released', 'downloaded', 'installed', 'enabled', 'disabled', 'deleted'];

function quoteList(values: readonly string[]): string {
  return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');
}

/** A whole number >= min (a NOT NULL column). */
function int(table: string, column: string, min: 0 | 1, extra?: { sql: string; rule: string }): CheckRule {
  const range = `"${column}" >= ${min}${extra ? ` and ${extra.sql}` : ''}`;
  return {
    table,
    name: `${table}_${column}_check`,
    rule: `${column} is a whole number ${min === 0 ? '>= 0' : '> 0'}${extra ? ` and ${extra.rule}` : ''}`,
    sqlite: `typeof("${column}") = 'integer' and ${range}`,
    postgres: range,
  };
}

/** One of `values` (or null when the column is nullable). */
function oneOf(table: string, column: string, values: readonly string[], nullable = false): CheckRule {
  const inSet = `"${column}" in (${quoteList(values)})`;
  const expr = nullable ? `"${column}" is null or ${inSet}` : inSet;
  return {
    table,
    name: `${table}_${column}_check`,
    rule: `${column} is ${nullable ? 'null or ' : ''}one of ${values.join(', ')}`,
    sqlite: expr,
    postgres: expr,
  };
}

/** A boolean stored as INTEGER: 0 or 1 (SQLite's affinity turns 1.0 and '1' into 1 first). */
function flag(table: string, column: string): CheckRule {
  const expr = `"${column}" in (0, 1)`;
  return {
    table,
    name: `${table}_${column}_check`,
    rule: `${column} is 0 or 1`,
    sqlite: expr,
    postgres: expr,
  };
}

/** Every rule this migration adds, in table order. */
export const CHECK_RULES: readonly CheckRule[] = [
  oneOf('users', 'role', ['user', 'admin']),
  oneOf('users', 'status', ['active', 'suspended', 'deleted']),
  int('login_throttle', 'failures', 0),
  oneOf('esims', 'status', ESIM_STATUSES),
  oneOf('esim_events', 'from_status', ESIM_STATUSES, true),
  oneOf('esim_events', 'to_status', ESIM_STATUSES),
  oneOf('esim_events', 'actor_type', ['user', 'admin', 'api_key', 'system']),
  int('plans', 'data_bytes', 1),
  int('plans', 'validity_days', 1),
  int('plans', 'price_cents', 0), // free plans exist
  flag('plans', 'is_active'),
  oneOf('orders', 'status', ['pending_payment', 'paid', 'failed', 'refunded']),
  int('orders', 'amount_cents', 0), // grants are orders of 0
  int('packs', 'total_bytes', 1),
  int('packs', 'used_bytes', 0), // <= total_bytes is packs_used_within_total (0003)
  int('packs', 'validity_days', 1),
  int('packs', 'price_cents', 0), // granted packs cost 0
  oneOf('packs', 'status', ['pending', 'active', 'depleted', 'expired', 'cancelled']),
  int('usage_records', 'bytes', 0), // the ingestion schema allows an empty record
  int('usage_records', 'overage_bytes', 0, { sql: '"overage_bytes" <= "bytes"', rule: 'at most bytes' }),
  int('usage_debits', 'bytes', 1), // a debit row is written only for a pack that took bytes
  oneOf('notifications', 'type', ['usage_50', 'usage_80', 'usage_100', 'pack_expiring', 'pack_expired']),
];

export function checkRulesFor(
  dialect: CheckDialect,
): { table: string; name: string; rule: string; expr: string }[] {
  return CHECK_RULES.map((r) => ({ table: r.table, name: r.name, rule: r.rule, expr: r[dialect] }));
}

export interface CheckViolation {
  table: string;
  constraint: string;
  rule: string;
  count: number;
  /** The first few keys (id, or email_key for login_throttle) of the rows that break it. */
  keys: string[];
}

/** How many existing rows break each rule (rules nobody breaks are left out). Reads only. */
export async function findCheckViolations(
  db: Kysely<unknown>,
  dialect: CheckDialect,
  sample = 5,
): Promise<CheckViolation[]> {
  const out: CheckViolation[] = [];
  for (const r of checkRulesFor(dialect)) {
    const key = TABLE_KEYS[r.table] ?? 'id';
    // `not (expr)` is true exactly where the CHECK would fail (a NULL result passes, as in a CHECK)
    const where = sql.raw(`not (${r.expr})`);
    const counted = await sql<{ n: number | string }>`
      select count(*) as n from ${sql.table(r.table)} where ${where}`.execute(db);
    const count = Number(counted.rows[0]?.n ?? 0);
    if (count === 0) continue;
    const keys = await sql<{ k: string }>`
      select ${sql.ref(key)} as k from ${sql.table(r.table)} where ${where}
      order by ${sql.ref(key)} limit ${sql.lit(sample)}`.execute(db);
    out.push({
      table: r.table,
      constraint: r.name,
      rule: r.rule,
      count,
      keys: keys.rows.map((k) => String(k.k)),
    });
  }
  return out;
}

/** The operator's message for violations, or undefined when there are none. */
export function checkViolationReport(violations: readonly CheckViolation[]): string | undefined {
  if (violations.length === 0) return undefined;
  const lines = violations.map((v) => {
    const key = TABLE_KEYS[v.table] ?? 'id';
    const more = v.count > v.keys.length ? ', ...' : '';
    return `  - ${v.table}: ${v.constraint} (${v.rule}): ${v.count} row(s), ${key} ${v.keys.join(', ')}${more}`;
  });
  return [
    `Cannot add the CHECK constraints: existing rows break ${violations.length} of them. ` +
      'Fix or remove these rows, then run the migrations again (nothing was changed):',
    ...lines,
  ].join('\n');
}

function dialectOf(db: Kysely<unknown>): CheckDialect {
  return db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
}

/** The index of the `)` that closes the `(` at `open`, skipping quoted text and nested brackets. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const end = c === '[' ? ']' : c;
      i = text.indexOf(end, i + 1);
      if (i < 0) break;
      // doubled quotes ('it''s') just restart the same quoted run on the next loop
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  throw new Error('unbalanced CREATE TABLE text in sqlite_master');
}

/** `CREATE TABLE <name> (defs)` → `CREATE TABLE "<newName>" (defs, constraint ... check (...), ...)`. */
export function withChecks(
  createSql: string,
  newName: string,
  checks: readonly { name: string; expr: string }[],
): string {
  const open = createSql.indexOf('(');
  if (!/^create\s+table\s/i.test(createSql) || open < 0) throw new Error(`not a CREATE TABLE: ${createSql}`);
  const close = closingParen(createSql, open);
  const added = checks.map((c) => `, constraint "${c.name}" check (${c.expr})`).join('');
  return `CREATE TABLE "${newName}" ${createSql.slice(open, close)}${added}${createSql.slice(close)}`;
}

async function rebuildSqlite(db: Kysely<unknown>): Promise<void> {
  const byTable = new Map<string, { name: string; expr: string }[]>();
  for (const r of checkRulesFor('sqlite')) byTable.set(r.table, [...(byTable.get(r.table) ?? []), r]);

  const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
  const fkWasOn = Number(fk.rows[0]?.foreign_keys ?? 0) === 1;
  // step 1: cannot change inside a transaction, and the migrator has none open on SQLite
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      for (const [table, checks] of byTable) {
        const saved = await sql<{ type: string; name: string; sql: string | null }>`
          select type, name, sql from sqlite_master where tbl_name = ${table} order by rowid`.execute(trx);
        const def = saved.rows.find((o) => o.type === 'table' && o.name === table)?.sql;
        if (!def) throw new Error(`table ${table} not found`);
        const missing = checks.filter((c) => !def.includes(`"${c.name}"`));
        if (missing.length === 0) continue; // already rebuilt by an earlier, unrecorded run
        const tmp = `${table}__new`;
        await sql.raw(withChecks(def, tmp, missing)).execute(trx);
        await sql`insert into ${sql.table(tmp)} select * from ${sql.table(table)}`.execute(trx);
        await sql`drop table ${sql.table(table)}`.execute(trx);
        await sql`alter table ${sql.table(tmp)} rename to ${sql.table(table)}`.execute(trx);
        // indexes (autoindexes of UNIQUE come back with the table and have no SQL) and triggers
        for (const o of saved.rows) {
          if ((o.type === 'index' || o.type === 'trigger') && o.sql) await sql.raw(o.sql).execute(trx);
        }
      }
      const broken = await sql<{ table: string; parent: string }>`pragma foreign_key_check`.execute(trx);
      if (broken.rows.length > 0) {
        const first = broken.rows.slice(0, 5).map((b) => `${b.table} → ${b.parent}`);
        throw new Error(`foreign_key_check failed after the rebuild (rolled back): ${first.join('; ')}`);
      }
    });
  } finally {
    if (fkWasOn) await sql`pragma foreign_keys = on`.execute(db);
  }
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const dialect = dialectOf(db);
  const report = checkViolationReport(await findCheckViolations(db, dialect));
  if (report) throw new Error(report);
  if (dialect === 'sqlite') return rebuildSqlite(db);
  const byTable = new Map<string, string[]>();
  for (const r of checkRulesFor('postgres')) {
    byTable.set(r.table, [...(byTable.get(r.table) ?? []), `add constraint "${r.name}" check (${r.expr})`]);
  }
  // one ALTER per table: PostgreSQL validates all of its new constraints in one scan
  for (const [table, adds] of byTable) {
    await sql`alter table ${sql.table(table)} ${sql.raw(adds.join(', '))}`.execute(db);
  }
}

/**
 * PostgreSQL: drops the constraints. SQLite: a documented no-op (taking them out would be another full
 * rebuild of ten tables; `up` leaves a table that already has them alone, so up → down → up works).
 */
export async function down(db: Kysely<unknown>): Promise<void> {
  if (dialectOf(db) === 'sqlite') return;
  for (const r of CHECK_RULES) {
    await sql`alter table ${sql.table(r.table)} drop constraint if exists ${sql.ref(r.name)}`.execute(db);
  }
}
