/**
 * Per-account throttling of failed logins (LOGIN_MAX_FAILURES within LOGIN_LOCK_S): after N failures the
 * account's login answers 429 LOGIN_THROTTLED even with the right password, unknown emails alike, until
 * the lock ends on the injected clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { forEachDialect, problemOf, registerUser, uniqueEmail } from '../../helper.js';

const MAX_FAILURES = 3;
const LOCK_S = 60;

function login(app: FastifyInstance, email: string, password: string) {
  return app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
}

async function failTimes(app: FastifyInstance, email: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await login(app, email, `wrong password ${i}`);
    assert.equal(res.statusCode, 401, `failure ${i + 1} is still a plain 401`);
  }
}

function assertThrottled(res: Awaited<ReturnType<typeof login>>, retryAfterS: number): void {
  assert.equal(res.statusCode, 429, res.body);
  assert.equal(problemOf(res).code, 'LOGIN_THROTTLED');
  assert.equal(res.headers['retry-after'], String(retryAfterS));
}

forEachDialect(
  'auth: failed-login throttling',
  ({ env }) => {
    test('when an account reaches the failure limit, then even the right password answers 429', async () => {
      const { app } = env();
      const s = await registerUser(app);
      await failTimes(app, s.email, MAX_FAILURES);
      assertThrottled(await login(app, s.email, s.password), LOCK_S);
    });

    test('when an account is locked, then the OAuth2 token form is locked too', async () => {
      const { app } = env();
      const s = await registerUser(app);
      await failTimes(app, s.email, MAX_FAILURES);
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ username: s.email.toUpperCase(), password: s.password }).toString(),
      });
      assertThrottled(res, LOCK_S);
    });

    test('when an unknown email fails as often, then it is throttled the same way (no enumeration)', async () => {
      const { app } = env();
      const known = await registerUser(app);
      const unknown = uniqueEmail('ghost');
      await failTimes(app, known.email, MAX_FAILURES);
      await failTimes(app, unknown, MAX_FAILURES);
      const a = await login(app, known.email, 'any password 1');
      const b = await login(app, unknown, 'any password 1');
      assertThrottled(a, LOCK_S);
      assertThrottled(b, LOCK_S);
      const { request_id: _a, ...pa } = problemOf(a);
      const { request_id: _b, ...pb } = problemOf(b);
      assert.deepEqual(pa, pb);
    });

    test('when the lock time passes on the clock, then the right password logs in again', async () => {
      const { app, clock } = env();
      const s = await registerUser(app);
      await failTimes(app, s.email, MAX_FAILURES);
      clock.advance(LOCK_S * 1000 - 20_000);
      assertThrottled(await login(app, s.email, s.password), 20);
      clock.advance(20_000);
      const res = await login(app, s.email, s.password);
      assert.equal(res.statusCode, 200);
    });

    test('when a login succeeds before the limit, then the failure count starts over', async () => {
      const { app } = env();
      const s = await registerUser(app);
      await failTimes(app, s.email, MAX_FAILURES - 1);
      assert.equal((await login(app, s.email, s.password)).statusCode, 200);
      await failTimes(app, s.email, MAX_FAILURES - 1);
      assert.equal((await login(app, s.email, s.password)).statusCode, 200);
    });

    test('when failures are spread wider than the window, then they do not add up to a lock', async () => {
      const { app, clock } = env();
      const s = await registerUser(app);
      await failTimes(app, s.email, MAX_FAILURES - 1);
      clock.advance(LOCK_S * 1000 + 1);
      await failTimes(app, s.email, MAX_FAILURES - 1);
      assert.equal((await login(app, s.email, s.password)).statusCode, 200);
    });

    test('when one account is locked, then another account logs in normally', async () => {
      const { app } = env();
      const locked = await registerUser(app);
      const other = await registerUser(app);
      await failTimes(app, locked.email, MAX_FAILURES);
      assert.equal((await login(app, other.email, other.password)).statusCode, 200);
    });

    test('when the failures are recorded, then the throttle row is keyed by a hash, not the email', async () => {
      const { app } = env();
      const s = await registerUser(app);
      await failTimes(app, s.email, 1);
      const rows = await app.ctx.db.selectFrom('login_throttle').select('email_key').execute();
      assert.ok(rows.length > 0);
      for (const r of rows) assert.match(r.email_key, /^[0-9a-f]{64}$/);
    });
  },
  { LOGIN_MAX_FAILURES: String(MAX_FAILURES), LOGIN_LOCK_S: String(LOCK_S) },
);
