/**
 * Prepared statements (src/db/prepared.ts, PostgreSQL): each parameterised text is parsed once per
 * connection and run by name afterwards; a connection never keeps more than its bound; a plan made stale
 * by a schema change from another connection is re-prepared, alone or inside transaction(), without the
 * caller seeing an error and without running a transaction's writes twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, transaction, type DatabaseHandle } from '../../src/db/index.js';
import { isStalePlan } from '../../src/db/prepared.js';
import { freshDatabaseUrl, pgAvailable } from '../helper.js';

const skip = pgAvailable ? false : 'PostgreSQL not reachable (outside CI)';

interface Prepared {
  name: string;
  statement: string;
  runs: number;
}

/** What the handle's single connection has prepared (the query itself has no parameters: never named). */
async function preparedOn(h: DatabaseHandle): Promise<Prepared[]> {
  const { rows } = await sql<Prepared>`select name, statement, (generic_plans + custom_plans)::int as runs
    from pg_prepared_statements order by name`.execute(h.db);
  return rows;
}

describe('db: prepared statements [postgres]', { skip }, () => {
  let url: string;
  let drop: () => Promise<void>;
  let other: pg.Client;
  const handles: DatabaseHandle[] = [];
  const open = (max: number) => {
    const h = openDatabase(url, { poolMax: 1, preparedStatements: max });
    handles.push(h);
    return h;
  };
  before(async () => {
    ({ url, drop } = await freshDatabaseUrl('postgres'));
    other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query('create table t (id int primary key, a text)');
    await other.query(`insert into t values (1, 'one'), (2, 'two')`);
  });
  after(async () => {
    for (const h of handles) await h.close();
    await other?.end();
    await drop?.();
  });

  test('when a parameterised statement runs three times, then it is parsed once and run by name', async () => {
    const h = open(8);
    for (const id of [1, 2, 1]) {
      const { rows } = await sql<{ a: string }>`select a from "t" where id = ${id}`.execute(h.db);
      assert.equal(rows[0]?.a, id === 1 ? 'one' : 'two');
    }
    const prepared = (await preparedOn(h)).filter((p) => p.statement.includes('"t"'));
    assert.equal(prepared.length, 1);
    assert.equal(prepared[0]?.runs, 3);
    assert.equal(h.prepared().names, 1);
  });

  test('when preparation is off, then nothing is prepared', async () => {
    const h = openDatabase(url, { poolMax: 1 });
    handles.push(h);
    await sql`select a from t where id = ${1}`.execute(h.db);
    assert.deepEqual(await preparedOn(h), []);
  });

  test('when a connection has prepared more than its bound, then it forgets them before the next', async () => {
    const h = open(4);
    for (let i = 0; i < 20; i++) {
      const { rows } = await sql<{ n: number }>`select ${i}::int + ${sql.raw(String(i))} as n`.execute(h.db);
      assert.equal(rows[0]?.n, 2 * i);
      assert.ok((await preparedOn(h)).length <= 5, `at most the bound and the one just made (i=${i})`);
    }
    assert.ok(h.prepared().names <= 4);
    assert.ok(h.prepared().resets >= 3);
  });

  test('when another connection adds a column, then a prepared select * is made again and answers', async () => {
    const h = open(8);
    const read = () => sql<Record<string, unknown>>`select * from t where id = ${1}`.execute(h.db);
    assert.deepEqual((await read()).rows, [{ id: 1, a: 'one' }]);
    await other.query(`alter table t add column b text default 'new'`);
    assert.deepEqual((await read()).rows, [{ id: 1, a: 'one', b: 'new' }]);
    assert.ok(h.prepared().resets >= 1);
    await other.query('alter table t drop column b');
  });

  test('when the stale plan is met inside a transaction, then transaction() runs it again once', async () => {
    const h = open(8);
    await other.query('create table log (n serial primary key, seen int not null)');
    const step = (tx: Parameters<Parameters<typeof transaction>[1]>[0]) =>
      sql<Record<string, unknown>>`select * from t where id = ${2}`.execute(tx);
    let attempts = 0;
    const work = () =>
      transaction(h.db, async (tx) => {
        attempts++;
        await sql`insert into log (seen) values (${attempts})`.execute(tx);
        return (await step(tx)).rows;
      });
    assert.deepEqual(await work(), [{ id: 2, a: 'two' }]);
    await other.query(`alter table t add column c int default 7`);
    attempts = 0;
    assert.deepEqual(await work(), [{ id: 2, a: 'two', c: 7 }]);
    assert.equal(attempts, 2, 'the first attempt met the stale plan, the second ran');
    const { rows } = await other.query<{ seen: number }>('select seen from log order by n');
    assert.deepEqual(
      rows.map((r) => r.seen),
      [1, 2],
      'the failed attempt wrote nothing: one row per transaction that committed',
    );
    await other.query('alter table t drop column c');
  });

  test('a stale plan is what PostgreSQL answers to a named select * after add column', async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const q = { name: 'probe', text: 'select * from t where id = $1', values: [1] };
      await client.query(q);
      await other.query('alter table t add column d int');
      const err = await client.query(q).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(isStalePlan(err), `got ${String(err)}`);
    } finally {
      await client.end();
      await other.query('alter table t drop column d');
    }
  });
});
