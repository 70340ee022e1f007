/** The last active admin rule (409 LAST_ADMIN), including two admins racing to demote each other. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import type { Db } from '../../../src/db/index.js';
import { adminSession, forEachDialect, problemOf, type Session, type TestEnv } from '../../helper.js';

/**
 * Fires `race` while a separate PostgreSQL session holds the active admin rows, and releases them only once
 * both requests wait on that lock: both have then authenticated as admins and entered their transactions,
 * so the outcome is decided by the service's own locking, not by which request happened to authenticate
 * first. SQLite needs no gate: its one connection serialises the transactions (BEGIN IMMEDIATE), and both
 * requests authenticate before either transaction starts.
 */
async function raceAtTheLock<T>(t: TestEnv, race: () => Promise<T>): Promise<T> {
  if (t.dialect !== 'postgres') return race();
  const holder = new pg.Client({ connectionString: t.url });
  await holder.connect();
  try {
    await holder.query('begin');
    await holder.query(
      `select id from users where role = 'admin' and status = 'active' order by id for update`,
    );
    const outcome = race();
    const deadline = Date.now() + 5000;
    for (;;) {
      // activity statistics are snapshotted per transaction: drop the snapshot to see the present
      await holder.query('select pg_stat_clear_snapshot()');
      const { rows } = await holder.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`,
      );
      if ((rows[0]?.n ?? 0) >= 2) break;
      if (Date.now() > deadline) throw new Error('the two requests never queued on the admin rows');
      await new Promise((r) => setTimeout(r, 5));
    }
    await holder.query('commit');
    return await outcome;
  } finally {
    await holder.end();
  }
}

/** Demotes every admin but `ids` (earlier tests of the suite leave admins behind). */
async function keepOnlyAdmins(db: Db, ids: string[]): Promise<void> {
  await db
    .updateTable('users')
    .set({ role: 'user' })
    .where('role', '=', 'admin')
    .where('id', 'not in', ids)
    .execute();
}

// A database of its own: the last-admin rule counts every active admin, so no other suite's admins may
// be around.
forEachDialect('admin users: the last active admin', ({ env }) => {
  test('when the only active admin demotes or suspends themself, then 409 LAST_ADMIN and nothing changes', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    for (const payload of [
      { role: 'user' },
      { status: 'suspended' },
      { role: 'user', status: 'suspended' },
    ]) {
      const res = await app.inject({
        method: 'PATCH',
        url: `/api/v1/admin/users/${admin.id}`,
        headers: admin.headers,
        payload,
      });
      assert.equal(res.statusCode, 409, JSON.stringify(payload));
      assert.equal(problemOf(res).code, 'LAST_ADMIN');
    }
    const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: admin.headers });
    assert.equal(me.json().role, 'admin');
    assert.equal(me.json().status, 'active');
  });

  test('when two admins demote each other at the same moment, then exactly one wins and an admin remains', async () => {
    const { app, db } = env();
    let survivor = await adminSession(app);
    await keepOnlyAdmins(db, [survivor.id]);
    for (let round = 0; round < 5; round++) {
      // exactly two active admins: the survivor of the last round and a new one
      const other = await adminSession(app);
      const activeAdmins = await db
        .selectFrom('users')
        .select('id')
        .where('role', '=', 'admin')
        .where('status', '=', 'active')
        .execute();
      assert.equal(activeAdmins.length, 2);

      const demote = (by: Session, target: Session) =>
        app.inject({
          method: 'PATCH',
          url: `/api/v1/admin/users/${target.id}`,
          headers: by.headers,
          payload: { role: 'user', reason: `round ${round}` },
        });
      const [a, b] = await raceAtTheLock(env(), () =>
        Promise.all([demote(survivor, other), demote(other, survivor)]),
      );
      const codes = [a.statusCode, b.statusCode].sort();
      assert.deepEqual(codes, [200, 409], `round ${round}: ${a.body} | ${b.body}`);
      const loser = a.statusCode === 409 ? a : b;
      assert.equal(problemOf(loser).code, 'LAST_ADMIN');

      const left = await db
        .selectFrom('users')
        .select('id')
        .where('role', '=', 'admin')
        .where('status', '=', 'active')
        .execute();
      assert.equal(left.length, 1, `round ${round}: one active admin remains`);
      survivor = left[0]!.id === survivor.id ? survivor : other;
    }
  });

  test('when two admins suspend each other at the same moment, then exactly one wins', async () => {
    const { app, db } = env();
    const [one, two] = [await adminSession(app), await adminSession(app)];
    await keepOnlyAdmins(db, [one.id, two.id]);
    const suspend = (by: Session, target: Session) =>
      app.inject({
        method: 'PATCH',
        url: `/api/v1/admin/users/${target.id}`,
        headers: by.headers,
        payload: { status: 'suspended' },
      });
    const [a, b] = await raceAtTheLock(env(), () => Promise.all([suspend(one, two), suspend(two, one)]));
    assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 409], `${a.body} | ${b.body}`);
    const left = await db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('status', '=', 'active')
      .execute();
    assert.equal(left.length, 1);
  });
});
