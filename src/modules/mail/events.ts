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

export interface OutboxEvent {
  id: string;
  type: string;
  occurredAt: Date;
  userId: string | null;
  payload: Record<string, unknown>;
}

type Payload = Record<string, unknown>;

function lookup(p: Payload, names: string[]): unknown {
  const pack = typeof p.pack === 'object' && p.pack !== null ? (p.pack as Payload) : {};
  for (const n of names) {
    if (p[n] !== undefined && p[n] !== null) return p[n];
    if (pack[n] !== undefined && pack[n] !== null) return pack[n];
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
export function mailDataForEvent(event: OutboxEvent): MailData | null {
  const p = event.payload;
  switch (event.type) {
    case 'pack.purchased':
      return {
        kind: 'purchase_receipt',
        pack: packFacts(p),
        priceCents: num(p, 'price_cents', 'amount_cents'),
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
  event: OutboxEvent,
  user: MailUser | undefined,
  at = event.occurredAt.getTime(),
): NewMail | null {
  if (!user || event.userId !== user.id) return null;
  const data = mailDataForEvent(event);
  if (!data) return null;
  const packId = data.kind === 'account_suspended' ? undefined : packIdOf(event.payload);
  const cause = packId ? `pack:${packId}` : event.id;
  return composeMail(user, data, `${cause}:${data.kind}`, at);
}

function packIdOf(p: Payload): string | undefined {
  const nested = typeof p.pack === 'object' && p.pack !== null ? (p.pack as Payload).id : undefined;
  const id = p.pack_id ?? nested;
  return typeof id === 'string' && id.length <= 64 ? id : undefined;
}
