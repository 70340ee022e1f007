/**
 * /api/v1/auth: register, login and the OAuth2 token form, with their error cases.
 * Sessions (refresh, logout), token tampering and login throttling have their own files.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { forEachDialect, problemOf, registerUser, uniqueEmail } from '../../helper.js';

const REGISTER = '/api/v1/auth/register';
const LOGIN = '/api/v1/auth/login';
const TOKEN = '/api/v1/auth/token';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const USER_FIELDS = [
  'created_at',
  'email',
  'email_notifications',
  'email_verified_at',
  'full_name',
  'id',
  'last_login_at',
  'phone_number',
  'role',
  'status',
].sort();

function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function fieldsOf(res: { json: () => unknown }): string[] {
  const body = res.json() as { errors?: { field: string }[] };
  return (body.errors ?? []).map((e) => e.field);
}

async function usersWithEmail(app: FastifyInstance, email: string): Promise<number> {
  const rows = await app.ctx.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email.toLowerCase())
    .execute();
  return rows.length;
}

forEachDialect('auth: register', ({ env }) => {
  test('when a new email registers, then 201 answers the user and a bearer token pair', async () => {
    const { app } = env();
    const email = uniqueEmail('Reg').replace('reg', 'REG');
    const res = await app.inject({
      method: 'POST',
      url: REGISTER,
      payload: {
        email: `  ${email} `,
        password: 'long enough 1',
        full_name: ' Ada ',
        phone_number: '+44 20 7946 0000',
      },
    });
    assert.equal(res.statusCode, 201);
    const { user, tokens } = res.json();
    assert.deepEqual(Object.keys(user).sort(), USER_FIELDS);
    assert.equal(user.email, email.toLowerCase());
    assert.equal(user.full_name, 'Ada');
    assert.equal(user.phone_number, '+44 20 7946 0000');
    assert.equal(user.role, 'user');
    assert.equal(user.status, 'active');
    assert.match(user.created_at, /Z$/);
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.expires_in, 900);
    assert.equal(tokens.access_token.split('.').length, 3);
    assert.ok(tokens.refresh_token.length >= 32);

    const row = await app.ctx.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.match(row.password_hash, /^\$2b\$04\$/, 'bcrypt at the configured cost');
    assert.ok(!row.password_hash.includes('long enough 1'));
    const stored = await app.ctx.db
      .selectFrom('refresh_tokens')
      .select('token_hash')
      .where('user_id', '=', user.id)
      .execute();
    assert.equal(stored.length, 1);
    assert.notEqual(
      stored[0]!.token_hash,
      tokens.refresh_token,
      'only a hash of the refresh token is stored',
    );
  });

  test('when the email is taken in another letter case, then 409 EMAIL_TAKEN and still one row', async () => {
    const { app } = env();
    const email = uniqueEmail('taken');
    await registerUser(app, email);
    const res = await app.inject({
      method: 'POST',
      url: REGISTER,
      payload: { email: email.toUpperCase(), password: 'another pass 1' },
    });
    assert.equal(res.statusCode, 409);
    assert.equal(problemOf(res).code, 'EMAIL_TAKEN');
    assert.equal(await usersWithEmail(app, email), 1);
  });

  test('when several fields are invalid, then 400 VALIDATION_FAILED lists every one of them', async () => {
    const res = await env().app.inject({
      method: 'POST',
      url: REGISTER,
      payload: { email: 'not-an-email', password: 'short', phone_number: 'call me', full_name: '' },
    });
    assert.equal(res.statusCode, 400);
    const problem = problemOf(res);
    assert.equal(problem.code, 'VALIDATION_FAILED');
    const fields = fieldsOf(res);
    for (const f of ['body.email', 'body.password', 'body.phone_number', 'body.full_name']) {
      assert.ok(fields.includes(f), `${f} listed in ${fields.join(', ')}`);
    }
  });

  test('when email and password are missing, then 400 names both as required', async () => {
    const res = await env().app.inject({ method: 'POST', url: REGISTER, payload: {} });
    assert.equal(res.statusCode, 400);
    const errors = problemOf(res).errors ?? [];
    assert.deepEqual(errors.map((e) => `${e.field} ${e.message}`).sort(), [
      'body.email is required',
      'body.password is required',
    ]);
  });

  test('when the password is over 128 characters, then 400 names body.password', async () => {
    const res = await env().app.inject({
      method: 'POST',
      url: REGISTER,
      payload: { email: uniqueEmail(), password: 'x'.repeat(129) },
    });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(fieldsOf(res), ['body.password']);
  });

  test('when a registration tries to set its role, then 400 names body.role and no account exists', async () => {
    const { app } = env();
    const email = uniqueEmail('massreg');
    const res = await app.inject({
      method: 'POST',
      url: REGISTER,
      payload: { email, password: 'long enough 1', role: 'admin' },
    });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(fieldsOf(res), ['body.role']);
    assert.equal(await usersWithEmail(app, email), 0);
  });

  test('when 20 registrations of one email differing in letter case race, then exactly one wins', async () => {
    const { app } = env();
    const email = uniqueEmail('race');
    const variants = Array.from({ length: 20 }, (_, i) =>
      [...email].map((c, j) => ((i >> (j % 5)) & 1 ? c.toUpperCase() : c)).join(''),
    );
    assert.equal(new Set(variants).size, 20);
    const answers = await Promise.all(
      variants.map((v) =>
        app.inject({ method: 'POST', url: REGISTER, payload: { email: v, password: 'race password 1' } }),
      ),
    );
    const statuses = answers.map((r) => r.statusCode);
    assert.equal(statuses.filter((s) => s === 201).length, 1, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 409).length, 19, statuses.join(','));
    for (const r of answers.filter((a) => a.statusCode === 409))
      assert.equal(problemOf(r).code, 'EMAIL_TAKEN');
    assert.equal(await usersWithEmail(app, email), 1);
  });
});

forEachDialect('auth: login and the token form', ({ env }) => {
  test('when the right password is given, then 200 answers the user and tokens that read /users/me', async () => {
    const { app, clock } = env();
    const s = await registerUser(app);
    clock.advance(60_000);
    const res = await app.inject({
      method: 'POST',
      url: LOGIN,
      payload: { email: ` ${s.email.toUpperCase()} `, password: s.password },
    });
    assert.equal(res.statusCode, 200);
    const { user, tokens } = res.json();
    assert.equal(user.id, s.id);
    assert.equal(user.last_login_at, new Date(clock.now()).toISOString());
    assert.equal(user.password_hash, undefined);
    const me = await app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().id, s.id);
  });

  test('when the email is unknown or the password wrong, then both answer the same 401', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const wrong = await app.inject({
      method: 'POST',
      url: LOGIN,
      payload: { email: s.email, password: 'wrong pass 1' },
    });
    const unknown = await app.inject({
      method: 'POST',
      url: LOGIN,
      payload: { email: uniqueEmail('nobody'), password: s.password },
    });
    for (const res of [wrong, unknown]) {
      assert.equal(res.statusCode, 401);
      assert.equal(res.headers['www-authenticate'], 'Bearer');
    }
    const { request_id: _a, ...a } = problemOf(wrong);
    const { request_id: _b, ...b } = problemOf(unknown);
    assert.equal(a.code, 'INVALID_CREDENTIALS');
    assert.deepEqual(a, b);
  });

  test('when a suspended account logs in with the right password, then 403 ACCOUNT_SUSPENDED', async () => {
    const { app } = env();
    const s = await registerUser(app);
    await app.ctx.db.updateTable('users').set({ status: 'suspended' }).where('id', '=', s.id).execute();
    const res = await app.inject({
      method: 'POST',
      url: LOGIN,
      payload: { email: s.email, password: s.password },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(problemOf(res).code, 'ACCOUNT_SUSPENDED');
  });

  test('when the token form carries the password grant, then 200 answers an OAuth2 token', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const res = await app.inject({
      method: 'POST',
      url: TOKEN,
      headers: FORM,
      payload: form({ grant_type: 'password', username: s.email, password: s.password, scope: '' }),
    });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type']);
    assert.equal(body.token_type, 'bearer');
    const me = await app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    assert.equal(me.json().id, s.id);
  });

  test('when the token form has a wrong password, then 401 INVALID_CREDENTIALS', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const res = await app.inject({
      method: 'POST',
      url: TOKEN,
      headers: FORM,
      payload: form({ username: s.email, password: 'wrong pass 1' }),
    });
    assert.equal(res.statusCode, 401);
    assert.equal(problemOf(res).code, 'INVALID_CREDENTIALS');
  });

  test('when the token form names another grant type, then 400 names body.grant_type', async () => {
    const res = await env().app.inject({
      method: 'POST',
      url: TOKEN,
      headers: FORM,
      payload: form({ grant_type: 'client_credentials', username: 'a@b.example', password: 'whatever 1' }),
    });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(fieldsOf(res), ['body.grant_type']);
  });

  // RFC 6749 4.3.2: the token endpoint takes application/x-www-form-urlencoded; JSON is the wrong media type
  test('when JSON is posted to /token, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const res = await app.inject({
      method: 'POST',
      url: TOKEN,
      payload: { username: s.email, password: s.password },
    });
    assert.equal(res.statusCode, 415);
    assert.equal(problemOf(res).code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  test('when a form is posted to the JSON login, then 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const res = await app.inject({
      method: 'POST',
      url: LOGIN,
      headers: FORM,
      payload: form({ email: s.email, password: s.password }),
    });
    assert.equal(res.statusCode, 415);
    assert.equal(problemOf(res).code, 'UNSUPPORTED_MEDIA_TYPE');
  });
});
