/**
 * Access-token trust: tampered, unsigned, forged, expired and orphaned JWTs are refused; a suspension or
 * deletion takes effect on the very next request; the role always comes from the database.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { currentUser } from '../../../src/plugins/auth.js';
import { newId } from '../../../src/lib/ids.js';
import { adminSession, forEachDialect, problemOf, registerUser, testConfig } from '../../helper.js';

const ME = '/api/v1/users/me';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A JWT built by hand: any header, any claims, signed with `secret` (HS256) or unsigned. */
function craftJwt(claims: Record<string, unknown>, secret: string | null, alg = 'HS256'): string {
  const unsigned = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`;
  const signature = secret ? createHmac('sha256', secret).update(unsigned).digest('base64url') : '';
  return `${unsigned}.${signature}`;
}

const nowS = () => Math.floor(Date.now() / 1000);

/** The session (`sid`) of a real access token: a crafted token must name a live session to pass. */
const sidOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sid: string }).sid;

/** A write made outside the services (straight to the table) is published like theirs would be. */
const published = (app: FastifyInstance, id: string) => app.ctx.sessions.events.user(id);

function me(app: FastifyInstance, token: string) {
  return app.inject({ method: 'GET', url: ME, headers: { authorization: `Bearer ${token}` } });
}

function assertInvalidToken(res: Awaited<ReturnType<typeof me>>): void {
  assert.equal(res.statusCode, 401, res.body);
  assert.equal(res.headers['www-authenticate'], 'Bearer');
  assert.equal(problemOf(res).code, 'INVALID_TOKEN');
}

forEachDialect('auth: access tokens', ({ env }) => {
  const secret = () => env().config.JWT_SECRET ?? '';

  test('when a token is crafted with the server secret, then it is accepted (the crafting is sound)', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const claims = { sub: s.id, sid: sidOf(s.access), iat: nowS(), exp: nowS() + 60 };
    const res = await me(app, craftJwt(claims, secret()));
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().id, s.id);
  });

  test('when the signature is made with another secret, then 401 INVALID_TOKEN', async () => {
    const { app } = env();
    const s = await registerUser(app);
    assertInvalidToken(
      await me(app, craftJwt({ sub: s.id, sid: 'x', exp: nowS() + 60 }, 'another-secret-0123')),
    );
  });

  test('when the payload of a real token is swapped for another user, then 401 INVALID_TOKEN', async () => {
    const { app } = env();
    const victim = await registerUser(app);
    const attacker = await registerUser(app);
    const [head, , signature] = attacker.access.split('.');
    const forged = `${head}.${b64({ sub: victim.id, sid: 'x', iat: nowS(), exp: nowS() + 60 })}.${signature}`;
    assertInvalidToken(await me(app, forged));
  });

  test('when the token says alg none and carries no signature, then 401 INVALID_TOKEN', async () => {
    const { app } = env();
    const s = await registerUser(app);
    assertInvalidToken(await me(app, craftJwt({ sub: s.id, sid: 'x', exp: nowS() + 60 }, null, 'none')));
  });

  test('when the token is past its exp, then 401 INVALID_TOKEN', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const expired = craftJwt({ sub: s.id, sid: 'x', iat: nowS() - 1000, exp: nowS() - 10 }, secret());
    assertInvalidToken(await me(app, expired));
  });

  test('when a token signed with the server secret carries no exp, then 401 INVALID_TOKEN', async () => {
    const { app } = env();
    const s = await registerUser(app);
    assertInvalidToken(await me(app, craftJwt({ sub: s.id, sid: 'x', iat: nowS() }, secret())));
  });

  test('when a token claims role admin, then /users/me still reports the stored role', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const forged = craftJwt({ sub: s.id, sid: sidOf(s.access), role: 'admin', exp: nowS() + 60 }, secret());
    const res = await me(app, forged);
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().role, 'user');
  });

  test('when the token names a user that never existed, then 401 INVALID_TOKEN', async () => {
    assertInvalidToken(await me(env().app, craftJwt({ sub: newId(), sid: 'x', exp: nowS() + 60 }, secret())));
  });

  test('when the user is deleted, then the live token answers 401 at once', async () => {
    const { app } = env();
    const s = await registerUser(app);
    assert.equal((await me(app, s.access)).statusCode, 200);
    await app.ctx.db.updateTable('users').set({ status: 'deleted' }).where('id', '=', s.id).execute();
    await published(app, s.id);
    assertInvalidToken(await me(app, s.access));
  });

  test('when the user is suspended in the database, then the live token answers 403 at once', async () => {
    const { app } = env();
    const s = await registerUser(app);
    assert.equal((await me(app, s.access)).statusCode, 200);
    await app.ctx.db.updateTable('users').set({ status: 'suspended' }).where('id', '=', s.id).execute();
    await published(app, s.id);
    const res = await me(app, s.access);
    assert.equal(res.statusCode, 403);
    assert.equal(problemOf(res).code, 'ACCOUNT_SUSPENDED');
  });

  test('when the Authorization header is not a bearer token, then 401 UNAUTHENTICATED', async () => {
    const { app } = env();
    const s = await registerUser(app);
    for (const authorization of [`Basic ${s.access}`, 'Bearer', `Bearer ${s.access} extra`]) {
      const res = await app.inject({ method: 'GET', url: ME, headers: { authorization } });
      assert.equal(res.statusCode, 401, authorization);
      assert.equal(problemOf(res).code, 'UNAUTHENTICATED');
    }
  });
});

forEachDialect('auth: requireAdmin guard', ({ env }) => {
  let app: FastifyInstance;
  before(async () => {
    const e = env();
    app = await buildApp(testConfig(e.url), { database: e.database, clock: e.clock });
    app.get('/test/admin-only', { onRequest: app.requireAdmin }, async (request) => ({
      id: currentUser(request).id,
    }));
    await app.ready();
  });
  after(async () => app?.close());

  test('when a user forges an admin role claim, then the admin guard answers 403 FORBIDDEN', async () => {
    const s = await registerUser(app);
    const forged = craftJwt(
      { sub: s.id, sid: sidOf(s.access), role: 'admin', exp: nowS() + 60 },
      env().config.JWT_SECRET ?? '',
    );
    const res = await app.inject({
      method: 'GET',
      url: '/test/admin-only',
      headers: { authorization: `Bearer ${forged}` },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(problemOf(res).code, 'FORBIDDEN');
  });

  test('when a stored admin calls, then the admin guard lets the request through', async () => {
    const admin = await adminSession(app);
    const res = await app.inject({ method: 'GET', url: '/test/admin-only', headers: admin.headers });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().id, admin.id);
  });

  test('when an admin is demoted in the database, then the same token is refused at once', async () => {
    const admin = await adminSession(app);
    await app.ctx.db.updateTable('users').set({ role: 'user' }).where('id', '=', admin.id).execute();
    await published(app, admin.id);
    const res = await app.inject({ method: 'GET', url: '/test/admin-only', headers: admin.headers });
    assert.equal(res.statusCode, 403);
  });
});
