/**
 * PgBus against the real PostgreSQL (TEST_PG_URL; mandatory with CI=true, skipped with a message
 * otherwise): two buses with their own connections, as two instances would have. An event published on
 * one reaches the other within 100 ms; after `pg_terminate_backend` of a listener it is unhealthy (its
 * cache reads through), then healthy again after reconnecting, with its cache cleared, and events flow.
 * Each run uses its own channel, so concurrent runs do not hear each other.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/db/index.js';
import type { InvalidationEvent } from '../../src/sessions/bus.js';
import { SessionCache } from '../../src/sessions/cache.js';
import { PgBus } from '../../src/sessions/pg-bus.js';
import { silentLogger } from '../../src/sessions/bus.js';
import { PG_ADMIN_URL, pgAvailable } from '../helper.js';

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(2);
  }
}

/** `promise`'s value, or -1 after `ms` (the timer does not outlive the answer). */
async function within(promise: Promise<number>, ms: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((resolve) => (timer = setTimeout(resolve, ms, -1)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The events one bus hears, with the arrival time of each id. */
function recorder(bus: PgBus) {
  const events: InvalidationEvent[] = [];
  const at = new Map<string, number>();
  bus.subscribe((e) => {
    events.push(e);
    if ('id' in e) at.set(e.id, performance.now());
  });
  return { events, at };
}

describe(
  'PgBus (two instances on one PostgreSQL)',
  { skip: !pgAvailable && 'PostgreSQL unreachable' },
  () => {
    const channel = `kswifi_sessions_t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    let dbA: DatabaseHandle;
    let dbB: DatabaseHandle;
    let a: PgBus;
    let b: PgBus;
    let admin: pg.Client;

    before(async () => {
      dbA = openDatabase(PG_ADMIN_URL, { poolMax: 2 });
      dbB = openDatabase(PG_ADMIN_URL, { poolMax: 2 });
      a = new PgBus({ url: PG_ADMIN_URL, db: dbA.db, log: silentLogger, channel, heartbeatMs: 0 });
      b = new PgBus({ url: PG_ADMIN_URL, db: dbB.db, log: silentLogger, channel, heartbeatMs: 0 });
      await Promise.all([a.started(), b.started()]);
      // a serving instance's pool is warm: the first NOTIFY should not pay for opening a connection
      await Promise.all([dbA.ping(), dbB.ping()]);
      admin = new pg.Client({ connectionString: PG_ADMIN_URL });
      await admin.connect();
    });

    after(async () => {
      await Promise.all([a?.close(), b?.close()]);
      await Promise.all([dbA?.close(), dbB?.close(), admin?.end()]);
    });

    test('both are healthy once LISTEN is issued', () => {
      assert.equal(a.healthy(), true);
      assert.equal(b.healthy(), true);
      assert.equal(a.kind, 'postgres');
    });

    test('20 events cross from one instance to the other within 100 ms each; the publisher hears its own at once, once', async () => {
      const onA = recorder(a);
      const onB = recorder(b);
      const latencies: number[] = [];
      // three unmeasured events first: a serving instance's receive path is warm (JIT, buffers)
      for (let i = -3; i < 20; i++) {
        const id = `u-${i}-${randomUUID()}`;
        const kind = (['user', 'session', 'user-sessions'] as const)[(i + 3) % 3]!;
        const arrived = new Promise<number>((resolve) => {
          const off = b.subscribe((e) => {
            if ('id' in e && e.id === id) {
              off();
              resolve(performance.now());
            }
          });
        });
        const t0 = performance.now();
        const sent = a.publish({ t: kind, id });
        assert.ok(onA.at.has(id), 'the publishing process is invalidated synchronously');
        await sent;
        const at = await within(arrived, 2000);
        assert.notEqual(at, -1, `event ${i} reached B`);
        if (i >= 0) latencies.push(at - t0);
      }
      await sleep(50); // any echo of A's own events would have come back by now
      assert.equal(onA.events.length, 23, 'A ignores the echo of its own events');
      assert.equal(onB.events.length, 23);
      assert.deepEqual(
        onB.events.map((e) => e.t),
        onA.events.map((e) => e.t),
      );
      const max = Math.max(...latencies);
      const sorted = [...latencies].sort((x, y) => x - y);
      console.log(
        `# PgBus crossing latency over 20 events: p50 ${sorted[10]!.toFixed(2)} ms, max ${max.toFixed(2)} ms (${latencies.map((l) => l.toFixed(1)).join(' ')})`,
      );
      assert.ok(max < 100, `every event crosses within 100 ms (max ${max.toFixed(1)} ms)`);
      assert.equal(b.stats().received, 23);
    });

    test('malformed payloads on the channel are ignored', async () => {
      const onB = recorder(b);
      await admin.query('select pg_notify($1, $2)', [channel, 'not json']);
      await admin.query('select pg_notify($1, $2)', [channel, JSON.stringify({ t: 'drop-tables', id: 'x' })]);
      await admin.query('select pg_notify($1, $2)', [channel, JSON.stringify({ t: 'user', id: 'ok' })]);
      await until('the valid event', () => onB.at.has('ok'));
      assert.deepEqual(onB.events, [{ t: 'user', id: 'ok' }]);
    });

    test('pg_terminate_backend of the listener: unhealthy (the cache reads through), then back, cleared, and events flow', async () => {
      const cacheB = new SessionCache<{ status: string }>(b);
      const row = { status: 'active' };
      let loads = 0;
      const load = async () => {
        loads++;
        return { ...row };
      };
      await cacheB.getUser('victim', load);
      await cacheB.getUser('victim', load);
      assert.equal(loads, 1, 'cached while healthy');

      const onB = recorder(b);
      const { rows } = await admin.query<{ pid: number }>(
        'select pid from pg_stat_activity where application_name = $1',
        [b.applicationName],
      );
      assert.equal(rows.length, 1, 'the listener is found by its application_name');
      const terminated = performance.now();
      await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
      await until('B unhealthy', () => !b.healthy(), 2000);
      const noticed = performance.now() - terminated;
      assert.deepEqual(onB.events.at(-1), { t: 'all' }, 'going down clears');

      // while down: a change B cannot hear about is read at once, and nothing is cached
      row.status = 'suspended';
      if (!b.healthy()) {
        assert.equal((await cacheB.getUser('victim', load))?.status, 'suspended');
        assert.ok(cacheB.stats().bypasses >= 1);
      }

      await until('B healthy again', () => b.healthy(), 5000);
      const back = performance.now() - terminated;
      console.log(
        `# PgBus: terminate noticed after ${noticed.toFixed(1)} ms, listening again after ${back.toFixed(1)} ms`,
      );
      assert.equal(b.stats().reconnects, 1);
      assert.deepEqual(onB.events.at(-1), { t: 'all' }, 'coming back clears (events may have been missed)');
      assert.equal(cacheB.stats().users, 0);
      const again = await admin.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where application_name = $1',
        [b.applicationName],
      );
      assert.equal(again.rows[0]!.n, 1, 'one new listener connection');

      const id = `after-${randomUUID()}`;
      await a.publish({ t: 'user', id });
      await until('the event after the reconnect', () => onB.at.has(id), 2000);
      cacheB.close();
    });

    test('a publish that cannot reach the database is counted, never thrown; local delivery still happens', async () => {
      // nothing listens on port 1: every NOTIFY fails at once
      const dead = openDatabase('postgres://postgres@127.0.0.1:1/postgres', { poolMax: 1 });
      const bus = new PgBus({ url: PG_ADMIN_URL, db: dead.db, log: silentLogger, channel, heartbeatMs: 0 });
      try {
        await bus.started();
        const heard: InvalidationEvent[] = [];
        bus.subscribe((e) => heard.push(e));
        await bus.publish({ t: 'session', id: 's' });
        assert.deepEqual(heard, [{ t: 'session', id: 's' }]);
        assert.equal(bus.stats().publishFailures, 1);
      } finally {
        await bus.close();
        await dead.close();
      }
      assert.equal(bus.healthy(), false);
    });

    test('the heartbeat notices a listener that stopped answering', async () => {
      const db = openDatabase(PG_ADMIN_URL, { poolMax: 1 });
      const bus = new PgBus({ url: PG_ADMIN_URL, db: db.db, log: silentLogger, channel, heartbeatMs: 100 });
      try {
        await bus.started();
        assert.equal(bus.healthy(), true);
        // stall the listener's connection: its next query (the heartbeat) does not answer in time
        const client = (bus as unknown as { client: pg.Client }).client;
        void client.query('select pg_sleep(1)').catch(() => undefined);
        await until('unhealthy by heartbeat', () => !bus.healthy(), 2000);
        await until('healthy again', () => bus.healthy(), 5000);
      } finally {
        await bus.close();
        await db.close();
      }
    });
  },
);
