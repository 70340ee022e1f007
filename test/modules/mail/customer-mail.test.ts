import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transaction } from '../../../src/db/index.js';
import type { OutboxEvent } from '../../../src/modules/mail/events.js';
import { adminSession, registerUser, uniqueEmail } from '../../helper.js';
import { forEachDialectWithSmtp } from './harness.js';

let seq = 0;
function usageEvent(userId: string, packId: string, threshold: number): OutboxEvent {
  seq += 1;
  return {
    id: `evt-${process.pid}-${seq}`,
    type: 'pack.usage_threshold',
    occurredAt: new Date(),
    userId,
    payload: { pack_id: packId, pack_name: 'Europe 5 GB', threshold, used_bytes: 4e9, remaining_bytes: 1e9 },
  };
}

forEachDialectWithSmtp('customer e-mails', ({ mail }) => {
  test('when a usage event is consumed (twice), then the user receives the 80 % mail once', async () => {
    const { env, deliver, mailsTo } = mail();
    const s = await registerUser(env.app, uniqueEmail('usage'), 'correct horse 1', 'Anna');
    const event = usageEvent(s.id, `pack-${s.id}`, 80);
    const { mail: svc } = env.app.services;
    assert.equal(await transaction(env.db, (tx) => svc.onEvent(tx, event)), true);
    assert.equal(await transaction(env.db, (tx) => svc.onEvent(tx, event)), false, 'redelivered event');
    await deliver();
    const got = mailsTo(s.email).filter((m) => m.subject.includes('80 %'));
    assert.equal(got.length, 1);
    assert.equal(got[0]!.subject, 'You have used 80 % of your Europe 5 GB pack');
    assert.match(
      got[0]!.text,
      /^Hello Anna,\n\nYou have used 80 % of your Europe 5 GB pack\. You have 1 GB left\./,
    );
  });

  test('when the user turns usage e-mails off, then /me shows it and usage mails stop, account mails still go', async () => {
    const { env, deliver, mailsTo } = mail();
    const s = await registerUser(env.app, uniqueEmail('optout'));
    const me = await env.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: s.headers });
    assert.equal(me.json<{ email_notifications: boolean }>().email_notifications, true);
    const patch = await env.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: s.headers,
      payload: { email_notifications: false },
    });
    assert.equal(patch.statusCode, 200, patch.body);
    assert.equal(patch.json<{ email_notifications: boolean }>().email_notifications, false);
    const again = await env.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: s.headers });
    assert.equal(again.json<{ email_notifications: boolean }>().email_notifications, false);

    const { mail: svc } = env.app.services;
    const pack = `pack-${s.id}`;
    assert.equal(await transaction(env.db, (tx) => svc.onEvent(tx, usageEvent(s.id, pack, 80))), false);
    assert.equal(await transaction(env.db, (tx) => svc.onEvent(tx, usageEvent(s.id, pack, 100))), false);
    const suspended: OutboxEvent = {
      id: `evt-susp-${s.id}`,
      type: 'user.suspended',
      occurredAt: new Date(),
      userId: s.id,
      payload: {},
    };
    assert.equal(await transaction(env.db, (tx) => svc.onEvent(tx, suspended)), true);
    await deliver();
    const subjects = mailsTo(s.email).map((m) => m.subject);
    assert.ok(!subjects.some((x) => x.includes('You have used')), subjects.join(' | '));
    assert.ok(subjects.includes('Your account is suspended'), subjects.join(' | '));
  });

  test('when the user changes the password, then a "password changed" mail arrives once', async () => {
    const { env, deliver, mailsTo } = mail();
    const s = await registerUser(env.app, uniqueEmail('pwchange'));
    const res = await env.app.inject({
      method: 'POST',
      url: '/api/v1/users/me/password',
      headers: s.headers,
      payload: { current_password: s.password, new_password: 'another horse 2' },
    });
    assert.equal(res.statusCode, 204, res.body);
    await deliver();
    await deliver();
    assert.equal(mailsTo(s.email).filter((m) => m.subject === 'Your password was changed').length, 1);
  });

  test('when an admin suspends an account, then its owner gets one "account suspended" mail', async () => {
    const { env, deliver, mailsTo } = mail();
    const admin = await adminSession(env.app);
    const s = await registerUser(env.app, uniqueEmail('suspend'));
    const patch = (status: string) =>
      env.app.inject({
        method: 'PATCH',
        url: `/api/v1/admin/users/${s.id}`,
        headers: admin.headers,
        payload: { status, reason: 'test' },
      });
    assert.equal((await patch('suspended')).statusCode, 200);
    assert.equal((await patch('suspended')).statusCode, 200, 'suspending again changes nothing');
    await deliver();
    const got = mailsTo(s.email).filter((m) => m.subject === 'Your account is suspended');
    assert.equal(got.length, 1);
    assert.match(got[0]!.text, /has been suspended, so you cannot sign in for now/);
  });
});
