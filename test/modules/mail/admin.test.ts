import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transaction } from '../../../src/db/index.js';
import { composeMail } from '../../../src/modules/mail/compose.js';
import { mailRepo } from '../../../src/modules/mail/repository.js';
import { newId } from '../../../src/lib/ids.js';
import { adminSession, problemOf, registerUser, uniqueEmail } from '../../helper.js';
import { forEachDialectWithSmtp } from './harness.js';

interface MailJson {
  id: string;
  kind: string;
  recipient: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  sent_at: string | null;
}

forEachDialectWithSmtp('admin mail outbox', ({ mail }) => {
  test('when a mail failed, then admins find it, retry it once SMTP works, and it arrives once', async () => {
    const { env, smtp, deliver, mailsTo } = mail();
    const admin = await adminSession(env.app);
    await deliver();
    const to = uniqueEmail('adminretry');
    const m = composeMail(
      { id: newId(), email: to, full_name: null, status: 'active', email_notifications: 1 },
      { kind: 'password_changed' },
      `${to}:password_changed`,
      env.clock.now(),
    );
    await transaction(env.db, (tx) => mailRepo.enqueue(tx, m!));
    smtp.refuseNext(3);
    await deliver();
    env.clock.advance(1000);
    await deliver();
    env.clock.advance(1000);
    assert.equal((await deliver()).failed, 1);

    const get = (url: string) => env.app.inject({ method: 'GET', url, headers: admin.headers });
    const listed = await get('/api/v1/admin/mail?status=failed');
    assert.equal(listed.statusCode, 200, listed.body);
    const failed = listed.json<{ items: MailJson[] }>().items;
    const mine = failed.find((x) => x.recipient === to);
    assert.ok(mine);
    assert.equal(mine.kind, 'password_changed');
    assert.equal(mine.attempts, 3);
    assert.equal(mine.next_attempt_at, null);
    assert.match(mine.last_error ?? '', /451/);
    assert.ok(!('text_body' in mine) && !('html_body' in mine), 'bodies are never shown');

    const retry = (id: string) =>
      env.app.inject({ method: 'POST', url: `/api/v1/admin/mail/${id}/retry`, headers: admin.headers });
    const res = await retry(mine.id);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json<MailJson>().status, 'pending');
    assert.equal((await deliver()).sent, 1);
    assert.equal(mailsTo(to).length, 1);
    const again = await retry(mine.id);
    assert.equal(again.statusCode, 409);
    assert.equal(problemOf(again).code, 'MAIL_ALREADY_SENT');
    assert.equal((await retry('01900000-0000-7000-8000-000000000000')).statusCode, 404);
  });

  test('when the list is paged, then pages follow without repeats; users are refused', async () => {
    const { env } = mail();
    const admin = await adminSession(env.app);
    const s = await registerUser(env.app, uniqueEmail('pages'));
    for (let i = 0; i < 3; i++) {
      await env.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset',
        payload: { email: s.email },
      });
    }
    const seen: string[] = [];
    let url = `/api/v1/admin/mail?user_id=${s.id}&limit=2`;
    for (;;) {
      const page = (await env.app.inject({ method: 'GET', url, headers: admin.headers })).json<{
        items: MailJson[];
        next_cursor: string | null;
      }>();
      seen.push(...page.items.map((x) => x.id));
      if (!page.next_cursor) break;
      url = `/api/v1/admin/mail?user_id=${s.id}&limit=2&cursor=${page.next_cursor}`;
    }
    assert.equal(seen.length, 4, 'the verification link and three reset links');
    assert.equal(new Set(seen).size, 4);
    const user = await env.app.inject({ method: 'GET', url: '/api/v1/admin/mail', headers: s.headers });
    assert.equal(user.statusCode, 403);
  });
});
