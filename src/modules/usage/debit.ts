/**
 * The debit rules, with no I/O: which of an eSIM's packs a usage record draws from, in which order, how
 * much each takes, which lifecycle moves and threshold notifications that causes, and what is left over as
 * overage, and the events a debit reports (debitEvents). The engine applies the plan; everything here is
 * pure so it is unit tested on its own.
 */
import type { NotificationType } from '../../db/types.js';
import { packEvent, type NewEvent } from '../events/types.js';
import { activationFields, canMovePack, endFields } from '../packs/lifecycle.js';
import type { PackState } from '../packs/repository.js';

/** The fields of a pack the rules read and change. */
export type DebitPack = PackState;

export interface PackDebit {
  packId: string;
  bytes: number;
  before: DebitPack;
  after: DebitPack;
  /** Thresholds this debit crossed, lowest first (a record can cross several at once). */
  crossed: NotificationType[];
}

export interface DebitPlan {
  debits: PackDebit[];
  overage: number;
  /** Overage only because the packs that covered the moment expired more than the late window ago. */
  late: boolean;
}

export const USAGE_THRESHOLDS: readonly { percent: number; type: NotificationType }[] = [
  { percent: 50, type: 'usage_50' },
  { percent: 80, type: 'usage_80' },
  { percent: 100, type: 'usage_100' },
];

/** How long after a pack's expiry a record that happened before it may still debit it (USAGE_LATE_WINDOW_H). */
export const DEFAULT_LATE_WINDOW_MS = 72 * 3600_000;

type Validity = 'valid' | 'invalid' | 'too-late';

/**
 * Whether `p` covers usage that happened at `occurredAt` and arrives at `now`: the pack was bought at or
 * before that moment, has room, and had not expired then (a pending pack has no expiry yet: the usage
 * starts it). A pack that covered the moment but expired more than `lateWindowMs` before `now` is
 * `too-late`: the record then goes to overage, flagged late.
 */
function validity(p: DebitPack, occurredAt: number, now: number, lateWindowMs: number): Validity {
  if (p.used_bytes >= p.total_bytes || p.created_at > occurredAt) return 'invalid';
  if (p.status === 'pending') return 'valid';
  if ((p.status !== 'active' && p.status !== 'expired') || p.expires_at === null) return 'invalid';
  if (occurredAt >= p.expires_at) return 'invalid';
  return now < p.expires_at + lateWindowMs ? 'valid' : 'too-late';
}

/** Packs with an expiry soonest-expiring first, then pending ones oldest purchase first; ids break ties. */
function debitRank(a: DebitPack, b: DebitPack): number {
  const pa = a.status === 'pending';
  const pb = b.status === 'pending';
  if (pa !== pb) return pa ? 1 : -1;
  if (!pa) {
    const ea = a.expires_at ?? Number.MAX_SAFE_INTEGER;
    const eb = b.expires_at ?? Number.MAX_SAFE_INTEGER;
    if (ea !== eb) return ea - eb;
  }
  if (a.created_at !== b.created_at) return a.created_at - b.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The packs that cover usage at `occurredAt` arriving at `now`, in the order they are debited. */
export function debitOrder(
  packs: readonly DebitPack[],
  occurredAt: number,
  now = occurredAt,
  lateWindowMs = DEFAULT_LATE_WINDOW_MS,
): DebitPack[] {
  return packs.filter((p) => validity(p, occurredAt, now, lateWindowMs) === 'valid').sort(debitRank);
}

/** Thresholds crossed going from `before` to `after` used bytes (integer arithmetic: exact). */
export function crossedThresholds(total: number, before: number, after: number): NotificationType[] {
  if (total <= 0) return [];
  return USAGE_THRESHOLDS.filter(
    (t) => before * 100 < t.percent * total && after * 100 >= t.percent * total,
  ).map((t) => t.type);
}

/** The new state of `pack` after taking `bytes`: activated when pending, depleted when full. */
function debited(pack: DebitPack, bytes: number, occurredAt: number, now: number): DebitPack {
  const next: DebitPack = { ...pack, used_bytes: pack.used_bytes + bytes };
  if (next.status === 'pending') {
    // the validity clock starts at the first usage (never later than now: a record may run a little ahead)
    const { status, activated_at, expires_at } = activationFields(
      Math.min(occurredAt, now),
      pack.validity_days,
    );
    Object.assign(next, { status, activated_at, expires_at });
  }
  // full: depleted, unless its time was already over (expired, or active past its expiry: the sweep's)
  const over = next.expires_at !== null && next.expires_at <= now;
  if (next.used_bytes === next.total_bytes && !over && canMovePack(next.status, 'depleted')) {
    const { status, ended_at } = endFields('depleted', now, now);
    Object.assign(next, { status, ended_at });
  }
  return next;
}

/**
 * How `bytes` of usage at `occurredAt` are debited from `packs` (one eSIM's packs) at clock `now`: from
 * the packs that covered that moment, greedily in debit order, never past a pack's total; what no pack
 * covers is overage.
 */
export function planDebit(
  packs: readonly DebitPack[],
  bytes: number,
  occurredAt: number,
  now: number,
  lateWindowMs = DEFAULT_LATE_WINDOW_MS,
): DebitPlan {
  const debits: PackDebit[] = [];
  let left = bytes;
  for (const pack of debitOrder(packs, occurredAt, now, lateWindowMs)) {
    if (left === 0) break;
    const take = Math.min(left, pack.total_bytes - pack.used_bytes);
    const after = debited(pack, take, occurredAt, now);
    debits.push({
      packId: pack.id,
      bytes: take,
      before: pack,
      after,
      crossed: crossedThresholds(pack.total_bytes, pack.used_bytes, after.used_bytes),
    });
    left -= take;
  }
  const late = left > 0 && packs.some((p) => validity(p, occurredAt, now, lateWindowMs) === 'too-late');
  return { debits, overage: left, late };
}

/**
 * The events one debit of a pack reports: its activation (first byte), each usage threshold it crossed
 * (once per pack and threshold) and its depletion.
 */
export function debitEvents(d: PackDebit, usageEventId: string, now: number): NewEvent[] {
  const out: NewEvent[] = [];
  if (d.before.status === 'pending' && d.after.status !== 'pending')
    out.push(packEvent('pack.activated', d.after, now, { activated_by: 'usage' }));
  for (const type of d.crossed) {
    const threshold = Number(type.slice('usage_'.length));
    const key = `pack.usage_threshold:${d.packId}:${threshold}`;
    out.push(
      packEvent('pack.usage_threshold', d.after, now, { threshold, usage_event_id: usageEventId }, key),
    );
  }
  if (d.after.status === 'depleted' && d.before.status !== 'depleted')
    out.push(packEvent('pack.depleted', d.after, now, { usage_event_id: usageEventId }));
  return out;
}
