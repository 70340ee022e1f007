/**
 * Schema changes sent together (src/db/ddl-batch.ts, PostgreSQL): inside a transaction they wait for the
 * next other statement and go in one round trip; an error among them fails that statement and the
 * transaction; outside a transaction nothing waits.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { batchSchemaChanges } from '../../src/db/ddl-batch.js';
import { freshDatabaseUrl, pgAvailable } from '../helper.js';

const skip = pgAvailable ? false : 'PostgreSQL not reachable (outside CI)';

describe('db: schema changes sent together [postgres]', { skip }, () => {
  let pool: pg.Pool;
  let drop: () => Promise<void>;
  const sent: string[] = [];
  before(async () => {
    const fresh = await freshDatabaseUrl('postgres');
    drop = fresh.drop;
    pool = new pg.Pool({ connectionString: fresh.url, max: 1 });
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      client.query = ((...args: unknown[]) => {
        sent.push(String(args[0]));
        return query(...args);
      }) as typeof client.query;
      batchSchemaChanges(client);
    });
  });
  after(async () => {
    await pool?.end();
    await drop?.();
  });

  test('when a transaction makes three tables, then they go in one round trip before the commit', async () => {
    const client = await pool.connect();
    try {
      sent.length = 0;
      await client.query('begin');
      await client.query('create table a (id int primary key)');
      await client.query('create table b (id int primary key)');
      await client.query('alter table a add column b_id int references b (id)');
      assert.deepEqual(sent, ['begin'], 'nothing sent yet');
      const { rows } = await client.query<{ n: number }>(
        "select count(*)::int as n from pg_tables where tablename in ('a', 'b')",
      );
      assert.equal(rows[0]?.n, 2);
      await client.query('commit');
      assert.equal(sent.length, 4);
      assert.match(sent[1]!, /create table a[^]*create table b[^]*alter table a/);
    } finally {
      client.release();
    }
  });

  test('when a queued change fails, then the next statement fails with its error and nothing stays', async () => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      await client.query('create table c (id int primary key)');
      await client.query('create table a (id int primary key)'); // exists already
      await assert.rejects(client.query('insert into c values ($1)', [1]), /relation "a" already exists/);
      await client.query('rollback');
      const { rows } = await client.query("select count(*)::int as n from pg_tables where tablename = 'c'");
      assert.equal(rows[0].n, 0);
    } finally {
      client.release();
    }
  });

  test('when a change runs outside a transaction, then it is sent at once', async () => {
    const client = await pool.connect();
    try {
      sent.length = 0;
      await client.query('create table d (id int primary key)');
      assert.deepEqual(sent, ['create table d (id int primary key)']);
      await client.query('drop table d');
    } finally {
      client.release();
    }
  });
});
