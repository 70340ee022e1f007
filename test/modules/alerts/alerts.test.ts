import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transaction } from '../../../src/db/index.js';
import { alertsRepo } from '../../../src/modules/alerts/repository.js';
import { adminSession, forEachDialect, problemOf, registerUser } from '../../helper.js';

interface AlertBody {
  id: string;
  kind: string;
  message: string;
  ref_type: string | null;
  ref_id: string | null;
  read_at: string | null;
  read_by: string | null;
}
interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

forEachDialect('admin alerts', ({ env }) => {
  test('an alert raised in a transaction that rolls back does not exist; one that commits is listed', async () => {
    const { app, clock } = env();
    const admin = await adminSession(app);
    const db = app.ctx.db;
    await assert.rejects(
      transaction(db, async (trx) => {
        await alertsRepo.raise(trx, { kind: 'test.rolled_back', message: 'Never seen', at: clock.now() });
        throw new Error('roll back');
      }),
      /roll back/,
    );
    await transaction(db, (trx) =>
      alertsRepo.raise(trx, {
        kind: 'inventory.low',
        message: 'Only 3 profiles of type EU-5 are left.',
        refType: 'profile_type',
        refId: 'EU-5',
        at: clock.now(),
      }),
    );
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/admin/alerts?kind=inventory.low',
      headers: admin.headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    const items = res.json<Page<AlertBody>>().items;
    assert.deepEqual(
      items.map((a) => [a.kind, a.ref_type, a.ref_id, a.read_at]),
      [['inventory.low', 'profile_type', 'EU-5', null]],
    );
  });

  test('the same dedupe key raises one alert however often the condition is seen', async () => {
    const { app, clock } = env();
    const admin = await adminSession(app);
    const raise = () =>
      alertsRepo.raise(app.ctx.db, {
        kind: 'inventory.low_dedupe',
        message: 'Stock is low.',
        dedupeKey: 'inventory.low:EU-5',
        at: clock.now(),
      });
    const results = await Promise.all([raise(), raise(), raise()]);
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(await raise(), false);
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/admin/alerts?kind=inventory.low_dedupe',
      headers: admin.headers,
    });
    assert.equal(res.json<Page<AlertBody>>().items.length, 1);
  });

  test('marking read keeps the first reader; unread filter, paging and errors', async () => {
    const { app, clock } = env();
    const admin = await adminSession(app);
    for (let i = 0; i < 3; i++) {
      await alertsRepo.raise(app.ctx.db, {
        kind: 'payment.dispute',
        message: `Dispute ${i}`,
        at: clock.now(),
      });
    }
    const page1 = await app.inject({
      method: 'GET',
      url: '/api/v1/admin/alerts?limit=2&kind=payment.dispute',
      headers: admin.headers,
    });
    const body1 = page1.json<Page<AlertBody>>();
    assert.deepEqual(
      body1.items.map((a) => a.message),
      ['Dispute 2', 'Dispute 1'],
    );
    assert.ok(body1.next_cursor);
    const page2 = await app.inject({
      method: 'GET',
      url: `/api/v1/admin/alerts?limit=2&kind=payment.dispute&cursor=${body1.next_cursor}`,
      headers: admin.headers,
    });
    assert.deepEqual(
      page2.json<Page<AlertBody>>().items.map((a) => a.message),
      ['Dispute 0'],
    );

    const target = body1.items[0]!;
    const read = await app.inject({
      method: 'POST',
      url: `/api/v1/admin/alerts/${target.id}/read`,
      headers: admin.headers,
    });
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(read.json<AlertBody>().read_by, admin.id);
    const firstReadAt = read.json<AlertBody>().read_at;
    clock.advance(60_000);
    const again = await app.inject({
      method: 'POST',
      url: `/api/v1/admin/alerts/${target.id}/read`,
      headers: admin.headers,
    });
    assert.equal(again.json<AlertBody>().read_at, firstReadAt);
    const unread = await app.inject({
      method: 'GET',
      url: '/api/v1/admin/alerts?unread=true&kind=payment.dispute',
      headers: admin.headers,
    });
    assert.deepEqual(
      unread.json<Page<AlertBody>>().items.map((a) => a.message),
      ['Dispute 1', 'Dispute 0'],
    );

    const missing = await app.inject({
      method: 'POST',
      url: '/api/v1/admin/alerts/01900000-0000-7000-8000-000000000000/read',
      headers: admin.headers,
    });
    assert.equal(missing.statusCode, 404);
    const badKind = await app.inject({
      method: 'GET',
      url: '/api/v1/admin/alerts?kind=Bad%20Kind',
      headers: admin.headers,
    });
    assert.equal(badKind.statusCode, 400);
    assert.equal(problemOf(badKind).status, 400);
  });

  test('a customer cannot read the alerts', async () => {
    const { app } = env();
    const user = await registerUser(app);
    const res = await app.inject({ method: 'GET', url: '/api/v1/admin/alerts', headers: user.headers });
    assert.equal(res.statusCode, 403);
  });
});
