/**
 * The data layer: 64-bit integers from PostgreSQL as safe numbers (past 2^53 raises, never rounds), the
 * transaction helper (all or nothing), SQLite URL forms and the pragmas the issue asks for.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, sqlitePathOf, transaction, type DatabaseHandle } from '../../src/db/index.js';
import { forEachDialect, freshDatabaseUrl, pgAvailable } from '../helper.js';

describe(
  'db: PostgreSQL BIGINT',
  { skip: pgAvailable ? false : 'PostgreSQL not reachable (outside CI)' },
  () => {
    let database: DatabaseHandle;
    let drop: () => Promise<void>;
    before(async () => {
      const fresh = await freshDatabaseUrl('postgres');
      drop = fresh.drop;
      database = openDatabase(fresh.url);
      await sql`create table amounts (name text primary key, v bigint not null)`.execute(database.db);
      await sql`insert into amounts values ('max_safe', 9007199254740991), ('past_safe', 9007199254740993)`.execute(
        database.db,
      );
    });
    after(async () => {
      await database?.close();
      await drop?.();
    });

    test('when a BIGINT within 2^53 is read, then it arrives as an exact number', async () => {
      const r = await sql<{ v: unknown }>`select v from amounts where name = 'max_safe'`.execute(database.db);
      assert.equal(r.rows[0]?.v, 9007199254740991);
    });

    test('when a BIGINT above 2^53 is read, then it raises instead of rounding', async () => {
      await assert.rejects(
        sql`select v from amounts where name = 'past_safe'`.execute(database.db),
        (err: Error) => err instanceof RangeError && /9007199254740993/.test(err.message),
      );
    });

    test('when a sum of BIGINTs (NUMERIC) is read, then it is a number, and past 2^53 it raises', async () => {
      const ok = await sql<{ s: unknown }>`select sum(v) as s from amounts where name = 'max_safe'`.execute(
        database.db,
      );
      assert.equal(ok.rows[0]?.s, 9007199254740991);
      await assert.rejects(sql`select sum(v) as s from amounts`.execute(database.db), RangeError);
    });
  },
);

forEachDialect('db: transaction helper', ({ env }) => {
  const row = (id: string) => ({
    id,
    email: `${id}@tx.example`,
    password_hash: 'x',
    role: 'user' as const,
    status: 'active' as const,
    created_at: 1,
    updated_at: 1,
  });
  const count = async (prefix: string) =>
    (await env().db.selectFrom('users').select('id').where('id', 'like', `${prefix}%`).execute()).length;

  test('when the work succeeds, then every write commits', async () => {
    await transaction(env().db, async (tx) => {
      await tx.insertInto('users').values(row('txok-1')).execute();
      await tx.insertInto('users').values(row('txok-2')).execute();
    });
    assert.equal(await count('txok-'), 2);
  });

  test('when the work fails part-way, then no write survives', async () => {
    await assert.rejects(
      transaction(env().db, async (tx) => {
        await tx.insertInto('users').values(row('txfail-1')).execute();
        await tx.insertInto('users').values(row('txfail-1')).execute(); // duplicate id
      }),
    );
    assert.equal(await count('txfail-'), 0);
  });

  test('when transactions nest, then the inner one joins the outer and rolls back with it', async () => {
    await assert.rejects(
      transaction(env().db, async (tx) => {
        await transaction(tx, async (inner) => {
          await inner.insertInto('users').values(row('txnest-1')).execute();
        });
        throw new Error('outer fails after the inner work');
      }),
      /outer fails/,
    );
    assert.equal(await count('txnest-'), 0);
  });
});

describe('db: SQLite', () => {
  test('when SQLAlchemy-style URLs are given, then relative, absolute and memory paths are read', () => {
    assert.equal(sqlitePathOf('sqlite:///data/kswifi.db'), 'data/kswifi.db');
    assert.equal(sqlitePathOf('sqlite:////var/lib/kswifi.db'), '/var/lib/kswifi.db');
    assert.equal(sqlitePathOf('sqlite:///:memory:'), ':memory:');
  });

  test('when a file database opens, then WAL, a busy timeout and foreign keys are on', async () => {
    const { url, drop } = await freshDatabaseUrl('sqlite');
    const database = openDatabase(url);
    try {
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(database.db);
      assert.equal(mode.rows[0]?.journal_mode, 'wal');
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(database.db);
      assert.equal(fk.rows[0]?.foreign_keys, 1);
      const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(database.db);
      assert.ok((busy.rows[0]?.timeout ?? 0) >= 1000);
    } finally {
      await database.close();
      await drop();
    }
  });
});
