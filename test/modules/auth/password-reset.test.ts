import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mailRepo } from '../../../src/modules/mail/repository.js';
import { problemOf, registerUser, uniqueEmail } from '../../helper.js';
import type { ReceivedMail } from '../../fixtures/smtp.js';
import { APP_URL, forEachDialectWithSmtp } from '../mail/harness.js';

const RESET = '/api/v1/auth/password-reset';
const CONFIRM = '/api/v1/auth/password-reset/confirm';

function tokenOf(m: ReceivedMail | undefined): string {
  const token = m && /#token=([A-Za-z0-9_-]+)/.exec(m.text)?.[1];
  if (!token) throw new Error(`no link in ${m?.text}`);
  return token;
}

forEachDialectWithSmtp('password reset', ({ mail }) => {
  const resetMails = (to: string) =>
    mail()
      .mailsTo(to)
      .filter((m) => m.subject === 'Reset your password');

  async function askReset(email: string) {
    const res = await mail().env.app.inject({ method: 'POST', url: RESET, payload: { email } });
    assert.equal(res.statusCode, 202, res.body);
    return res;
  }

  test('when a known and an unknown address ask, then both answer the same 202; only the known one gets a link', async () => {
    const { env, deliver } = mail();
    const s = await registerUser(env.app, uniqueEmail('known'));
    const unknown = uniqueEmail('unknown');
    const a = await askReset(s.email.toUpperCase());
    const b = await askReset(unknown);
    assert.equal(a.body, b.body);
    assert.equal(a.headers['content-type'], b.headers['content-type']);
    assert.deepEqual(a.json(), {
      status: 'accepted',
      detail: 'If an account uses this address, we have sent it a link to choose a new password.',
    });
    await deliver();
    const got = resetMails(s.email);
    assert.equal(got.length, 1);
    assert.match(
      got[0]!.text,
      new RegExp(`Choose a new password: ${APP_URL}/reset-password#token=[A-Za-z0-9_-]{43}\n`),
    );
    assert.match(got[0]!.text, /works once, for 30 minutes/);
    assert.equal(mail().mailsTo(unknown).length, 0);
    const queued = await mailRepo.list(env.db, { limit: 1000 });
    assert.ok(!queued.some((m) => m.recipient === unknown), 'nothing queued for an unknown address');
    assert.ok(!queued.some((m) => m.text_body.includes(tokenOf(got[0])) && m.kind !== 'password_reset'));
  });

  test('when the link is used, then the password changes, every session ends, and the link works only once', async () => {
    const { env, deliver } = mail();
    const s = await registerUser(env.app, uniqueEmail('use'));
    await askReset(s.email);
    await deliver();
    const token = tokenOf(resetMails(s.email)[0]);
    const ok = await env.app.inject({
      method: 'POST',
      url: CONFIRM,
      payload: { token, new_password: 'brand new horse 3' },
    });
    assert.equal(ok.statusCode, 204, ok.body);

    const me = await env.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: s.headers });
    assert.equal(me.statusCode, 401, 'the old access token is refused');
    const refresh = await env.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refresh_token: s.refresh },
    });
    assert.equal(refresh.statusCode, 401, 'the old refresh token is refused');
    const login = (password: string) =>
      env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: s.email, password } });
    assert.equal((await login(s.password)).statusCode, 401);
    const fresh = await login('brand new horse 3');
    assert.equal(fresh.statusCode, 200);
    const user = fresh.json<{ user: { email_verified_at: string | null } }>().user;
    assert.notEqual(user.email_verified_at, null, 'the link proved the address');

    const again = await env.app.inject({
      method: 'POST',
      url: CONFIRM,
      payload: { token, new_password: 'third horse 4' },
    });
    assert.equal(again.statusCode, 400);
    const p = problemOf(again);
    assert.equal(p.code, 'INVALID_RESET_TOKEN');
    assert.equal(p.errors?.[0]?.field, 'token');
    await deliver();
    const changed = mail()
      .mailsTo(s.email)
      .filter((m) => m.subject === 'Your password was changed');
    assert.equal(changed.length, 1);
  });

  test('when the link is older than 30 minutes, then it is refused; within them it works', async () => {
    const { env, deliver } = mail();
    const s = await registerUser(env.app, uniqueEmail('expire'));
    await askReset(s.email);
    await deliver();
    const old = tokenOf(resetMails(s.email)[0]);
    env.clock.advance(30 * 60_000);
    const late = await env.app.inject({
      method: 'POST',
      url: CONFIRM,
      payload: { token: old, new_password: 'late horse 5' },
    });
    assert.equal(late.statusCode, 400);
    assert.equal(problemOf(late).code, 'INVALID_RESET_TOKEN');

    await askReset(s.email);
    await deliver();
    const fresh = tokenOf(resetMails(s.email)[1]);
    env.clock.advance(29 * 60_000);
    const inTime = await env.app.inject({
      method: 'POST',
      url: CONFIRM,
      payload: { token: fresh, new_password: 'in time horse 6' },
    });
    assert.equal(inTime.statusCode, 204, inTime.body);
  });

  test('when the new password breaks the sign-up rules or the token is malformed, then 400 names the field', async () => {
    const { env } = mail();
    const short = await env.app.inject({
      method: 'POST',
      url: CONFIRM,
      payload: { token: 'x'.repeat(43), new_password: 'short' },
    });
    assert.equal(short.statusCode, 400);
    assert.ok(problemOf(short).errors?.some((e) => e.field.includes('new_password')));
    const bad = await env.app.inject({
      method: 'POST',
      url: CONFIRM,
      payload: { token: 'not a token!', new_password: 'long enough 1' },
    });
    assert.equal(bad.statusCode, 400);
    assert.ok(problemOf(bad).errors?.some((e) => e.field.includes('token')));
  });

  test('when one address asks many times, then at most 3 links go out per 30 minutes', async () => {
    const { env, deliver } = mail();
    const s = await registerUser(env.app, uniqueEmail('flood'));
    for (let i = 0; i < 5; i++) await askReset(s.email);
    await deliver();
    assert.equal(resetMails(s.email).length, 3);
    env.clock.advance(30 * 60_000);
    await askReset(s.email);
    await deliver();
    assert.equal(resetMails(s.email).length, 4);
  });

  test('when a client asks too often, then the auth rate limit answers 429 as for login', async () => {
    const { env } = mail();
    const app = await env.newApp({ AUTH_RATE_LIMIT_MAX: '2' });
    const ask = () => app.inject({ method: 'POST', url: RESET, payload: { email: uniqueEmail('rl') } });
    assert.equal((await ask()).statusCode, 202);
    assert.equal((await ask()).statusCode, 202);
    const third = await ask();
    assert.equal(third.statusCode, 429);
    assert.equal(problemOf(third).status, 429);
    const confirm = await app.inject({
      method: 'POST',
      url: CONFIRM,
      payload: { token: 'x'.repeat(43), new_password: 'long enough 1' },
    });
    assert.equal(confirm.statusCode, 429, 'one budget for all the auth routes');
  });
});
