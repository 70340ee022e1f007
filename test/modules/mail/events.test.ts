import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MailUser } from '../../../src/modules/mail/compose.js';
import { mailForEvent, type OutboxEvent } from '../../../src/modules/mail/events.js';

const user: MailUser = {
  id: 'u1',
  email: 'anna@example.test',
  full_name: 'Anna',
  status: 'active',
  email_notifications: 1,
};

function event(type: string, payload: Record<string, unknown>, id = 'evt-1'): OutboxEvent {
  return { id, type, occurredAt: new Date('2026-12-03T10:00:00Z'), userId: 'u1', payload };
}

const threshold = (t: number, id?: string) =>
  event(
    'pack.usage_threshold',
    { pack_id: 'p1', pack_name: 'Europe 5 GB', threshold: t, used_bytes: 4e9, remaining_bytes: 1e9 },
    id,
  );

describe('mailForEvent', () => {
  test('when a pack crosses 80 %, then the user gets the 80 % mail, keyed by the pack', () => {
    const m = mailForEvent(threshold(80), user);
    assert.equal(m?.kind, 'usage_80');
    assert.equal(m?.to, 'anna@example.test');
    assert.equal(m?.subject, 'You have used 80 % of your Europe 5 GB pack');
    assert.equal(m?.key, 'pack:p1:usage_80');
    assert.equal(m?.at, Date.parse('2026-12-03T10:00:00Z'));
  });

  test('when 50 % is crossed, then no mail (only the app notification)', () => {
    assert.equal(mailForEvent(threshold(50), user), null);
  });

  test('when the 100 % threshold and pack.depleted both arrive, then both ask for the same mail (one key)', () => {
    const a = mailForEvent(threshold(100, 'evt-a'), user);
    const b = mailForEvent(
      event('pack.depleted', { pack_id: 'p1', pack_name: 'Europe 5 GB' }, 'evt-b'),
      user,
    );
    assert.equal(a?.kind, 'usage_100');
    assert.equal(a?.key, b?.key);
  });

  test('when an event names no pack, then the key is the event id and the template', () => {
    const m = mailForEvent(event('user.suspended', {}, 'evt-9'), user);
    assert.equal(m?.key, 'evt-9:account_suspended');
    assert.equal(m?.subject, 'Your account is suspended');
  });

  test('when usage e-mails are off, then usage and expiry mails are dropped, receipts and account mails go', () => {
    const off = { ...user, email_notifications: 0 };
    assert.equal(mailForEvent(threshold(80), off), null);
    assert.equal(mailForEvent(event('pack.expiring', { pack_id: 'p1', plan_name: 'X' }), off), null);
    assert.equal(mailForEvent(event('pack.expired', { pack_id: 'p1', plan_name: 'X' }), off), null);
    assert.equal(
      mailForEvent(event('pack.purchased', { pack_id: 'p1', plan_name: 'X' }), off)?.kind,
      'purchase_receipt',
    );
    assert.equal(mailForEvent(event('user.suspended', {}), off)?.kind, 'account_suspended');
  });

  test('when the account is deleted, the user is another one, or the type is not mailed, then no mail', () => {
    assert.equal(mailForEvent(threshold(80), { ...user, status: 'deleted' }), null);
    assert.equal(mailForEvent(threshold(80), { ...user, id: 'u2' }), null);
    assert.equal(mailForEvent(threshold(80), undefined), null);
    assert.equal(mailForEvent(event('esim.created', {}), user), null);
  });

  test('the payload is read under `pack` too, with the usual spellings', () => {
    const m = mailForEvent(
      event('pack.expiring', {
        pack: {
          id: 'p7',
          name: 'Asia 10 GB',
          data_bytes: 10e9,
          used_bytes: 2e9,
          expires_at: '2026-12-04T09:00:00Z',
        },
      }),
      user,
    );
    assert.equal(m?.key, 'pack:p7:pack_expiring');
    assert.equal(m?.subject, 'Your Asia 10 GB pack ends in less than 24 hours');
    assert.match(m?.text ?? '', /works until 4 December 2026 at 09:00 UTC\. You have 8 GB left\./);
  });
});
