import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import {
  adminSession,
  forEachDialect,
  problemOf,
  registerUser,
  uniqueEmail,
  type Session,
} from '../../helper.js';
import { GB, MB, insertEsim, insertPack, insertUsage, insertUser } from '../../fixtures/admin.js';

interface Page {
  items: { id: string; email: string; full_name: string | null; status: string; role: string }[];
  next_cursor: string | null;
}

async function listUsers(app: FastifyInstance, admin: Session, qs: string): Promise<Page> {
  const res = await app.inject({ method: 'GET', url: `/api/v1/admin/users?${qs}`, headers: admin.headers });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<Page>();
}

/** Every page of a listing, following next_cursor. */
async function allPages(app: FastifyInstance, admin: Session, qs: string): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const page = await listUsers(app, admin, `${qs}${cursor ? `&cursor=${cursor}` : ''}`);
    pages.push(page.items.map((u) => u.id));
    cursor = page.next_cursor;
  } while (cursor && pages.length < 100);
  return pages;
}

/** Registers through the API (the helper's registerUser), optionally with a full name. */
const register = (app: FastifyInstance, email: string, fullName?: string): Promise<Session> =>
  registerUser(app, email, 'correct horse 1', fullName);

forEachDialect('admin users', ({ env }) => {
  test('when searching by email in another case, then the matching accounts are found', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const tag = `srch${Date.now().toString(36)}`;
    const a = await register(app, `Mixed.${tag}@Example.test`);
    await register(app, uniqueEmail('other'));
    const page = await listUsers(
      app,
      admin,
      `query=${encodeURIComponent(`MIXED.${tag.toUpperCase()}@EXAMPLE`)}`,
    );
    assert.deepEqual(
      page.items.map((u) => u.id),
      [a.id],
    );
  });

  test('when searching by part of the full name in another case, then the account is found', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const tag = `nm${Date.now().toString(36)}`;
    const ada = await register(app, uniqueEmail('ada'), `Ada Lovelace ${tag}`);
    const bob = await register(app, uniqueEmail('bob'), `Bob Lovelace ${tag}`);
    const both = await listUsers(app, admin, `query=${encodeURIComponent(`LOVELACE ${tag.toUpperCase()}`)}`);
    assert.deepEqual(new Set(both.items.map((u) => u.id)), new Set([ada.id, bob.id]));
    const one = await listUsers(app, admin, `query=${encodeURIComponent(`aDa lOvElAcE ${tag}`)}`);
    assert.deepEqual(
      one.items.map((u) => u.id),
      [ada.id],
    );
  });

  test('when the query holds LIKE wildcards, then they match only themselves', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const tag = `wc${Date.now().toString(36)}`;
    const literal = await register(app, uniqueEmail('pct'), `Sure 100%_${tag}`);
    await register(app, uniqueEmail('plain'), `Sure 1000${tag}`);
    const page = await listUsers(app, admin, `query=${encodeURIComponent(`100%_${tag}`)}`);
    assert.deepEqual(
      page.items.map((u) => u.id),
      [literal.id],
    );
    const underscore = await listUsers(app, admin, `query=${encodeURIComponent(`_${tag}`)}`);
    assert.deepEqual(
      underscore.items.map((u) => u.id),
      [literal.id],
    );
  });

  test('when filtering by status and role, then only those accounts are listed', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const tag = `flt${Date.now().toString(36)}`;
    const active = await insertUser(db, { full_name: `F ${tag}` });
    const suspended = await insertUser(db, { full_name: `F ${tag}`, status: 'suspended' });
    const deleted = await insertUser(db, { full_name: `F ${tag}`, status: 'deleted' });
    const admin2 = await insertUser(db, { full_name: `F ${tag}`, role: 'admin' });
    const ids = async (qs: string) =>
      new Set((await listUsers(app, admin, `query=${tag}&${qs}`)).items.map((u) => u.id));
    assert.deepEqual(await ids(''), new Set([active, suspended, admin2]));
    assert.deepEqual(await ids('status=suspended'), new Set([suspended]));
    assert.deepEqual(await ids('status=deleted'), new Set([deleted]));
    assert.deepEqual(await ids('role=admin'), new Set([admin2]));
    assert.deepEqual(await ids('role=user&status=active'), new Set([active]));
  });

  test('when many accounts share one created_at, then pages never repeat or skip one', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const tag = `tie${Date.now().toString(36)}`;
    const at = Date.parse('2026-02-01T00:00:00Z');
    const inserted: string[] = [];
    for (let i = 0; i < 11; i++)
      inserted.push(await insertUser(db, { full_name: `Tie ${tag}`, created_at: at }));

    const pages = await allPages(app, admin, `query=${tag}&limit=3`);
    assert.deepEqual(
      pages.map((p) => p.length),
      [3, 3, 3, 2],
    );
    const seen = pages.flat();
    assert.equal(new Set(seen).size, seen.length, 'no account appears twice');
    assert.deepEqual(seen, [...inserted].sort().reverse(), 'newest first, every account once');
  });

  test('when accounts are inserted while paging, then the remaining pages neither repeat nor skip', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const tag = `conc${Date.now().toString(36)}`;
    const original: string[] = [];
    for (let i = 0; i < 7; i++) original.push(await insertUser(db, { full_name: `C ${tag}`, created_at: 1 }));
    const first = await listUsers(app, admin, `query=${tag}&limit=3`);
    // newcomers arrive between page requests (same timestamp as everyone else)
    for (let i = 0; i < 4; i++) await insertUser(db, { full_name: `C ${tag}`, created_at: 1 });
    const seen = first.items.map((u) => u.id);
    let cursor = first.next_cursor;
    while (cursor) {
      const page = await listUsers(app, admin, `query=${tag}&limit=3&cursor=${cursor}`);
      seen.push(...page.items.map((u) => u.id));
      cursor = page.next_cursor;
    }
    assert.deepEqual(seen, [...original].sort().reverse());
  });

  test('when the cursor is not one the API issued, then the answer is 400 INVALID_CURSOR', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/admin/users?cursor=not-a-cursor',
      headers: admin.headers,
    });
    assert.equal(res.statusCode, 400);
    assert.equal(problemOf(res).code, 'INVALID_CURSOR');
  });

  test('when reading one account, then its packs, live eSIMs and used bytes are counted', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const userId = await insertUser(db);
    const esim = await insertEsim(db, userId, { status: 'enabled' });
    await insertEsim(db, userId, { status: 'deleted' });
    await insertPack(db, userId, { status: 'active', total_bytes: GB, used_bytes: 300 * MB });
    await insertPack(db, userId, { status: 'depleted', total_bytes: 100 * MB, used_bytes: 100 * MB });
    await insertPack(db, userId, { status: 'pending' });
    // usage records also count overage; used_bytes is what the packs were debited
    await insertUsage(db, { userId, esim, bytes: 450 * MB, occurred_at: Date.now() });
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/admin/users/${userId}`,
      headers: admin.headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.id, userId);
    assert.equal(body.packs_count, 3);
    assert.equal(body.esims_count, 1);
    assert.equal(body.used_bytes, 400 * MB);
    assert.equal(body.password_hash, undefined);

    const missing = await app.inject({
      method: 'GET',
      url: `/api/v1/admin/users/01900000-0000-7000-8000-000000000000`,
      headers: admin.headers,
    });
    assert.equal(missing.statusCode, 404);
    assert.equal(problemOf(missing).code, 'NOT_FOUND');
  });

  test('when a user is suspended, then their live access token is refused at once and their refresh token is dead', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const user = await registerUser(app);
    const before = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.headers });
    assert.equal(before.statusCode, 200);

    const res = await app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${user.id}`,
      headers: admin.headers,
      payload: { status: 'suspended', reason: 'abuse report #12' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, 'suspended');

    const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.headers });
    assert.equal(me.statusCode, 403);
    assert.equal(problemOf(me).code, 'ACCOUNT_SUSPENDED');
    const refresh = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token: user.refresh },
    });
    assert.equal(refresh.statusCode, 401);

    // reactivation lets them log in again, but the revoked refresh token stays dead
    const back = await app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${user.id}`,
      headers: admin.headers,
      payload: { status: 'active' },
    });
    assert.equal(back.json().status, 'active');
    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token: user.refresh },
    });
    assert.equal(again.statusCode, 401);
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: user.password },
    });
    assert.equal(login.statusCode, 200);
  });

  test('when an admin changes a status and a role, then each write is in the activity log with before, after and reason', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const user = await registerUser(app);
    for (const payload of [{ status: 'suspended', reason: 'chargeback' }, { role: 'admin' }]) {
      const res = await app.inject({
        method: 'PATCH',
        url: `/api/v1/admin/users/${user.id}`,
        headers: admin.headers,
        payload,
      });
      assert.equal(res.statusCode, 200, res.body);
    }
    const log = await app.inject({
      method: 'GET',
      url: `/api/v1/admin/activity?user_id=${user.id}&action=admin.user_updated`,
      headers: admin.headers,
    });
    const items = log.json().items;
    assert.equal(items.length, 2);
    const [promote, suspend] = items;
    assert.equal(suspend.actor_id, admin.id);
    assert.equal(suspend.target_type, 'user');
    assert.equal(suspend.target_id, user.id);
    assert.deepEqual(suspend.metadata, {
      before: { status: 'active', role: 'user' },
      after: { status: 'suspended', role: 'user' },
      reason: 'chargeback',
    });
    assert.deepEqual(promote.metadata, {
      before: { status: 'suspended', role: 'user' },
      after: { status: 'suspended', role: 'admin' },
    });
  });

  test('when a change would change nothing or sets forbidden fields, then nothing is written', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const user = await registerUser(app);
    const url = `/api/v1/admin/users/${user.id}`;
    const empty = await app.inject({ method: 'PATCH', url, headers: admin.headers, payload: {} });
    assert.equal(empty.statusCode, 400);
    const onlyReason = await app.inject({
      method: 'PATCH',
      url,
      headers: admin.headers,
      payload: { reason: 'x' },
    });
    assert.equal(problemOf(onlyReason).code, 'NOTHING_TO_CHANGE');
    const deleted = await app.inject({
      method: 'PATCH',
      url,
      headers: admin.headers,
      payload: { status: 'deleted' },
    });
    assert.equal(deleted.statusCode, 400);
    const extra = await app.inject({
      method: 'PATCH',
      url,
      headers: admin.headers,
      payload: { status: 'suspended', email: 'x@example.test' },
    });
    assert.equal(extra.statusCode, 400);
    assert.ok(problemOf(extra).errors?.some((e) => e.field === 'body.email'));
    const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.headers });
    assert.equal(me.json().status, 'active');
  });

  test('when a user is deleted, then the row is anonymised, the email is free, history stays and the token is dead', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const email = uniqueEmail('gone');
    const user = await register(app, email, 'Grace Gone');
    await app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: user.headers,
      payload: { phone_number: '+33 6 12 34 56 78' },
    });
    const esim = await insertEsim(db, user.id, { status: 'enabled' });
    const packId = await insertPack(db, user.id, { status: 'active', esim_id: esim.id, used_bytes: MB });
    await insertUsage(db, { userId: user.id, esim, bytes: MB, occurred_at: Date.now() });

    const res = await app.inject({
      method: 'DELETE',
      url: `/api/v1/admin/users/${user.id}`,
      headers: admin.headers,
      payload: { reason: 'GDPR erasure request' },
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().status, 'deleted');

    const row = await db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    assert.equal(row.email, `deleted+${user.id}@deleted.invalid`);
    assert.equal(row.full_name, null);
    assert.equal(row.phone_number, null);
    assert.ok(row.deleted_at !== null);
    assert.ok(!row.password_hash.startsWith('$2'), 'no bcrypt hash is left to match');

    const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.headers });
    assert.equal(me.statusCode, 401);
    const refresh = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token: user.refresh },
    });
    assert.equal(refresh.statusCode, 401);
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: user.password },
    });
    assert.equal(login.statusCode, 401);

    const again = await register(app, email);
    assert.notEqual(again.id, user.id);

    const packs = await db.selectFrom('packs').select('id').where('user_id', '=', user.id).execute();
    assert.deepEqual(
      packs.map((p) => p.id),
      [packId],
    );
    const usage = await db.selectFrom('usage_records').select('id').where('user_id', '=', user.id).execute();
    assert.equal(usage.length, 1);

    const entries = await app.inject({
      method: 'GET',
      url: `/api/v1/admin/activity?user_id=${user.id}&action=admin.user_deleted`,
      headers: admin.headers,
    });
    const [entry] = entries.json().items;
    assert.equal(entry.actor_id, admin.id);
    assert.equal(entry.metadata.reason, 'GDPR erasure request');
    assert.equal(entry.metadata.before.status, 'active');
    assert.equal(entry.metadata.after.status, 'deleted');
    assert.ok(!JSON.stringify(entry.metadata).includes(email), 'the log keeps no personal field');

    const twice = await app.inject({
      method: 'DELETE',
      url: `/api/v1/admin/users/${user.id}?reason=again`,
      headers: admin.headers,
    });
    assert.equal(twice.statusCode, 200);
    assert.equal(twice.json().status, 'deleted');
    const patch = await app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${user.id}`,
      headers: admin.headers,
      payload: { status: 'active' },
    });
    assert.equal(patch.statusCode, 409);
    assert.equal(problemOf(patch).code, 'USER_DELETED');
  });

  test('when an admin deletes their own account, then it is refused', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    await adminSession(app); // another admin exists, so this is not the last-admin rule
    const res = await app.inject({
      method: 'DELETE',
      url: `/api/v1/admin/users/${admin.id}`,
      headers: admin.headers,
    });
    assert.equal(res.statusCode, 409);
    assert.equal(problemOf(res).code, 'CANNOT_DELETE_SELF');
    const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: admin.headers });
    assert.equal(me.statusCode, 200);
  });
});
