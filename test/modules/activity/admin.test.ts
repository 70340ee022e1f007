import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOUR_MS } from '../../../src/lib/clock.js';
import { adminSession, forEachDialect, problemOf, registerUser } from '../../helper.js';

interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

forEachDialect('admin: the activity log', ({ env }) => {
  test('when filtering the activity by actor, action and time range, then only those entries come', async () => {
    const { app, clock } = env();
    const admin = await adminSession(app);
    const t0 = clock.now();
    const early = await registerUser(app);
    clock.advance(HOUR_MS);
    const late = await registerUser(app);
    for (const target of [early, late]) {
      const res = await app.inject({
        method: 'PATCH',
        url: `/api/v1/admin/users/${target.id}`,
        headers: admin.headers,
        payload: { status: 'suspended' },
      });
      assert.equal(res.statusCode, 200);
    }
    const list = async (qs: string) => {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/admin/activity?${qs}`,
        headers: admin.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<Page<{ user_id: string; action: string; actor_id: string }>>().items;
    };
    const byAdmin = await list(`actor_id=${admin.id}&action=admin.user_updated`);
    assert.deepEqual(
      byAdmin.map((e) => e.user_id),
      [late.id, early.id],
    );
    const registered = await list(
      `action=user.registered&from=${new Date(t0).toISOString()}&to=${new Date(t0 + HOUR_MS).toISOString()}`,
    );
    assert.ok(registered.some((e) => e.user_id === early.id));
    assert.ok(!registered.some((e) => e.user_id === late.id));
    const forEarly = await list(`user_id=${early.id}`);
    assert.deepEqual(forEarly.map((e) => e.action).sort(), ['admin.user_updated', 'user.registered']);

    const backwards = await app.inject({
      method: 'GET',
      url: `/api/v1/admin/activity?from=${new Date(t0 + 1).toISOString()}&to=${new Date(t0).toISOString()}`,
      headers: admin.headers,
    });
    assert.equal(backwards.statusCode, 400);
    assert.equal(problemOf(backwards).code, 'INVALID_RANGE');
    const notADate = await app.inject({
      method: 'GET',
      url: '/api/v1/admin/activity?from=yesterday',
      headers: admin.headers,
    });
    assert.equal(notADate.statusCode, 400);
  });
});
