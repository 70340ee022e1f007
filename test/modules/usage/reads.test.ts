import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { DAY_MS, HOUR_MS, iso } from '../../../src/lib/clock.js';
import { forEachDialect, problemOf, registerUser, type Session } from '../../helper.js';
import { eventId, ingest, issueApiKey, seedEsim, seedPack } from '../../fixtures/usage.js';

const D = Date.UTC(2026, 0, 10); // a UTC midnight
const MIN = 60_000;

forEachDialect('usage reads', ({ env }) => {
  let user: Session;
  let other: Session;
  let packA = '';
  let packB = '';
  const events: string[] = [];

  before(async () => {
    const { app, db, clock } = env();
    clock.set(D + 3 * DAY_MS);
    user = await registerUser(app);
    other = await registerUser(app);
    const esim = await seedEsim(db, user.id);
    const base = { userId: user.id, esimId: esim.id, createdAt: D - DAY_MS };
    packA = await seedPack(db, { ...base, name: 'Pack A', status: 'active', totalBytes: 500 });
    packB = await seedPack(db, { ...base, name: 'Pack B', status: 'pending', totalBytes: 400 });
    // A takes 100 + 200 + 200; B takes 100 + 300; the last 100 bytes are overage
    const usage: [number, number][] = [
      [D + HOUR_MS + 10 * MIN, 100],
      [D + HOUR_MS + 50 * MIN, 200],
      [D + 3 * HOUR_MS, 300],
      [D + DAY_MS + 2 * HOUR_MS, 400],
    ];
    const records = usage.map(([at, bytes]) => ({
      event_id: eventId('read'),
      iccid: esim.iccid,
      bytes,
      occurred_at: iso(at),
    }));
    events.push(...records.map((r) => r.event_id));
    const out = await ingest(app, await issueApiKey(app), records);
    assert.equal(out.accepted, 4);
  });

  async function get(path: string, s: Session = user) {
    return env().app.inject({ method: 'GET', url: `/api/v1${path}`, headers: s.headers });
  }

  test('when the summary is asked by day, then totals, per-pack bytes and daily buckets are exact', async () => {
    const res = await get(`/usage/summary?granularity=day&from=${iso(D)}&to=${iso(D + 2 * DAY_MS)}`);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.total_bytes, 1000);
    assert.equal(body.overage_bytes, 100);
    assert.deepEqual(
      body.by_pack.sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name)),
      [
        { pack_id: packA, name: 'Pack A', bytes: 500 },
        { pack_id: packB, name: 'Pack B', bytes: 400 },
      ],
    );
    assert.deepEqual(body.buckets, [
      { start: iso(D), bytes: 600 },
      { start: iso(D + DAY_MS), bytes: 400 },
    ]);
    assert.equal(body.granularity, 'day');
  });

  test('when the summary is asked by hour, then every hour of the range has its bucket', async () => {
    const res = await get(`/usage/summary?granularity=hour&from=${iso(D)}&to=${iso(D + DAY_MS)}`);
    assert.equal(res.statusCode, 200, res.body);
    const buckets: { start: string; bytes: number }[] = res.json().buckets;
    assert.equal(buckets.length, 24);
    assert.deepEqual(
      buckets.filter((b) => b.bytes > 0),
      [
        { start: iso(D + HOUR_MS), bytes: 300 },
        { start: iso(D + 3 * HOUR_MS), bytes: 300 },
      ],
    );
    assert.equal(res.json().total_bytes, 600);
  });

  test('when a pack’s usage is asked, then its buckets hold only what it was debited', async () => {
    const hourly = await get(
      `/packs/${packA}/usage?granularity=hour&from=${iso(D)}&to=${iso(D + 4 * HOUR_MS)}`,
    );
    assert.equal(hourly.statusCode, 200, hourly.body);
    assert.deepEqual(hourly.json(), {
      pack_id: packA,
      granularity: 'hour',
      from: iso(D),
      to: iso(D + 4 * HOUR_MS),
      buckets: [
        { start: iso(D), bytes: 0 },
        { start: iso(D + HOUR_MS), bytes: 300 },
        { start: iso(D + 2 * HOUR_MS), bytes: 0 },
        { start: iso(D + 3 * HOUR_MS), bytes: 200 },
      ],
    });
    const daily = await get(`/packs/${packB}/usage?granularity=day&from=${iso(D)}&to=${iso(D + 2 * DAY_MS)}`);
    assert.deepEqual(daily.json().buckets, [
      { start: iso(D), bytes: 100 },
      { start: iso(D + DAY_MS), bytes: 300 },
    ]);
  });

  test('when no range is given, then the last 7 days are summed daily', async () => {
    const res = await get('/packs/' + packB + '/usage');
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.granularity, 'day');
    assert.equal(body.to, iso(D + 3 * DAY_MS));
    assert.equal(body.from, iso(D - 4 * DAY_MS));
    assert.equal(body.buckets.length, 7);
    assert.equal(
      body.buckets.reduce((s: number, b: { bytes: number }) => s + b.bytes, 0),
      400,
    );
  });

  test('when the pack is another user’s or unknown, then 404', async () => {
    assert.equal((await get(`/packs/${packA}/usage`, other)).statusCode, 404);
    const unknown = await get('/packs/01900000-0000-7000-8000-000000000000/usage');
    assert.equal(unknown.statusCode, 404);
    assert.equal(problemOf(unknown).code, 'NOT_FOUND');
  });

  test('when the range is invalid or too long, then 400 names the field', async () => {
    const cases: [string, string, string][] = [
      [`from=${iso(D + DAY_MS)}&to=${iso(D)}`, 'INVALID_RANGE', 'querystring.from'],
      [`granularity=hour&from=${iso(D)}&to=${iso(D + 32 * DAY_MS)}`, 'RANGE_TOO_LARGE', 'querystring.from'],
      [`granularity=day&from=${iso(D - 367 * DAY_MS)}&to=${iso(D)}`, 'RANGE_TOO_LARGE', 'querystring.from'],
      ['granularity=week', 'VALIDATION_FAILED', 'querystring.granularity'],
      ['from=yesterday', 'VALIDATION_FAILED', 'querystring.from'],
    ];
    for (const [query, code, field] of cases) {
      for (const path of ['/usage/summary', `/packs/${packA}/usage`]) {
        const res = await get(`${path}?${query}`);
        assert.equal(res.statusCode, 400, `${path}?${query}`);
        const problem = problemOf(res);
        assert.equal(problem.code, code);
        assert.ok(
          problem.errors?.some((e) => e.field === field),
          JSON.stringify(problem.errors),
        );
      }
    }
    const ok = await get(`/usage/summary?granularity=hour&from=${iso(D)}&to=${iso(D + 31 * DAY_MS)}`);
    assert.equal(ok.statusCode, 200, '31 days hourly is allowed');
  });

  test('when the user lists usage, then their records come newest first with their debits, paginated', async () => {
    const first = await get('/usage?limit=3');
    assert.equal(first.statusCode, 200, first.body);
    const page = first.json();
    assert.deepEqual(
      page.items.map((r: { event_id: string }) => r.event_id),
      [...events].reverse().slice(0, 3),
    );
    const last = page.items[0];
    assert.deepEqual(last.debits, [{ pack_id: packB, bytes: 300 }]);
    assert.equal(last.bytes, 400);
    assert.equal(last.debited_bytes, 300);
    assert.equal(last.overage_bytes, 100);
    assert.equal(last.occurred_at, iso(D + DAY_MS + 2 * HOUR_MS));
    assert.equal(last.received_at, iso(D + 3 * DAY_MS));
    const second = await get(`/usage?limit=3&cursor=${page.next_cursor}`);
    assert.deepEqual(
      second.json().items.map((r: { event_id: string }) => r.event_id),
      [events[0]],
    );
    assert.equal(second.json().next_cursor, null);
    assert.deepEqual((await get('/usage', other)).json().items, []);
    assert.equal((await get('/usage?cursor=nonsense')).statusCode, 400);
    assert.equal((await env().app.inject({ method: 'GET', url: '/api/v1/usage' })).statusCode, 401);
  });
});
