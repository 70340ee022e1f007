import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DAY_MS, HOUR_MS } from '../../../src/lib/clock.js';
import { adminSession, forEachDialect } from '../../helper.js';
import {
  GB,
  MB,
  insertEsim,
  insertOrder,
  insertPack,
  insertUsage,
  insertUser,
} from '../../fixtures/admin.js';

const NOW = Date.parse('2026-03-15T12:00:00.000Z');
const TODAY = Date.parse('2026-03-15T00:00:00.000Z');

// A database of its own: every row the numbers count is built here by hand.
forEachDialect('admin stats', ({ env }) => {
  test('when the database holds known rows, then every number of /admin/stats matches them', async () => {
    const { app, db, clock } = env();
    clock.set(NOW);
    const admin = await adminSession(app); // active, created now

    const u1 = await insertUser(db, { created_at: NOW - DAY_MS });
    const u2 = await insertUser(db, { created_at: NOW - 10 * DAY_MS });
    const u3 = await insertUser(db, { status: 'suspended', created_at: NOW - 3 * DAY_MS });
    await insertUser(db, { status: 'deleted', created_at: NOW - 2 * DAY_MS });
    await insertUser(db, { status: 'suspended', created_at: NOW - 30 * DAY_MS });
    // exactly at the 7-day edge counts as new; a millisecond earlier does not
    await insertUser(db, { created_at: NOW - 7 * DAY_MS });
    await insertUser(db, { created_at: NOW - 7 * DAY_MS - 1 });

    const e1 = await insertEsim(db, u1, { status: 'enabled' });
    await insertEsim(db, u1, { status: 'deleted' });
    await insertEsim(db, u2, { status: 'released' });
    await insertEsim(db, u3, { status: 'enabled' });

    await insertPack(db, u1, {
      status: 'active',
      total_bytes: GB,
      used_bytes: 300 * MB,
      expires_at: NOW + HOUR_MS,
    });
    // active but past its expiry: counted as expired
    await insertPack(db, u1, {
      status: 'active',
      total_bytes: 500 * MB,
      used_bytes: 100 * MB,
      expires_at: NOW,
    });
    await insertPack(db, u2, { status: 'pending', total_bytes: 2 * GB });
    await insertPack(db, u2, { status: 'cancelled', total_bytes: GB });
    await insertPack(db, u3, {
      status: 'depleted',
      total_bytes: 100 * MB,
      used_bytes: 100 * MB,
      price_cents: 0,
    });
    await insertPack(db, u1, { status: 'expired', total_bytes: 3 * GB, used_bytes: GB });

    await insertOrder(db, u1, { status: 'paid', amount_cents: 999, currency: 'EUR' });
    await insertOrder(db, u1, { status: 'paid', amount_cents: 1500, currency: 'EUR' });
    await insertOrder(db, u2, { status: 'paid', amount_cents: 1299, currency: 'USD' });
    await insertOrder(db, u2, { status: 'refunded', amount_cents: 700, currency: 'EUR' });
    await insertOrder(db, u2, { status: 'failed', amount_cents: 500, currency: 'USD' });
    await insertOrder(db, u3, { status: 'paid', amount_cents: 0, currency: 'GBP' }); // a grant: no money taken, no revenue line

    const usage = (bytes: number, at: number) =>
      insertUsage(db, { userId: u1, esim: e1, bytes, occurred_at: at });
    await usage(1000, TODAY + 10 * HOUR_MS);
    await usage(500, TODAY); // the first instant of today
    await usage(7, TODAY + DAY_MS - 1 - 12 * HOUR_MS); // later today, before now
    await usage(250, TODAY - 1); // the last instant of yesterday
    await usage(77, TODAY - 29 * DAY_MS); // the first day of the window
    await usage(99_999, TODAY - 29 * DAY_MS - 1); // just before the window
    await usage(55_555, TODAY + DAY_MS); // tomorrow (a clock ahead): outside

    const res = await app.inject({ method: 'GET', url: '/api/v1/admin/stats', headers: admin.headers });
    assert.equal(res.statusCode, 200, res.body);
    const s = res.json();

    assert.deepEqual(s.users, { total: 7, active: 5, suspended: 2, deleted: 1, new_7d: 4 });
    assert.deepEqual(s.packs.by_status, { pending: 1, active: 1, depleted: 1, expired: 2, cancelled: 1 });
    assert.deepEqual(s.data, {
      sold_bytes: GB + 500 * MB + 2 * GB + 3 * GB,
      granted_bytes: 100 * MB,
      used_bytes: 300 * MB + 100 * MB + 100 * MB + GB,
    });
    assert.deepEqual(s.esims.by_status, {
      provisioning: 0,
      error: 0,
      released: 1,
      downloaded: 0,
      installed: 0,
      enabled: 2,
      disabled: 0,
      deleted: 1,
    });
    assert.deepEqual(s.revenue, [
      { currency: 'EUR', cents: 2499 },
      { currency: 'USD', cents: 1299 },
    ]);

    assert.equal(s.usage_per_day.length, 30);
    assert.deepEqual(s.usage_per_day[0], { day: '2026-02-14', bytes: 77 });
    assert.deepEqual(s.usage_per_day[28], { day: '2026-03-14', bytes: 250 });
    assert.deepEqual(s.usage_per_day[29], { day: '2026-03-15', bytes: 1507 });
    const others = s.usage_per_day.slice(1, 28).map((d: { bytes: number }) => d.bytes);
    assert.deepEqual(others, new Array(27).fill(0));
    assert.equal(s.generated_at, new Date(NOW).toISOString());
  });

  test('when byte totals pass 2^32, then the sums stay exact', async () => {
    const { app, db, clock } = env();
    clock.set(NOW);
    const admin = await adminSession(app);
    const before = (
      await app.inject({ method: 'GET', url: '/api/v1/admin/stats', headers: admin.headers })
    ).json();
    const user = await insertUser(db);
    const esim = await insertEsim(db, user, { status: 'enabled' });
    const huge = 5 * 1024 * GB; // 5 TiB each
    await insertPack(db, user, { status: 'active', total_bytes: huge, used_bytes: huge - 1 });
    await insertPack(db, user, { status: 'active', total_bytes: huge, used_bytes: huge - 3 });
    await insertUsage(db, { userId: user, esim, bytes: huge, occurred_at: NOW - HOUR_MS });
    await insertUsage(db, { userId: user, esim, bytes: huge + 1, occurred_at: NOW - HOUR_MS });
    const after = (
      await app.inject({ method: 'GET', url: '/api/v1/admin/stats', headers: admin.headers })
    ).json();
    assert.equal(after.data.sold_bytes - before.data.sold_bytes, 2 * huge);
    assert.equal(after.data.used_bytes - before.data.used_bytes, 2 * huge - 4);
    assert.equal(after.usage_per_day[29].bytes - before.usage_per_day[29].bytes, 2 * huge + 1);
  });
});

forEachDialect('admin system', ({ env }) => {
  test('when an admin reads /admin/system, then the process, database and event-loop figures are there', async () => {
    const { app, dialect } = env();
    const admin = await adminSession(app);
    // give the event-loop histogram a few samples
    await new Promise((r) => setTimeout(r, 60));
    const res = await app.inject({ method: 'GET', url: '/api/v1/admin/system', headers: admin.headers });
    assert.equal(res.statusCode, 200, res.body);
    const s = res.json();
    assert.match(s.version, /^\d+\.\d+\.\d+/);
    assert.equal(s.node, process.version);
    assert.ok(Number.isInteger(s.uptime_s) && s.uptime_s >= 0);
    assert.equal(s.database.dialect, dialect);
    assert.ok(s.database.latency_ms > 0, 'a real round trip takes time');
    assert.ok(s.database.pool.max >= 1 && s.database.pool.total <= s.database.pool.max);
    assert.ok(s.memory.rss > 0 && s.memory.heap_used > 0 && s.memory.heap_used <= s.memory.heap_total);
    const lag = s.event_loop_lag_ms;
    assert.ok(lag.p50 >= 0 && lag.p50 <= lag.p99 && lag.p99 <= lag.max, JSON.stringify(lag));
  });
});
