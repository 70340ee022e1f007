/**
 * /api/v1/users/me: read, profile edit (no mass assignment), password change (other sessions revoked),
 * and the admin bootstrap service behind ADMIN_EMAIL and the CLI.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { hashAdminPassword } from '../../../src/modules/users/bootstrap.js';
import { forEachDialect, problemOf, registerUser, uniqueEmail, type Session } from '../../helper.js';

const ME = '/api/v1/users/me';
const PASSWORD = '/api/v1/users/me/password';

function userRow(app: FastifyInstance, id: string) {
  return app.ctx.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

function login(app: FastifyInstance, email: string, password: string) {
  return app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
}

function refresh(app: FastifyInstance, token: string) {
  return app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: token } });
}

function changePassword(app: FastifyInstance, s: Session, current: string, next: string) {
  return app.inject({
    method: 'POST',
    url: PASSWORD,
    headers: s.headers,
    payload: { current_password: current, new_password: next },
  });
}

forEachDialect('users: me and profile', ({ env }) => {
  test('when the caller reads /me, then exactly the public fields answer', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const res = await app.inject({ method: 'GET', url: ME, headers: s.headers });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), [
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
    ]);
    assert.equal(body.id, s.id);
    assert.equal(body.role, 'user');
    assert.equal(body.status, 'active');
  });

  test('when the caller edits full_name and phone_number, then both are stored and answered', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const res = await app.inject({
      method: 'PATCH',
      url: ME,
      headers: s.headers,
      payload: { full_name: '  Grace Hopper ', phone_number: '+1 (555) 010-9999' },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().full_name, 'Grace Hopper');
    const row = await userRow(app, s.id);
    assert.equal(row.full_name, 'Grace Hopper');
    assert.equal(row.phone_number, '+1 (555) 010-9999');
  });

  test('when the caller sets a field to null, then it is cleared and the others are kept', async () => {
    const { app } = env();
    const s = await registerUser(app);
    await app.inject({
      method: 'PATCH',
      url: ME,
      headers: s.headers,
      payload: { full_name: 'A', phone_number: '12345' },
    });
    const res = await app.inject({
      method: 'PATCH',
      url: ME,
      headers: s.headers,
      payload: { phone_number: null },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().phone_number, null);
    assert.equal(res.json().full_name, 'A');
  });

  for (const [field, value] of [
    ['role', 'admin'],
    ['status', 'active'],
    ['email', 'someone.else@example.test'],
    ['id', '01900000-0000-7000-8000-000000000000'],
    ['password_hash', '$2b$04$abcdefghijklmnopqrstuv'],
  ] as const) {
    test(`when the caller tries to set ${field}, then 400 names body.${field} and nothing changes`, async () => {
      const { app } = env();
      const s = await registerUser(app);
      const before = await userRow(app, s.id);
      const res = await app.inject({
        method: 'PATCH',
        url: ME,
        headers: s.headers,
        payload: { full_name: 'Mallory', [field]: value },
      });
      assert.equal(res.statusCode, 400);
      const problem = problemOf(res);
      assert.equal(problem.code, 'VALIDATION_FAILED');
      assert.deepEqual(
        problem.errors?.map((e) => e.field),
        [`body.${field}`],
      );
      assert.deepEqual(await userRow(app, s.id), before);
    });
  }

  test('when the phone number is malformed, then 400 names body.phone_number', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const res = await app.inject({
      method: 'PATCH',
      url: ME,
      headers: s.headers,
      payload: { phone_number: 'abc' },
    });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(
      problemOf(res).errors?.map((e) => e.field),
      ['body.phone_number'],
    );
  });

  test('when /me is called without a token, then every method answers 401', async () => {
    const { app } = env();
    for (const method of ['GET', 'PATCH'] as const) {
      const res = await app.inject({ method, url: ME, payload: method === 'PATCH' ? {} : undefined });
      assert.equal(res.statusCode, 401, method);
    }
    const res = await app.inject({ method: 'POST', url: PASSWORD, payload: {} });
    assert.equal(res.statusCode, 401, 'authentication comes before validation');
  });
});

forEachDialect('users: password change', ({ env }) => {
  test('when the password changes, then other sessions are revoked and the current one is kept', async () => {
    const { app } = env();
    const current = await registerUser(app);
    const other = (await login(app, current.email, current.password)).json().tokens.refresh_token as string;
    const res = await changePassword(app, current, current.password, 'brand new pass 2');
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');

    const otherAfter = await refresh(app, other);
    assert.equal(otherAfter.statusCode, 401);
    assert.equal(problemOf(otherAfter).code, 'INVALID_TOKEN');
    assert.equal((await refresh(app, current.refresh)).statusCode, 200, 'the current session lives on');

    assert.equal((await login(app, current.email, current.password)).statusCode, 401);
    assert.equal((await login(app, current.email, 'brand new pass 2')).statusCode, 200);
  });

  test('when the current session was refreshed before, then it is still the one kept', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const tokens = (await refresh(app, s.refresh)).json().tokens;
    const rotated: Session = { ...s, headers: { authorization: `Bearer ${tokens.access_token}` } };
    assert.equal((await changePassword(app, rotated, s.password, 'brand new pass 3')).statusCode, 204);
    assert.equal((await refresh(app, tokens.refresh_token)).statusCode, 200);
  });

  test('when the current password is wrong, then 401 INVALID_CREDENTIALS and nothing changes', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const before = await userRow(app, s.id);
    const res = await changePassword(app, s, 'not my password', 'brand new pass 4');
    assert.equal(res.statusCode, 401);
    assert.equal(problemOf(res).code, 'INVALID_CREDENTIALS');
    assert.equal((await userRow(app, s.id)).password_hash, before.password_hash);
    assert.equal((await refresh(app, s.refresh)).statusCode, 200, 'no session was revoked');
  });

  test('when the new password is too short, then 400 names body.new_password', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const res = await changePassword(app, s, s.password, 'short');
    assert.equal(res.statusCode, 400);
    assert.deepEqual(
      problemOf(res).errors?.map((e) => e.field),
      ['body.new_password'],
    );
  });
});

forEachDialect('users: admin bootstrap', ({ env }) => {
  test('when ensureAdmin runs twice for one email, then one admin row exists', async () => {
    const { app } = env();
    const email = uniqueEmail('boot');
    const first = await app.services.users.ensureAdmin(email.toUpperCase(), 'admin password 1', false);
    const second = await app.services.users.ensureAdmin(email, 'admin password 1', false);
    assert.equal(first.created, true);
    assert.equal(second.created, false);
    assert.equal(second.user.id, first.user.id);
    const rows = await app.ctx.db.selectFrom('users').selectAll().where('email', '=', email).execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.role, 'admin');
    assert.equal((await login(app, email, 'admin password 1')).json().user.role, 'admin');
  });

  test('when the email belongs to a suspended user, then ensureAdmin promotes and re-activates it', async () => {
    const { app } = env();
    const s = await registerUser(app);
    await app.ctx.db.updateTable('users').set({ status: 'suspended' }).where('id', '=', s.id).execute();
    const { user, created } = await app.services.users.ensureAdmin(s.email, 'ignored password', false);
    assert.equal(created, false);
    assert.equal(user.id, s.id);
    assert.equal(user.role, 'admin');
    assert.equal(user.status, 'active');
    assert.equal((await login(app, s.email, s.password)).statusCode, 200, 'the password is kept');
  });

  test('when ensureAdmin is handed a hash already under way, then the new admin gets exactly that hash', async () => {
    const { app } = env();
    const email = uniqueEmail('boot-ahead');
    const ahead = hashAdminPassword(app.ctx.config, 'admin password 2');
    const { created } = await app.services.users.ensureAdmin(email, 'admin password 2', false, ahead);
    assert.equal(created, true);
    const row = await app.ctx.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirst();
    assert.equal(row?.password_hash, await ahead);
    assert.equal((await login(app, email, 'admin password 2')).json().user.role, 'admin');
    // an existing admin: the hash is not needed and the stored one stays
    const again = await app.services.users.ensureAdmin(
      email,
      'admin password 2',
      false,
      Promise.resolve('x'),
    );
    assert.equal(again.created, false);
    const kept = await app.ctx.db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', email)
      .executeTakeFirst();
    assert.equal(kept?.password_hash, row?.password_hash);
  });
});
