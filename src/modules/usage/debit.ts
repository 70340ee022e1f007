/**
 * The debit rules, with no I/O: which of an eSIM's packs a usage record draws from, in which order, how
 * much each takes, which lifecycle moves and threshold notifications that causes, and what is left over as
 * overage. The engine applies the plan; everything here is pure so it is unit tested on its own.
 */
import type { NotificationType } from '../../db/types.js';
import { activationFields, canMovePack, effectivePackStatus, endFields } from '../packs/lifecycle.js';
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
}

export const USAGE_THRESHOLDS: readonly { percent: number; type: NotificationType }[] = [
  { percent: 50, type: 'usage_50' },
  { percent: 80, type: 'usage_80' },
  { percent: 100, type: 'usage_100' },
];

/**
 * An active pack can take bytes while it has not expired, judged at the later of the usage and the
 * clock: what the expiry sweep would call expired is expired here too, whether or not the sweep ran.
 */
function usable(p: DebitPack, at: number): boolean {
  if (p.used_bytes >= p.total_bytes) return false;
  const status = effectivePackStatus(p, at);
  return status === 'active' || (status === 'pending' && canMovePack('pending', 'active'));
}

/** Active packs soonest-expiring first, then pending ones oldest purchase first; ids break ties. */
function debitRank(a: DebitPack, b: DebitPack): number {
  if (a.status !== b.status) return a.status === 'active' ? -1 : 1;
  if (a.status === 'active') {
    const ea = a.expires_at ?? Number.MAX_SAFE_INTEGER;
    const eb = b.expires_at ?? Number.MAX_SAFE_INTEGER;
    if (ea !== eb) return ea - eb;
  }
  if (a.created_at !== b.created_at) return a.created_at - b.created_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The packs that can take bytes at `at`, in the order they are debited. */
export function debitOrder(packs: readonly DebitPack[], at: number): DebitPack[] {
  return packs.filter((p) => usable(p, at)).sort(debitRank);
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
  if (next.used_bytes === next.total_bytes && canMovePack(next.status, 'depleted')) {
    const { status, ended_at } = endFields('depleted', now, now);
    Object.assign(next, { status, ended_at });
  }
  return next;
}

/**
 * How `bytes` of usage at `occurredAt` are debited from `packs` (one eSIM's open packs) at clock `now`:
 * greedily in debit order, never past a pack's total; what no pack covers is overage.
 */
export function planDebit(
  packs: readonly DebitPack[],
  bytes: number,
  occurredAt: number,
  now: number,
): DebitPlan {
  const debits: PackDebit[] = [];
  let left = bytes;
  for (const pack of debitOrder(packs, Math.max(occurredAt, now))) {
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
  return { debits, overage: left };
}

const THRESHOLD_TEXT: Record<string, string> = {
  usage_50: 'has used 50% of its data',
  usage_80: 'has used 80% of its data',
  usage_100: 'has used all of its data',
};

/** The user-facing text of a threshold notification. */
export function thresholdMessage(type: NotificationType, packName: string): string {
  return `Your data pack "${packName}" ${THRESHOLD_TEXT[type] ?? 'changed'}.`;
}
