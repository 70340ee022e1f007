import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256 } from '../../../src/lib/secrets.js';
import { adminSession, forEachDialect, problemOf, registerUser } from '../../helper.js';
import { newIccid } from '../../fixtures/usage.js';

const KEYS = '/api/v1/admin/api-keys';

forEachDialect('admin api keys', ({ env }) => {
  async function feed(key: string) {
    return env().app.inject({
      method: 'POST',
      url: '/api/v1/usage/records',
      headers: { 'x-api-key': key },
      payload: {
        records: [{ event_id: 'k', iccid: newIccid(), bytes: 1, occurred_at: '2026-01-01T00:00:00Z' }],
      },
    });
  }

  test('when an admin creates a key, then it is shown once, stored hashed, listed without secrets and works', async () => {
    const { app, db, clock } = env();
    const admin = await adminSession(app);
    const res = await app.inject({
      method: 'POST',
      url: KEYS,
      headers: admin.headers,
      payload: { name: 'feed A' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const created = res.json<{ id: string; name: string; key: string; prefix: string; created_at: string }>();
    assert.match(created.key, /^ksk_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.name, 'feed A');
    assert.ok(created.key.startsWith(created.prefix) && created.prefix.length >= 8);
    assert.equal(created.created_at, new Date(clock.now()).toISOString());

    const row = await db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.key_hash, sha256(created.key));
    assert.equal(row.created_by, admin.id);

    const list = await app.inject({ method: 'GET', url: KEYS, headers: admin.headers });
    assert.equal(list.statusCode, 200);
    const item = list.json<{ items: Record<string, unknown>[] }>().items.find((k) => k.id === created.id);
    assert.ok(item);
    assert.equal(item.key, undefined);
    assert.equal(item.key_hash, undefined);
    assert.ok(!list.body.includes(created.key), 'the secret never appears in a list');
    assert.equal(item.last_used_at, null);

    assert.equal((await feed(created.key)).statusCode, 200);
    const used = await db
      .selectFrom('api_keys')
      .select('last_used_at')
      .where('id', '=', created.id)
      .executeTakeFirst();
    assert.equal(used?.last_used_at, clock.now());

    const activity = await db
      .selectFrom('activity')
      .select(['action', 'actor_id'])
      .where('target_id', '=', created.id)
      .execute();
    assert.deepEqual(activity, [{ action: 'admin.api_key_created', actor_id: admin.id }]);
  });

  test('when a key is revoked, then it answers 401 at once, stays listed with revoked_at, and a second revoke is 204', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const created = (
      await app.inject({ method: 'POST', url: KEYS, headers: admin.headers, payload: { name: 'feed B' } })
    ).json<{ id: string; key: string }>();
    assert.equal((await feed(created.key)).statusCode, 200);

    const del = await app.inject({ method: 'DELETE', url: `${KEYS}/${created.id}`, headers: admin.headers });
    assert.equal(del.statusCode, 204);
    const after = await feed(created.key);
    assert.equal(after.statusCode, 401);
    assert.equal(problemOf(after).code, 'INVALID_API_KEY');

    const again = await app.inject({
      method: 'DELETE',
      url: `${KEYS}/${created.id}`,
      headers: admin.headers,
    });
    assert.equal(again.statusCode, 204);
    const list = await app.inject({ method: 'GET', url: KEYS, headers: admin.headers });
    const item = list
      .json<{ items: { id: string; revoked_at: string | null }[] }>()
      .items.find((k) => k.id === created.id);
    assert.ok(item?.revoked_at);
    const actions = await db
      .selectFrom('activity')
      .select('action')
      .where('target_id', '=', created.id)
      .execute();
    assert.deepEqual(actions.map((a) => a.action).sort(), ['admin.api_key_created', 'admin.api_key_revoked']);
  });

  test('when a key is used on the eSIM status route, then its last_used_at is recorded there too', async () => {
    const { app, db, clock } = env();
    const admin = await adminSession(app);
    const created = (
      await app.inject({ method: 'POST', url: KEYS, headers: admin.headers, payload: { name: 'sm-dp' } })
    ).json<{ id: string; key: string }>();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/admin/esims/01900000-0000-7000-8000-000000000000/status',
      headers: { 'x-api-key': created.key },
      payload: { status: 'downloaded' },
    });
    assert.equal(res.statusCode, 404, res.body);
    const row = await db
      .selectFrom('api_keys')
      .select('last_used_at')
      .where('id', '=', created.id)
      .executeTakeFirst();
    assert.equal(row?.last_used_at, clock.now());
  });

  test('when the key id is unknown, then revoking it is a 404', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const res = await app.inject({
      method: 'DELETE',
      url: `${KEYS}/01900000-0000-7000-8000-000000000000`,
      headers: admin.headers,
    });
    assert.equal(res.statusCode, 404);
    assert.equal(problemOf(res).code, 'NOT_FOUND');
  });

  test('when a user or nobody calls the key routes, then 403 and 401', async () => {
    const { app } = env();
    const user = await registerUser(app);
    const calls = [
      { method: 'GET' as const, url: KEYS },
      { method: 'POST' as const, url: KEYS, payload: { name: 'x' } },
      { method: 'DELETE' as const, url: `${KEYS}/01900000-0000-7000-8000-000000000000` },
    ];
    for (const call of calls) {
      const asUser = await app.inject({ ...call, headers: user.headers });
      assert.equal(asUser.statusCode, 403, `${call.method} as user`);
      const anonymous = await app.inject(call);
      assert.equal(anonymous.statusCode, 401, `${call.method} anonymous`);
    }
  });

  test('when the body is invalid, then 400 names the field', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    for (const [payload, field] of [
      [{}, 'body.name'],
      [{ name: '' }, 'body.name'],
      [{ name: 'x', key: 'mine' }, 'body.key'],
    ] as const) {
      const res = await app.inject({ method: 'POST', url: KEYS, headers: admin.headers, payload });
      assert.equal(res.statusCode, 400);
      assert.ok(
        problemOf(res).errors?.some((e) => e.field === field),
        res.body,
      );
    }
  });

  test('when many keys exist, then the list pages newest first', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await app.inject({
        method: 'POST',
        url: KEYS,
        headers: admin.headers,
        payload: { name: `p${i}` },
      });
      ids.push(r.json<{ id: string }>().id);
    }
    const first = await app.inject({ method: 'GET', url: `${KEYS}?limit=2`, headers: admin.headers });
    const page1 = first.json<{ items: { id: string }[]; next_cursor: string }>();
    assert.deepEqual(
      page1.items.map((k) => k.id),
      [ids[2], ids[1]],
    );
    const second = await app.inject({
      method: 'GET',
      url: `${KEYS}?limit=2&cursor=${page1.next_cursor}`,
      headers: admin.headers,
    });
    assert.equal(second.json<{ items: { id: string }[] }>().items[0]?.id, ids[0]);
  });
});
