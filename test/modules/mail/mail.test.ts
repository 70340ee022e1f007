import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transaction } from '../../../src/db/index.js';
import { composeMail } from '../../../src/modules/mail/compose.js';
import { mailRepo } from '../../../src/modules/mail/repository.js';
import { newId } from '../../../src/lib/ids.js';
import { SEND_LEASE_MS } from '../../../src/modules/mail/worker.js';
import { adminSession, registerUser, uniqueEmail } from '../../helper.js';
import { forEachDialectWithSmtp } from './harness.js';

const someone = (email: string) => ({
  id: newId(),
  email,
  full_name: 'Sam',
  status: 'active' as const,
  email_notifications: 1,
});

forEachDialectWithSmtp('mail outbox and worker', ({ mail }) => {
  test('when the same mail is queued twice, then the SMTP server receives it once, with its recipient, subject and text', async () => {
    const { env, deliver, mailsTo } = mail();
    const to = uniqueEmail('once');
    const m = composeMail(
      someone(to),
      { kind: 'password_changed' },
      'cause-1:password_changed',
      env.clock.now(),
    );
    assert.equal(await transaction(env.db, (tx) => mailRepo.enqueue(tx, m!)), true);
    assert.equal(await transaction(env.db, (tx) => mailRepo.enqueue(tx, m!)), false);
    await deliver();
    await deliver();
    const got = mailsTo(to);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.subject, 'Your password was changed');
    assert.equal(got[0]!.from, 'hello@kswifi.test');
    assert.match(got[0]!.text, /^Hello Sam,\n\nThe password of your KSWiFi account was just changed\./);
    assert.match(got[0]!.html, /<p>Hello Sam,<\/p>/);
  });

  test('when the transaction that queued a mail rolls back, then no mail is sent', async () => {
    const { env, deliver, mailsTo } = mail();
    const to = uniqueEmail('rollback');
    const m = composeMail(
      someone(to),
      { kind: 'account_suspended' },
      `${to}:account_suspended`,
      env.clock.now(),
    );
    await assert.rejects(
      transaction(env.db, async (tx) => {
        await mailRepo.enqueue(tx, m!);
        throw new Error('roll back');
      }),
      /roll back/,
    );
    await deliver();
    assert.equal(mailsTo(to).length, 0);
  });

  test('when the SMTP server refuses twice then accepts, then the mail arrives once after the retries', async () => {
    const { env, smtp, deliver, mailsTo } = mail();
    await deliver(); // nothing else pending
    const to = uniqueEmail('retry');
    const m = composeMail(
      someone(to),
      { kind: 'password_changed' },
      `${to}:password_changed`,
      env.clock.now(),
    );
    await transaction(env.db, (tx) => mailRepo.enqueue(tx, m!));
    smtp.refuseNext(2);
    assert.deepEqual(await deliver(), { sent: 0, retried: 1, failed: 0 });
    assert.deepEqual(await deliver(), { sent: 0, retried: 0, failed: 0 }, 'not due before its delay');
    env.clock.advance(1000);
    assert.deepEqual(await deliver(), { sent: 0, retried: 1, failed: 0 });
    env.clock.advance(1000);
    assert.deepEqual(await deliver(), { sent: 1, retried: 0, failed: 0 });
    assert.equal(mailsTo(to).length, 1);
    const [row] = await mailRepo.list(env.db, { limit: 1 });
    assert.equal(row?.recipient, to);
    assert.equal(row?.status, 'sent');
    assert.equal(row?.attempts, 3);
  });

  test('when the SMTP server keeps refusing, then after the last retry the mail is failed and the admins alerted', async () => {
    const { env, smtp, deliver, mailsTo } = mail();
    await deliver();
    const to = uniqueEmail('failed');
    const m = composeMail(
      someone(to),
      { kind: 'password_changed' },
      `${to}:password_changed`,
      env.clock.now(),
    );
    await transaction(env.db, (tx) => mailRepo.enqueue(tx, m!));
    smtp.refuseNext(3);
    assert.equal((await deliver()).retried, 1);
    env.clock.advance(1000);
    assert.equal((await deliver()).retried, 1);
    env.clock.advance(1000);
    assert.equal((await deliver()).failed, 1);
    env.clock.advance(60_000);
    assert.deepEqual(await deliver(), { sent: 0, retried: 0, failed: 0 });
    assert.equal(mailsTo(to).length, 0);
    const admin = await adminSession(env.app);
    const res = await env.app.inject({
      method: 'GET',
      url: '/api/v1/admin/alerts?kind=mail.failed',
      headers: admin.headers,
    });
    const alerts = res.json<{ items: { message: string; ref_type: string }[] }>().items;
    const mine = alerts.filter((a) => a.message.includes(to));
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.ref_type, 'mail');
    assert.match(mine[0]!.message, /could not be sent after 3 tries/);
  });

  test('when the SMTP server refuses for good (5xx), then the mail fails at once, without retries', async () => {
    const { env, smtp, deliver, mailsTo } = mail();
    await deliver();
    const to = uniqueEmail('bounce');
    const m = composeMail(
      someone(to),
      { kind: 'password_changed' },
      `${to}:password_changed`,
      env.clock.now(),
    );
    await transaction(env.db, (tx) => mailRepo.enqueue(tx, m!));
    smtp.refuseNext(1, 550);
    assert.deepEqual(await deliver(), { sent: 0, retried: 0, failed: 1 });
    env.clock.advance(60_000);
    assert.deepEqual(await deliver(), { sent: 0, retried: 0, failed: 0 });
    assert.equal(mailsTo(to).length, 0);
    const [row] = await mailRepo.list(env.db, { limit: 1 });
    assert.equal(row?.recipient, to);
    assert.equal(row?.status, 'failed');
    assert.match(row?.last_error ?? '', /550/);
  });

  test('when a worker died after claiming a mail, then it is sent once its lease has run out', async () => {
    const { env, deliver, mailsTo } = mail();
    await deliver();
    const to = uniqueEmail('crash');
    const m = composeMail(
      someone(to),
      { kind: 'password_changed' },
      `${to}:password_changed`,
      env.clock.now(),
    );
    await transaction(env.db, (tx) => mailRepo.enqueue(tx, m!));
    // a worker claims it and dies before sending (nothing marks it sent or failed)
    const claimed = await transaction(env.db, (tx) =>
      mailRepo.claimDue(tx, env.clock.now(), 20, SEND_LEASE_MS),
    );
    assert.ok(claimed.some((c) => c.recipient === to));
    assert.equal((await deliver()).sent, 0, 'still leased to the dead worker');
    env.clock.advance(SEND_LEASE_MS);
    assert.equal((await deliver()).sent, 1);
    assert.equal(mailsTo(to).length, 1);
  });

  test('when a worker runs in a second instance, then it sends what the first queued, once', async () => {
    const { env, mailsTo } = mail();
    const other = await env.newApp();
    const to = uniqueEmail('instance');
    const m = composeMail(
      someone(to),
      { kind: 'password_changed' },
      `${to}:password_changed`,
      env.clock.now(),
    );
    await transaction(env.db, (tx) => mailRepo.enqueue(tx, m!));
    await Promise.all([other.services.mail.worker.runOnce(), env.app.services.mail.worker.runOnce()]);
    assert.equal(mailsTo(to).length, 1);
  });

  test('when the worker is started, then it sends queued mail by itself', async () => {
    const { env, smtp } = mail();
    const other = await env.newApp();
    const user = await registerUser(env.app, uniqueEmail('started'));
    other.services.mail.worker.start(20);
    try {
      await smtp.waitFor(smtp.mails.length + 1);
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      await other.services.mail.worker.stop();
    }
    assert.equal(smtp.mails.filter((x) => x.to.includes(user.email)).length, 1);
  });
});
