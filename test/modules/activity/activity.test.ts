/**
 * GET /api/v1/users/me/activity: the caller's own log (logins, failures, logouts, password changes, with
 * IP and user agent), newest first, keyset-paginated with an opaque cursor.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { forEachDialect, problemOf, registerUser, type Session } from '../../helper.js';

const ACTIVITY = '/api/v1/users/me/activity';

interface Entry {
  id: string;
  user_id: string | null;
  actor_id: string | null;
  action: string;
  ip: string | null;
  user_agent: string | null;
  metadata: Record<string, unknown> | null;
  created_at: string;
}

function list(app: FastifyInstance, s: Session, query = '') {
  return app.inject({ method: 'GET', url: `${ACTIVITY}${query}`, headers: s.headers });
}

/** Logs in, fails a login, logs the new session out and changes the password, each from its own origin. */
async function liveAccount(app: FastifyInstance): Promise<Session> {
  const s = await registerUser(app);
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: '203.0.113.10',
    headers: { 'user-agent': 'agent/login' },
    payload: { email: s.email, password: s.password },
  });
  assert.equal(login.statusCode, 200);
  const failed = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: '203.0.113.11',
    headers: { 'user-agent': 'agent/failed' },
    payload: { email: s.email, password: 'wrong password' },
  });
  assert.equal(failed.statusCode, 401);
  const logout = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/logout',
    remoteAddress: '203.0.113.12',
    headers: { 'user-agent': 'agent/logout' },
    payload: { refresh_token: login.json().tokens.refresh_token },
  });
  assert.equal(logout.statusCode, 204);
  const change = await app.inject({
    method: 'POST',
    url: '/api/v1/users/me/password',
    remoteAddress: '203.0.113.13',
    headers: { ...s.headers, 'user-agent': 'agent/password' },
    payload: { current_password: s.password, new_password: 'a new password 1' },
  });
  assert.equal(change.statusCode, 204);
  return s;
}

forEachDialect('users: my activity', ({ env }) => {
  test('when the account was used, then its log lists each event newest first with ip and agent', async () => {
    const { app } = env();
    const s = await liveAccount(app);
    const res = await list(app, s);
    assert.equal(res.statusCode, 200);
    const { items, next_cursor } = res.json<{ items: Entry[]; next_cursor: string | null }>();
    assert.equal(next_cursor, null);
    assert.deepEqual(
      items.map((e) => [e.action, e.ip, e.user_agent]),
      [
        ['user.password_changed', '203.0.113.13', 'agent/password'],
        ['auth.logout', '203.0.113.12', 'agent/logout'],
        ['auth.login_failed', '203.0.113.11', 'agent/failed'],
        ['auth.login', '203.0.113.10', 'agent/login'],
        ['user.registered', '127.0.0.1', 'lightMyRequest'],
      ],
    );
    for (const e of items) {
      assert.equal(e.user_id, s.id);
      assert.match(e.created_at, /^\d{4}-\d\d-\d\dT.*Z$/);
    }
    const failure = items.find((e) => e.action === 'auth.login_failed');
    assert.equal(failure?.actor_id, null, 'a failed login is not an act of the account owner');
  });

  test('when another user reads their log, then none of this user’s entries appear', async () => {
    const { app } = env();
    const a = await liveAccount(app);
    const b = await registerUser(app);
    const items = (await list(app, b)).json<{ items: Entry[] }>().items;
    assert.deepEqual(
      items.map((e) => e.action),
      ['user.registered'],
    );
    assert.ok(items.every((e) => e.user_id === b.id && e.user_id !== a.id));
  });

  test('when the log is read two at a time, then the cursor walks every entry once, in order', async () => {
    const { app } = env();
    const s = await liveAccount(app);
    const all = (await list(app, s)).json<{ items: Entry[] }>().items.map((e) => e.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await list(app, s, query);
      assert.equal(res.statusCode, 200);
      const page = res.json<{ items: Entry[]; next_cursor: string | null }>();
      assert.ok(page.items.length <= 2);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, all);
  });

  test('when the cursor is not one the API returned, then 400 INVALID_CURSOR', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const forged = Buffer.from('v1:not-an-id').toString('base64url');
    for (const cursor of ['garbage!!', forged, Buffer.from("' or 1=1 --").toString('base64url')]) {
      const res = await list(app, s, `?cursor=${encodeURIComponent(cursor)}`);
      assert.equal(res.statusCode, 400, cursor);
      const problem = problemOf(res);
      assert.equal(problem.code, 'INVALID_CURSOR');
      assert.deepEqual(
        problem.errors?.map((e) => e.field),
        ['querystring.cursor'],
      );
    }
  });

  test('when the limit is out of range, then 400 names querystring.limit', async () => {
    const { app } = env();
    const s = await registerUser(app);
    for (const limit of ['0', '201', 'many']) {
      const res = await list(app, s, `?limit=${limit}`);
      assert.equal(res.statusCode, 400, limit);
      assert.deepEqual(
        problemOf(res).errors?.map((e) => e.field),
        ['querystring.limit'],
      );
    }
  });

  test('when the log is requested without a token, then 401', async () => {
    const res = await env().app.inject({ method: 'GET', url: ACTIVITY });
    assert.equal(res.statusCode, 401);
  });
});
