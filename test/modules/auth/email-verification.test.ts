import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminSession, problemOf, registerUser, uniqueEmail, type Session } from '../../helper.js';
import { createPlan } from '../../fixtures/packs.js';
import { APP_URL, forEachDialectWithSmtp } from '../mail/harness.js';

const VERIFY = '/api/v1/auth/verify-email';
const RESEND = '/api/v1/auth/verify-email/resend';
const SUBJECT = 'Please confirm your e-mail address';

forEachDialectWithSmtp('e-mail verification', ({ mail }) => {
  async function linkTokens(to: string): Promise<string[]> {
    await mail().deliver();
    return mail()
      .mailsTo(to)
      .filter((m) => m.subject === SUBJECT)
      .map((m) => /#token=([A-Za-z0-9_-]+)/.exec(m.text)?.[1] ?? '');
  }
  const me = async (s: Session) =>
    (await mail().env.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: s.headers })).json<{
      email_verified_at: string | null;
    }>();
  const verify = (token: string) =>
    mail().env.app.inject({ method: 'POST', url: VERIFY, payload: { token } });

  test('when a user signs up, then a link arrives; it confirms the address once, and users and admins see it', async () => {
    const { env, mailsTo } = mail();
    const s = await registerUser(env.app, uniqueEmail('signup'));
    const [token] = await linkTokens(s.email);
    assert.ok(token);
    assert.match(mailsTo(s.email)[0]!.text, new RegExp(`${APP_URL}/verify-email#token=${token}`));
    assert.equal((await me(s)).email_verified_at, null, 'unverified, yet signed in and browsing');

    const ok = await verify(token);
    assert.equal(ok.statusCode, 200, ok.body);
    const at = ok.json<{ email_verified_at: string }>().email_verified_at;
    assert.equal(at, new Date(env.clock.now()).toISOString());
    assert.equal((await me(s)).email_verified_at, at);
    const admin = await adminSession(env.app);
    const detail = await env.app.inject({
      method: 'GET',
      url: `/api/v1/admin/users/${s.id}`,
      headers: admin.headers,
    });
    assert.equal(detail.json<{ email_verified_at: string }>().email_verified_at, at);
    const list = await env.app.inject({
      method: 'GET',
      url: `/api/v1/admin/users?query=${encodeURIComponent(s.email)}`,
      headers: admin.headers,
    });
    assert.equal(list.json<{ items: { email_verified_at: string }[] }>().items[0]?.email_verified_at, at);

    const again = await verify(token);
    assert.equal(again.statusCode, 400);
    assert.equal(problemOf(again).code, 'INVALID_VERIFICATION_TOKEN');
    assert.equal(problemOf(again).errors?.[0]?.field, 'token');
  });

  test('when the link is older than 48 hours, then it is refused and a new one can be asked for', async () => {
    const { env } = mail();
    const s = await registerUser(env.app, uniqueEmail('late'));
    const [old] = await linkTokens(s.email);
    env.clock.advance(48 * 3_600_000);
    assert.equal((await verify(old!)).statusCode, 400);
    const resend = await env.app.inject({ method: 'POST', url: RESEND, headers: s.headers });
    assert.equal(resend.statusCode, 202, resend.body);
    const tokens = await linkTokens(s.email);
    assert.equal(tokens.length, 2);
    assert.equal((await verify(tokens[1]!)).statusCode, 200);
    const after = await env.app.inject({ method: 'POST', url: RESEND, headers: s.headers });
    assert.equal(after.statusCode, 409);
    assert.equal(problemOf(after).code, 'EMAIL_ALREADY_VERIFIED');
  });

  test('when resend is asked without a token, then 401', async () => {
    const res = await mail().env.app.inject({ method: 'POST', url: RESEND });
    assert.equal(res.statusCode, 401);
  });

  test('when REQUIRE_VERIFIED_EMAIL_TO_BUY is on, then an unverified account gets a clear 403, a verified one buys', async () => {
    const { env } = mail();
    const admin = await adminSession(env.app);
    const plan = await createPlan(env.app, admin);
    const strict = await env.newApp({ REQUIRE_VERIFIED_EMAIL_TO_BUY: 'true' });
    const s = await registerUser(strict, uniqueEmail('buyer'));
    const buy = () =>
      strict.inject({
        method: 'POST',
        url: '/api/v1/packs',
        headers: s.headers,
        payload: { plan_id: plan.id },
      });
    const refused = await buy();
    assert.equal(refused.statusCode, 403, refused.body);
    const p = problemOf(refused);
    assert.equal(p.code, 'EMAIL_NOT_VERIFIED');
    assert.match(p.detail, /confirm your e-mail address/);
    const browse = await strict.inject({ method: 'GET', url: '/api/v1/packs', headers: s.headers });
    assert.equal(browse.statusCode, 200, 'browsing stays open');

    const [token] = await linkTokens(s.email);
    const verified = await strict.inject({ method: 'POST', url: VERIFY, payload: { token } });
    assert.equal(verified.statusCode, 200);
    const bought = await buy();
    assert.equal(bought.statusCode, 201, `after verification: ${bought.body}`);

    // off (the default): an unverified account buys
    const other = await registerUser(env.app, uniqueEmail('free-buyer'));
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/packs',
      headers: other.headers,
      payload: { plan_id: plan.id },
    });
    assert.equal(res.statusCode, 201, `without the setting: ${res.body}`);
  });
});
