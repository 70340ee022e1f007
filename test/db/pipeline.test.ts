/**
 * Pipelined transactions (src/db/pipeline.ts, PostgreSQL): BEGIN and the writes made with deferredWrite are
 * held and sent in one socket write with the transaction's next statement. The order, the visibility and
 * the all-or-nothing of a transaction stay as without it; an error in a held write fails the transaction
 * with that error; a transaction that sends no statement sends nothing at all.
 */
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import {
  deferredWrite,
  isUniqueViolation,
  openDatabase,
  transaction,
  type DatabaseHandle,
  type DatabaseOptions,
  type Executor,
} from '../../src/db/index.js';
import { freshDatabaseUrl, pgAvailable } from '../helper.js';

const skip = pgAvailable ? false : 'PostgreSQL not reachable (outside CI)';

interface TestDb {
  t: { id: number; tag: string };
}
/** The helper table is not in the app's schema: the same executor, typed for it. */
const k = (db: Executor) => db as unknown as Kysely<TestDb>;
const insert = (db: Executor, id: number, tag: string) => k(db).insertInto('t').values({ id, tag });

/** Writes to PostgreSQL's sockets while `counting` (what is corked and sent together is one write). */
let counting = false;
let writes = 0;
const patched = ['_write', '_writev'] as const;
const originals = patched.map((m) => Socket.prototype[m] as (...args: unknown[]) => unknown);
async function countWrites(work: () => Promise<unknown>): Promise<number> {
  writes = 0;
  counting = true;
  try {
    await work();
  } finally {
    counting = false;
  }
  return writes;
}

describe('db: pipeline [postgres]', { skip }, () => {
  let url: string;
  let drop: () => Promise<void>;
  let other: pg.Client;
  const handles: DatabaseHandle[] = [];
  /** A handle whose single connection is already open, so connecting is never counted. */
  const open = async (opts: DatabaseOptions = {}) => {
    const h = openDatabase(url, { poolMax: 1, pipeline: true, ...opts });
    handles.push(h);
    await h.ping();
    return h;
  };
  const stored = async (tag: string) =>
    (await other.query<{ id: number }>('select id from t where tag = $1 order by id', [tag])).rows.map(
      (r) => r.id,
    );
  /** A transaction whose held write hits a duplicate key after a normal insert; resolves to its error. */
  const failing = (h: DatabaseHandle, tag: string, id: number) =>
    transaction(h.db, async (tx) => {
      await insert(tx, id, tag).execute();
      await deferredWrite(tx, insert(tx, 1, tag)); // id 1 exists: unique violation, held until the select
      await sql`select 1`.execute(tx);
      throw new Error('the select after the failed held write answered');
    }).then(
      () => assert.fail('the transaction committed'),
      (err: unknown) => err,
    );

  before(async () => {
    ({ url, drop } = await freshDatabaseUrl('postgres'));
    other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query('create table t (id int primary key, tag text not null)');
    await other.query(`insert into t values (1, 'seed')`);
    patched.forEach((m, i) => {
      Socket.prototype[m] = function (this: Socket, ...args: unknown[]) {
        if (counting && this.remotePort === 5432) writes++;
        return originals[i]!.apply(this, args);
      } as never;
    });
  });
  after(async () => {
    patched.forEach((m, i) => (Socket.prototype[m] = originals[i] as never));
    for (const h of handles) await h.close();
    await other?.end();
    await drop?.();
  });

  test('when a deferred insert is followed by a select, then the select sees it and others see it after commit', async () => {
    const h = await open();
    const seen = await transaction(h.db, async (tx) => {
      await deferredWrite(tx, insert(tx, 10, 'order'));
      const rows = await k(tx).selectFrom('t').select('id').where('tag', '=', 'order').execute();
      assert.deepEqual(await stored('order'), [], 'not visible to another connection before commit');
      return rows.map((r) => r.id);
    });
    assert.deepEqual(seen, [10]);
    assert.deepEqual(await stored('order'), [10]);
  });

  test('when pipeline is on, then BEGIN, three deferred inserts and a select take one write and COMMIT one', async () => {
    const work = (h: DatabaseHandle, tag: string, from: number) =>
      transaction(h.db, async (tx) => {
        for (let i = 0; i < 3; i++) await deferredWrite(tx, insert(tx, from + i, tag));
        const { rows } = await sql<{
          n: number;
        }>`select count(*)::int as n from t where tag = ${tag}`.execute(tx);
        assert.equal(rows[0]?.n, 3);
      });
    const on = await open();
    // 2: BEGIN, the 3 inserts and the select are written corked together (one _writev); COMMIT, the first
    // statement after them, goes alone (one _write). Observed: exactly 2.
    assert.equal(await countWrites(() => work(on, 'writes-on', 20)), 2);
    assert.deepEqual(await stored('writes-on'), [20, 21, 22]);
    const off = await open({ pipeline: false });
    // 6: one write per statement (BEGIN, insert, insert, insert, select, COMMIT); pg corks the messages
    // of one extended-protocol statement (Parse/Bind/Describe/Execute/Sync) into one write.
    assert.equal(await countWrites(() => work(off, 'writes-off', 30)), 6);
    assert.deepEqual(await stored('writes-off'), [30, 31, 32]);
  });

  test('when a held write fails, then the next statement throws its unique violation and nothing is stored', async () => {
    const h = await open();
    const err = await failing(h, 'dup-select', 40);
    assert.ok(isUniqueViolation(err), `expected a unique violation, got ${String(err)}`);
    assert.equal((err as { code?: string }).code, '23505', 'not 25P02 (transaction is aborted)');
    assert.deepEqual(await stored('dup-select'), [], 'the normal insert before it was rolled back too');
  });

  test('when a held write fails and only COMMIT follows, then the transaction rejects with its error', async () => {
    const h = await open();
    const err = await transaction(h.db, async (tx) => {
      await insert(tx, 50, 'dup-commit').execute();
      await deferredWrite(tx, insert(tx, 1, 'dup-commit'));
      return 'done';
    }).then(
      () => assert.fail('the transaction committed'),
      (e: unknown) => e,
    );
    assert.ok(isUniqueViolation(err), `expected a unique violation, got ${String(err)}`);
    assert.deepEqual(await stored('dup-commit'), []);
  });

  test('when the callback throws before any statement, then nothing is sent and the next transaction works', async () => {
    const h = await open();
    const sent = await countWrites(() =>
      transaction(h.db, async () => {
        throw new Error('boom');
      }).then(
        () => assert.fail('the transaction committed'),
        (err: unknown) => assert.equal((err as Error).message, 'boom'),
      ),
    );
    assert.equal(sent, 0, 'neither BEGIN nor ROLLBACK was written');
    // the dropped BEGIN is not sent later either: a statement on its own still commits at once
    await insert(h.db, 59, 'after-nothing-alone').execute();
    assert.deepEqual(await stored('after-nothing-alone'), [59]);
    await transaction(h.db, async (tx) => {
      await insert(tx, 60, 'after-nothing').execute();
      assert.deepEqual(
        await stored('after-nothing'),
        [],
        'BEGIN was sent: the insert is inside a transaction',
      );
    });
    assert.deepEqual(await stored('after-nothing'), [60]);
  });

  test('when a transaction failed in a held write, then the same connection runs the next one normally', async () => {
    const h = await open();
    assert.ok(isUniqueViolation(await failing(h, 'failed-first', 70)));
    const sent = await countWrites(() =>
      transaction(h.db, async (tx) => {
        await deferredWrite(tx, insert(tx, 71, 'then-good'));
        const rows = await k(tx).selectFrom('t').select('id').where('tag', '=', 'then-good').execute();
        assert.deepEqual(rows, [{ id: 71 }]);
      }),
    );
    assert.equal(sent, 2, 'nothing of the failed transaction was left held or sent again');
    assert.deepEqual(await stored('then-good'), [71]);
    assert.deepEqual(await stored('failed-first'), []);
    assert.equal(h.pool().total, 1);
  });

  test('when deferredWrite runs outside a transaction, then the row is visible as soon as it resolves', async () => {
    const h = await open();
    await deferredWrite(h.db, insert(h.db, 80, 'outside'));
    assert.deepEqual(await stored('outside'), [80]);
    const off = await open({ pipeline: false });
    await transaction(off.db, async (tx) => {
      await deferredWrite(tx, insert(tx, 81, 'outside-off'));
      assert.deepEqual(await stored('outside-off'), [], 'in a transaction: not committed yet');
    });
    assert.deepEqual(await stored('outside-off'), [81]);
  });

  test('when 20 transactions run at once on 4 connections, then all commit with their 60 rows', async () => {
    const h = await open({ poolMax: 4 });
    const counts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        transaction(h.db, async (tx) => {
          const base = 1000 + 3 * i;
          await insert(tx, base, `many-${i}`).execute();
          await deferredWrite(tx, insert(tx, base + 1, `many-${i}`));
          await deferredWrite(tx, insert(tx, base + 2, `many-${i}`));
          await new Promise((r) => setTimeout(r, 1)); // the others send while these two are held
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from t
            where tag = ${`many-${i}`}`.execute(tx);
          assert.deepEqual(
            await stored(`many-${i}`),
            [],
            `transaction ${i} is one transaction, not yet committed`,
          );
          return rows[0]?.n;
        }),
      ),
    );
    assert.deepEqual(counts, Array(20).fill(3), 'each transaction saw its own three rows');
    const { rows } = await other.query<{ n: number }>(
      `select count(*)::int as n from t where tag like 'many-%'`,
    );
    assert.equal(rows[0]?.n, 60);
  });

  test('when prepared statements are reset at a held BEGIN, then results are right and rollbacks hold', async () => {
    const h = await open({ preparedStatements: 8 });
    for (let i = 0; i < 12; i++) {
      // three new texts per transaction: a reset is due at every third BEGIN or so
      const got = await transaction(h.db, async (tx) => {
        const a = await sql<{ n: number }>`select ${i}::int + ${sql.raw(String(i))} as n`.execute(tx);
        await deferredWrite(tx, insert(tx, 2000 + i, 'prepared'));
        const b = await sql<{ n: number }>`select ${i}::int * ${sql.raw(String(i + 1))} as n`.execute(tx);
        const c = await sql<{ n: number }>`select count(*)::int - ${sql.raw(String(i))} as n
          from t where tag = ${'prepared'}`.execute(tx);
        return [a.rows[0]?.n, b.rows[0]?.n, c.rows[0]?.n];
      });
      assert.deepEqual(got, [2 * i, i * (i + 1), 1], `transaction ${i}`);
    }
    assert.ok(h.prepared().resets >= 3, `resets: ${h.prepared().resets}`);
    assert.equal((await stored('prepared')).length, 12);

    // more than 8 texts prepared inside one transaction: the next BEGIN must forget them (DEALLOCATE ALL)
    await transaction(h.db, async (tx) => {
      for (let i = 0; i < 10; i++) await sql`select ${i}::int + ${sql.raw(String(100 + i))}`.execute(tx);
    });
    const before = h.prepared().resets;
    const err = await transaction(h.db, async (tx) => {
      await insert(tx, 2100, 'reset-rollback').execute();
      assert.deepEqual(
        await stored('reset-rollback'),
        [],
        'the insert after BEGIN runs inside the transaction',
      );
      throw new Error('abandon');
    }).then(
      () => assert.fail('the transaction committed'),
      (e: unknown) => e as Error,
    );
    assert.equal(err.message, 'abandon');
    assert.equal(h.prepared().resets, before + 1, 'the reset was sent with this BEGIN');
    assert.deepEqual(await stored('reset-rollback'), [], 'nothing stored after the rollback');

    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(
      h.db,
    );
    assert.ok((rows[0]?.n ?? 99) <= 2, `statements kept after the reset: ${rows[0]?.n}`);
    const again = await transaction(h.db, async (tx) => {
      await deferredWrite(tx, insert(tx, 2101, 'reset-after'));
      return (await k(tx).selectFrom('t').select('id').where('tag', '=', 'reset-after').execute()).length;
    });
    assert.equal(again, 1);
    assert.deepEqual(await stored('reset-after'), [2101]);
  });
});
