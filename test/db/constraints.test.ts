/**
 * CHECK constraints (migration 0006): the database itself refuses an amount or count that is negative,
 * fractional or not a number, and a status outside its set, on both dialects; a refusal maps to a 422
 * problem; the migration reports existing rows that break a rule before changing anything, and on valid
 * data keeps every row and every index.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { classifyDbError } from '../../src/db/errors.js';
import { openDatabase, type DatabaseHandle, type Db, type Dialect } from '../../src/db/index.js';
import { migratorFor } from '../../src/db/migrate.js';
import {
  CHECK_RULES,
  down as down0006,
  findCheckViolations,
  up as up0006,
  withChecks,
} from '../../src/db/migrations/2026_12_02_0006_checks.js';
import { newId } from '../../src/lib/ids.js';
import { DIALECTS, forEachDialect, freshDatabaseUrl, dialectSkip } from '../helper.js';

interface Row {
  id?: unknown;
  [column: string]: unknown;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rows built per table name, values deliberately wrong
type AnyDb = Kysely<any>;
const anyDb = (db: Db | AnyDb): AnyDb => db as unknown as AnyDb;

const T0 = Date.parse('2026-06-01T00:00:00Z');
let seq = 0;
const uniq = () => `${process.pid}x${Date.now().toString(36)}x${(seq += 1)}`;

/** The parents every other row points at. */
interface Parents {
  user: string;
  esim: string;
  plan: string;
  order: string;
  pack: string;
  usage: string;
}

/** A fresh, valid row of `table` (unique columns made unique), pointing at `p`. */
function validRow(table: string, p: Parents): Row {
  const id = newId();
  switch (table) {
    case 'users':
      return {
        id,
        email: `ck.${uniq()}@example.test`,
        password_hash: '!x',
        role: 'user',
        status: 'active',
        created_at: T0,
        updated_at: T0,
      };
    case 'login_throttle':
      return { email_key: `k-${uniq()}`, failures: 0, window_start: T0, locked_until: null };
    case 'esims':
      return {
        id,
        user_id: p.user,
        iccid: `89${uniq()}`,
        status: 'released',
        smdp_address: 'smdp.example',
        matching_id: `M-${uniq()}`,
        created_at: T0,
        updated_at: T0,
      };
    case 'esim_events':
      return {
        id,
        esim_id: p.esim,
        from_status: null,
        to_status: 'released',
        actor_type: 'system',
        actor_id: null,
        created_at: T0,
      };
    case 'plans':
      return {
        id,
        code: `ck-${uniq()}`,
        name: 'Plan',
        data_bytes: 1_000_000,
        validity_days: 30,
        price_cents: 0,
        currency: 'EUR',
        countries: '["FR"]',
        is_active: 1,
        created_at: T0,
        updated_at: T0,
      };
    case 'orders':
      return {
        id,
        user_id: p.user,
        plan_id: p.plan,
        status: 'paid',
        amount_cents: 0,
        currency: 'EUR',
        created_at: T0,
        updated_at: T0,
      };
    case 'packs':
      return {
        id,
        user_id: p.user,
        order_id: p.order,
        plan_id: p.plan,
        esim_id: p.esim,
        name: 'Pack',
        total_bytes: 1_000_000,
        used_bytes: 0,
        validity_days: 30,
        price_cents: 0,
        currency: 'EUR',
        status: 'pending',
        created_at: T0,
        updated_at: T0,
      };
    case 'usage_records':
      return {
        id,
        event_id: `ev-${uniq()}`,
        esim_id: p.esim,
        user_id: p.user,
        iccid: '8900',
        bytes: 0,
        overage_bytes: 0,
        occurred_at: T0,
        received_at: T0,
      };
    case 'usage_debits':
      return { id, usage_id: p.usage, pack_id: p.pack, user_id: p.user, bytes: 1, occurred_at: T0 };
    case 'notifications':
      return { id, user_id: p.user, type: 'usage_50', pack_id: null, message: 'm', created_at: T0 };
    default:
      throw new Error(`no row builder for ${table}`);
  }
}

const PARENT_ORDER = ['users', 'esims', 'plans', 'orders', 'packs', 'usage_records'] as const;

async function insertParents(db: Db): Promise<Parents> {
  const p = {} as Parents;
  const key: Record<(typeof PARENT_ORDER)[number], keyof Parents> = {
    users: 'user',
    esims: 'esim',
    plans: 'plan',
    orders: 'order',
    packs: 'pack',
    usage_records: 'usage',
  };
  for (const table of PARENT_ORDER) {
    const row = validRow(table, p);
    await anyDb(db).insertInto(table).values(row).execute();
    p[key[table]] = row.id as string;
  }
  return p;
}

/** One valid row in each of the ten constrained tables (besides the parents). */
async function insertOneOfEach(db: Db, p: Parents): Promise<void> {
  for (const table of ['login_throttle', 'esim_events', 'usage_debits', 'notifications', ...PARENT_ORDER]) {
    await anyDb(db).insertInto(table).values(validRow(table, p)).execute();
  }
}

interface DbError {
  code?: string;
  constraint?: string;
  message?: string;
}

/**
 * Packs keep 0003's packs_used_within_total (0 <= used_bytes <= total_bytes); a bad used or total bytes
 * can break it too, and which of two broken checks a database names first is its own business.
 */
const ALSO: Record<string, string> = {
  packs_used_bytes_check: 'packs_used_within_total',
  packs_total_bytes_check: 'packs_used_within_total',
};

/** Rejects with a CHECK violation naming `constraint` (PostgreSQL 23514, SQLite SQLITE_CONSTRAINT_CHECK). */
function isCheckViolation(constraint: string) {
  const names = [constraint, ALSO[constraint]].filter(Boolean);
  return (err: DbError): boolean => {
    if (err.code === '23514') return names.includes(err.constraint ?? '');
    if (err.code === 'SQLITE_CONSTRAINT_CHECK')
      return names.some((n) => err.message === `CHECK constraint failed: ${n}`);
    assert.fail(`expected a check violation of ${constraint}, got ${err.code}: ${err.message}`);
  };
}

/**
 * A value that is not a whole number: SQLite's CHECK refuses it (typeof), PostgreSQL's integer type
 * already does (22P02 invalid_text_representation: pg sends 1.5 / Infinity / -Infinity as text).
 */
function isNonIntegerRefusal(dialect: Dialect, constraint: string) {
  return (err: DbError): boolean =>
    dialect === 'sqlite' ? isCheckViolation(constraint)(err) : err.code === '22P02';
}

/** Per column: values out of range or outside the set (refused by the CHECK on both dialects). */
const OUT_OF_RANGE: { table: string; column: string; bad: unknown[] }[] = [
  { table: 'users', column: 'role', bad: ['root', 'ADMIN', ''] },
  { table: 'users', column: 'status', bad: ['banned'] },
  { table: 'login_throttle', column: 'failures', bad: [-1] },
  { table: 'esims', column: 'status', bad: ['active', 'Enabled'] },
  { table: 'esim_events', column: 'from_status', bad: ['nowhere'] },
  { table: 'esim_events', column: 'to_status', bad: ['gone'] },
  { table: 'esim_events', column: 'actor_type', bad: ['robot'] },
  { table: 'plans', column: 'data_bytes', bad: [0, -1] },
  { table: 'plans', column: 'validity_days', bad: [0, -30] },
  { table: 'plans', column: 'price_cents', bad: [-1] },
  { table: 'plans', column: 'is_active', bad: [2, -1] },
  { table: 'orders', column: 'status', bad: ['shipped'] },
  { table: 'orders', column: 'amount_cents', bad: [-100] },
  { table: 'packs', column: 'total_bytes', bad: [0, -5] },
  { table: 'packs', column: 'used_bytes', bad: [-1] },
  { table: 'packs', column: 'validity_days', bad: [0] },
  { table: 'packs', column: 'price_cents', bad: [-1] },
  { table: 'packs', column: 'status', bad: ['paused'] },
  { table: 'usage_records', column: 'bytes', bad: [-1] },
  { table: 'usage_records', column: 'overage_bytes', bad: [-1, 1] }, // 1 > bytes (0)
  { table: 'usage_debits', column: 'bytes', bad: [0, -1] },
  { table: 'notifications', column: 'type', bad: ['usage_90'] },
];

/** Integer columns, each given values that are not whole numbers. */
const INTEGER_COLUMNS: { table: string; column: string }[] = [
  { table: 'login_throttle', column: 'failures' },
  { table: 'plans', column: 'data_bytes' },
  { table: 'plans', column: 'validity_days' },
  { table: 'plans', column: 'price_cents' },
  { table: 'orders', column: 'amount_cents' },
  { table: 'packs', column: 'total_bytes' },
  { table: 'packs', column: 'used_bytes' },
  { table: 'packs', column: 'validity_days' },
  { table: 'packs', column: 'price_cents' },
  { table: 'usage_records', column: 'bytes' },
  { table: 'usage_records', column: 'overage_bytes' },
  { table: 'usage_debits', column: 'bytes' },
];
const NOT_WHOLE: unknown[] = [1.5, 'Infinity', '-Infinity', Infinity, -Infinity, 'abc'];

test('every constrained column has a refusal case here, and every rule is named <table>_<column>_check', () => {
  const covered = new Set(OUT_OF_RANGE.map((c) => `${c.table}_${c.column}_check`));
  for (const r of CHECK_RULES) {
    assert.ok(covered.has(r.name), `no out-of-range case for ${r.name}`);
    assert.match(r.name, new RegExp(`^${r.table}_[a-z_]+_check$`));
  }
  assert.equal(new Set(CHECK_RULES.map((r) => r.name)).size, CHECK_RULES.length);
});

test('withChecks adds the clauses inside the table body, renames it and keeps what follows', () => {
  const out = withChecks(
    `CREATE TABLE "t" ("a" text default ')(', "b" integer, constraint "x" check (b > (0))) STRICT`,
    't__new',
    [{ name: 't_b_check', expr: 'b < 10' }],
  );
  assert.equal(
    out,
    `CREATE TABLE "t__new" ("a" text default ')(', "b" integer, constraint "x" check (b > (0)), constraint "t_b_check" check (b < 10)) STRICT`,
  );
});

forEachDialect('db: CHECK constraints refuse bad values', ({ env, dialect }) => {
  let p: Parents;
  before(async () => {
    p = await insertParents(env().db);
  });

  test('when a valid row is inserted in every constrained table, then the database takes it', async () => {
    await insertOneOfEach(env().db, p);
    // the edges: free plan and grant order (0), a zero-byte usage record, a full pack, a flag of 0
    await anyDb(env().db)
      .insertInto('plans')
      .values({ ...validRow('plans', p), price_cents: 0, is_active: 0, data_bytes: 1, validity_days: 1 })
      .execute();
    await anyDb(env().db)
      .insertInto('packs')
      .values({ ...validRow('packs', p), total_bytes: 5, used_bytes: 5, status: 'depleted' })
      .execute();
    await anyDb(env().db)
      .insertInto('usage_records')
      .values({ ...validRow('usage_records', p), bytes: 10, overage_bytes: 10 })
      .execute();
    for (const status of ['released', 'downloaded', 'installed', 'enabled', 'disabled', 'deleted']) {
      await anyDb(env().db)
        .insertInto('esim_events')
        .values({ ...validRow('esim_events', p), from_status: status, to_status: status, actor_type: 'user' })
        .execute();
    }
  });

  for (const c of OUT_OF_RANGE) {
    test(`when ${c.table}.${c.column} is set to ${c.bad.map((v) => JSON.stringify(v)).join(' / ')}, then the database refuses it`, async () => {
      const name = `${c.table}_${c.column}_check`;
      for (const bad of c.bad) {
        await assert.rejects(
          anyDb(env().db)
            .insertInto(c.table)
            .values({ ...validRow(c.table, p), [c.column]: bad })
            .execute(),
          isCheckViolation(name),
          `insert ${c.table}.${c.column} = ${JSON.stringify(bad)}`,
        );
      }
    });
  }

  for (const c of INTEGER_COLUMNS) {
    test(`when ${c.table}.${c.column} is given a value that is not a whole number, then the database refuses it`, async () => {
      const name = `${c.table}_${c.column}_check`;
      for (const bad of NOT_WHOLE) {
        await assert.rejects(
          anyDb(env().db)
            .insertInto(c.table)
            .values({ ...validRow(c.table, p), [c.column]: bad })
            .execute(),
          isNonIntegerRefusal(dialect, name),
          `insert ${c.table}.${c.column} = ${String(bad)}`,
        );
      }
    });
  }

  test('when an existing row is updated to a bad value, then the database refuses it and the row is unchanged', async () => {
    const db = anyDb(env().db);
    const pack = validRow('packs', p);
    await db.insertInto('packs').values(pack).execute();
    await assert.rejects(
      db.updateTable('packs').set({ status: 'lost' }).where('id', '=', pack.id).execute(),
      isCheckViolation('packs_status_check'),
    );
    await assert.rejects(
      db.updateTable('packs').set({ total_bytes: -Infinity }).where('id', '=', pack.id).execute(),
      isNonIntegerRefusal(dialect, 'packs_total_bytes_check'),
    );
    await assert.rejects(
      db
        .updateTable('packs')
        .set({ price_cents: sql`price_cents - 1` })
        .where('id', '=', pack.id)
        .execute(),
      isCheckViolation('packs_price_cents_check'),
    );
    if (dialect === 'sqlite') {
      // arithmetic that leaves a fraction is refused too, not stored as a REAL
      await assert.rejects(
        db
          .updateTable('packs')
          .set({ validity_days: sql`validity_days + 0.5` })
          .where('id', '=', pack.id)
          .execute(),
        isCheckViolation('packs_validity_days_check'),
      );
    }
    const after = await db
      .selectFrom('packs')
      .selectAll()
      .where('id', '=', pack.id)
      .executeTakeFirstOrThrow();
    assert.equal(after.status, 'pending');
    assert.equal(after.total_bytes, 1_000_000);
    assert.equal(after.price_cents, 0);
    assert.equal(after.validity_days, 30);
  });

  test('when a whole number arrives as 3.0 or "3", then it is stored as the integer 3 (SQLite affinity)', async () => {
    if (dialect !== 'sqlite') return;
    const row = { ...validRow('plans', p), validity_days: '3', data_bytes: 3.0 };
    await anyDb(env().db).insertInto('plans').values(row).execute();
    const got = await sql<{ v: string; d: string }>`
      select typeof(validity_days) as v, typeof(data_bytes) as d from plans where id = ${row.id}`.execute(
      env().db,
    );
    assert.deepEqual(got.rows[0], { v: 'integer', d: 'integer' });
  });

  test('when the database refuses a value, then it is a 422 CONSTRAINT_VIOLATED naming the rule, no SQL', async () => {
    const err = await anyDb(env().db)
      .insertInto('packs')
      .values({ ...validRow('packs', p), used_bytes: -1 })
      .execute()
      .then(
        () => assert.fail('accepted'),
        (e: unknown) => e,
      );
    const problem = classifyDbError(err);
    assert.equal(problem?.status, 422);
    assert.equal(problem?.code, 'CONSTRAINT_VIOLATED');
    // used_bytes = -1 breaks both packs_used_bytes_check and packs_used_within_total; either may be named
    assert.match(problem?.detail ?? '', /\((packs_used_bytes_check|packs_used_within_total)\)$/);
    assert.doesNotMatch(problem?.detail ?? '', /insert|select|typeof|>=/i);

    const nullErr = await anyDb(env().db)
      .insertInto('packs')
      .values({ ...validRow('packs', p), name: null })
      .execute()
      .then(
        () => assert.fail('accepted'),
        (e: unknown) => e,
      );
    const notNull = classifyDbError(nullErr);
    assert.equal(notNull?.status, 422);
    assert.equal(notNull?.code, 'CONSTRAINT_VIOLATED');
    assert.match(notNull?.detail ?? '', /\(packs\.name\)$/);
  });

  test('when a check error carries no usable name, then the detail leaves the name out', () => {
    const sqlite = classifyDbError({
      code: 'SQLITE_CONSTRAINT_CHECK',
      message: 'CHECK constraint failed: used_bytes >= 0 and used_bytes <= total_bytes',
    });
    assert.deepEqual(sqlite, {
      status: 422,
      code: 'CONSTRAINT_VIOLATED',
      detail: 'The database refused a value that breaks one of its rules',
    });
    assert.equal(
      classifyDbError({ code: '23514', constraint: 'x; drop table users' })?.detail,
      sqlite?.detail,
    );
  });
});

// ---- the migration itself, from a database at 0005 ---------------------------------------------------

const AT_0005 = '2026_11_26_0005_admin_indexes';
const AT_0006 = '2026_12_02_0006_checks';

async function migrateTo0005(db: Db): Promise<void> {
  const r = await migratorFor(db).migrateTo(AT_0005);
  if (r.error) throw r.error;
}

async function counts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const tables = (await db.introspection.getTables()).map((t) => t.name).sort();
  for (const t of tables) {
    const r = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(t)}`.execute(db);
    out[t] = Number(r.rows[0]?.n);
  }
  return out;
}

async function indexes(database: DatabaseHandle): Promise<unknown[]> {
  const r =
    database.dialect === 'sqlite'
      ? await sql`select type, name, tbl_name, sql from sqlite_master
          where type in ('index', 'trigger') order by name`.execute(database.db)
      : await sql`select tablename, indexname, indexdef from pg_indexes
          where schemaname = 'public' order by indexname`.execute(database.db);
  return r.rows;
}

async function constraintNames(database: DatabaseHandle): Promise<string[]> {
  if (database.dialect === 'sqlite') {
    const r = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table'`.execute(
      database.db,
    );
    const all = r.rows.map((x) => x.sql).join('\n');
    return CHECK_RULES.map((c) => c.name)
      .filter((n) => all.includes(`"${n}"`))
      .sort();
  }
  const r = await sql<{ conname: string }>`
    select c.conname from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where n.nspname = 'public' and c.contype = 'c' and c.conname like '%\\_check' order by c.conname`.execute(
    database.db,
  );
  // the rules of 0006 only: later migrations add checks of their own
  const of0006 = new Set(CHECK_RULES.map((c) => c.name));
  return r.rows.map((x) => x.conname).filter((n) => of0006.has(n));
}

for (const dialect of DIALECTS) {
  const skip = dialectSkip(dialect);
  describe(`db: migration 0006 (checks) from 0005 [${dialect}]`, { skip }, () => {
    let database: DatabaseHandle;
    let drop: () => Promise<void>;
    before(async () => {
      const fresh = await freshDatabaseUrl(dialect);
      drop = fresh.drop;
      database = openDatabase(fresh.url);
    });
    after(async () => {
      await database?.close();
      await drop?.();
    });

    test('when existing rows break the rules, then the migration stops, names table, constraint, count and ids, and changes nothing', async () => {
      const db = database.db;
      await migrateTo0005(db);
      const p = await insertParents(db);
      await insertOneOfEach(db, p);
      const badStatus = [validRow('users', p), validRow('users', p)].map((u) => ({ ...u, status: 'banned' }));
      await anyDb(db).insertInto('users').values(badStatus).execute();
      const badPlan = { ...validRow('plans', p), price_cents: -5 };
      await anyDb(db).insertInto('plans').values(badPlan).execute();
      // SQLite's INTEGER affinity keeps text that is not a number: exactly what the list routes choke on
      const badPack = { ...validRow('packs', p), total_bytes: dialect === 'sqlite' ? 'Infinity' : 0 };
      await anyDb(db).insertInto('packs').values(badPack).execute();
      const beforeIndexes = await indexes(database);
      const beforeCounts = await counts(db);

      const found = await findCheckViolations(anyDb(db), dialect);
      const users = found.find((v) => v.constraint === 'users_status_check');
      assert.equal(users?.table, 'users');
      assert.equal(users?.count, 2);
      assert.deepEqual(users?.keys, badStatus.map((u) => u.id as string).sort());
      assert.deepEqual(
        found.map((v) => [v.table, v.constraint, v.count]),
        [
          ['users', 'users_status_check', 2],
          ['plans', 'plans_price_cents_check', 1],
          ['packs', 'packs_total_bytes_check', 1],
        ],
      );

      const result = await migratorFor(db).migrateTo(AT_0006);
      assert.ok(result.error instanceof Error, 'the migration must fail');
      const message = result.error.message;
      assert.match(message, /Fix or remove these rows/);
      assert.match(
        message,
        /users: users_status_check \(status is one of active, suspended, deleted\): 2 row\(s\)/,
      );
      assert.match(
        message,
        new RegExp(`plans: plans_price_cents_check .*: 1 row\\(s\\), id ${badPlan.id as string}`),
      );
      assert.match(
        message,
        new RegExp(`packs: packs_total_bytes_check .*: 1 row\\(s\\), id ${badPack.id as string}`),
      );
      for (const u of badStatus) assert.ok(message.includes(u.id as string));
      assert.deepEqual(
        result.results?.map((r) => [r.migrationName, r.status]),
        [['2026_12_02_0006_checks', 'Error']],
      );
      assert.deepEqual(await constraintNames(database), []);
      assert.deepEqual(await indexes(database), beforeIndexes);
      assert.deepEqual(await counts(db), beforeCounts);

      // once the operator fixes the data, the same migration goes through
      await anyDb(db)
        .updateTable('users')
        .set({ status: 'suspended' })
        .where('status', '=', 'banned')
        .execute();
      await anyDb(db).updateTable('plans').set({ price_cents: 0 }).where('id', '=', badPlan.id).execute();
      await anyDb(db).updateTable('packs').set({ total_bytes: 1 }).where('id', '=', badPack.id).execute();
      assert.deepEqual(await findCheckViolations(anyDb(db), dialect), []);
      await migratorFor(db).migrateTo(AT_0006);
      assert.deepEqual(await constraintNames(database), CHECK_RULES.map((c) => c.name).sort());
    });
  });

  describe(`db: migration 0006 keeps valid data [${dialect}]`, { skip }, () => {
    let database: DatabaseHandle;
    let drop: () => Promise<void>;
    before(async () => {
      const fresh = await freshDatabaseUrl(dialect);
      drop = fresh.drop;
      database = openDatabase(fresh.url);
    });
    after(async () => {
      await database?.close();
      await drop?.();
    });

    test('when valid data is migrated from 0005 to the latest, then every row, index and foreign key survives', async () => {
      const db = database.db;
      await migrateTo0005(db);
      for (let i = 0; i < 3; i++) await insertOneOfEach(db, await insertParents(db));
      // every row's content, per table in key order
      const snapshot = async () => {
        const out: Record<string, unknown[]> = {};
        for (const t of ['users', 'login_throttle', 'esims', 'esim_events', 'plans', 'orders', 'packs']) {
          const key = t === 'login_throttle' ? 'email_key' : 'id';
          out[t] = (await sql`select * from ${sql.table(t)} order by ${sql.ref(key)}`.execute(db)).rows;
        }
        for (const t of [
          'usage_records',
          'usage_debits',
          'notifications',
          'refresh_tokens',
          'activity',
          'api_keys',
        ])
          out[t] = (await sql`select * from ${sql.table(t)} order by id`.execute(db)).rows;
        return out;
      };
      const beforeRows = await snapshot();
      const beforeCounts = await counts(db);
      const beforeIndexes = await indexes(database);
      assert.ok(beforeCounts.packs && beforeCounts.packs >= 3);

      const result = await migratorFor(db).migrateTo(AT_0006);
      assert.deepEqual(
        result.results?.map((r) => [r.migrationName, r.status]),
        [['2026_12_02_0006_checks', 'Success']],
      );
      assert.deepEqual(await counts(db), beforeCounts);
      assert.deepEqual(await snapshot(), beforeRows);
      assert.deepEqual(await indexes(database), beforeIndexes);
      assert.deepEqual(await constraintNames(database), CHECK_RULES.map((c) => c.name).sort());

      if (dialect === 'sqlite') {
        const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
        assert.equal(fk.rows[0]?.foreign_keys, 1, 'foreign keys are back on');
        assert.deepEqual((await sql`pragma foreign_key_check`.execute(db)).rows, []);
        assert.deepEqual((await sql`pragma integrity_check`.execute(db)).rows, [{ integrity_check: 'ok' }]);
        const leftovers =
          await sql`select name from sqlite_master where name like '%\\_\\_new%' escape '\\'`.execute(db);
        assert.deepEqual(leftovers.rows, []);
        // the foreign keys still hold after the rebuild: a pack for an unknown user is refused
        await assert.rejects(
          anyDb(db)
            .insertInto('packs')
            .values({ ...validRow('packs', await insertParents(db)), user_id: 'nobody' })
            .execute(),
          (err: DbError) => err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY',
        );
      }
    });

    test('when 0006 is run down and up again, then it ends with the same constraints and data', async () => {
      const db = database.db;
      const beforeCounts = await counts(db);
      const beforeIndexes = await indexes(database);
      await down0006(anyDb(db));
      // PostgreSQL drops them; SQLite's down is a documented no-op
      assert.deepEqual(
        await constraintNames(database),
        dialect === 'sqlite' ? CHECK_RULES.map((c) => c.name).sort() : [],
      );
      await up0006(anyDb(db)); // SQLite: the tables already carry them, nothing is rebuilt
      assert.deepEqual(await constraintNames(database), CHECK_RULES.map((c) => c.name).sort());
      assert.deepEqual(await counts(db), beforeCounts);
      assert.deepEqual(await indexes(database), beforeIndexes);
    });
  });
}
