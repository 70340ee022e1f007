/**
 * Customer e-mails from outbox events (pure). `mailForEvent` reads an event of the shape the event outbox
 * delivers and answers the mail to queue, or null. The payload is read by name, accepting the few
 * spellings an event may use (`pack_name` or `plan_name`, `used_bytes` or `bytes_used` …), at the top level
 * or under `pack`.
 *
 * Idempotency: the key is `<event id>:<template>`, or `pack:<pack id>:<template>` when the event names its
 * pack, so a redelivered event, or `pack.depleted` after a 100 % `pack.usage_threshold` of the same pack,
 * still sends one mail.
 */
import { composeMail, type MailUser } from './compose.js';
import type { NewMail } from './repository.js';
import type { MailData, PackFacts } from './templates.js';

/**
 * An event of the outbox as its consumers get it (modules/events: `{id, type, userId, at, data}`), or in
 * the earlier `{occurredAt, payload}` spelling; both mean the same.
 */
export type MailEvent =
  | { id: string; type: string; userId: string | null; at: number; data: Record<string, unknown> }
  | { id: string; type: string; userId: string | null; occurredAt: Date; payload: Record<string, unknown> };

function payloadOf(e: MailEvent): Record<string, unknown> {
  return 'data' in e ? e.data : e.payload;
}

function timeOf(e: MailEvent): number {
  return 'at' in e ? e.at : e.occurredAt.getTime();
}

type Payload = Record<string, unknown>;

const objectAt = (p: Payload, key: string): Payload =>
  typeof p[key] === 'object' && p[key] !== null ? (p[key] as Payload) : {};

/** The first of `names` set in the payload, or under its `pack`, or under its `order`. */
function lookup(p: Payload, names: string[]): unknown {
  for (const where of [p, objectAt(p, 'pack'), objectAt(p, 'order')]) {
    for (const n of names) if (where[n] !== undefined && where[n] !== null) return where[n];
  }
  return undefined;
}

function str(p: Payload, ...names: string[]): string | undefined {
  const v = lookup(p, names);
  return typeof v === 'string' && v.trim() ? v.trim().slice(0, 200) : undefined;
}

function num(p: Payload, ...names: string[]): number | undefined {
  const v = lookup(p, names);
  const n = typeof v === 'string' && /^-?[0-9]+$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
}

function instant(p: Payload, ...names: string[]): number | undefined {
  const v = lookup(p, names);
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  return undefined;
}

function packFacts(p: Payload): PackFacts {
  const dataBytes = num(p, 'data_bytes', 'total_bytes');
  const usedBytes = num(p, 'used_bytes', 'bytes_used');
  let leftBytes = num(p, 'remaining_bytes', 'bytes_left', 'left_bytes');
  if (leftBytes === undefined && dataBytes !== undefined && usedBytes !== undefined) {
    leftBytes = Math.max(0, dataBytes - usedBytes);
  }
  return {
    packName: str(p, 'pack_name', 'plan_name', 'name') ?? 'data',
    dataBytes,
    usedBytes,
    leftBytes,
    expiresAt: instant(p, 'expires_at'),
  };
}

/** Which template an event calls for, if any. */
export function mailDataForEvent(event: MailEvent): MailData | null {
  const p = payloadOf(event);
  switch (event.type) {
    case 'pack.purchased':
      // a pack an operator granted was not paid for: no price on its receipt
      return {
        kind: 'purchase_receipt',
        pack: packFacts(p),
        priceCents: p.granted === true ? undefined : num(p, 'price_cents', 'amount_cents'),
        currency: str(p, 'currency'),
      };
    case 'pack.usage_threshold': {
      const threshold = num(p, 'threshold');
      if (threshold === 80) return { kind: 'usage_80', pack: packFacts(p) };
      if (threshold === 100) return { kind: 'usage_100', pack: packFacts(p) };
      return null; // 50 % is in the app's notifications only
    }
    case 'pack.depleted':
      return { kind: 'usage_100', pack: packFacts(p) };
    case 'pack.expiring':
      return { kind: 'pack_expiring', pack: packFacts(p) };
    case 'pack.expired':
      return { kind: 'pack_expired', pack: packFacts(p) };
    case 'user.suspended':
      return { kind: 'account_suspended' };
    default:
      return null;
  }
}

/**
 * The mail an event asks for `user` (the event's owner, as stored now), or null: no mail for this type,
 * no user, a deleted account, or a usage / expiry mail the user turned off.
 */
export function mailForEvent(
  event: MailEvent,
  user: MailUser | undefined,
  at = timeOf(event),
): NewMail | null {
  if (!user || event.userId !== user.id) return null;
  const data = mailDataForEvent(event);
  if (!data) return null;
  const packId = data.kind === 'account_suspended' ? undefined : packIdOf(payloadOf(event));
  const cause = packId ? `pack:${packId}` : event.id;
  return composeMail(user, data, `${cause}:${data.kind}`, at);
}

function packIdOf(p: Payload): string | undefined {
  const id = p.pack_id ?? objectAt(p, 'pack').id;
  return typeof id === 'string' && id.length <= 64 ? id : undefined;
}
