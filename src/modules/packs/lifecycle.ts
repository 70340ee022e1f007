/**
 * The pack state machine, as data: the one table of allowed transitions and the one function that
 * checks a move. pending → active (first usage or explicit activation) → depleted | expired | cancelled.
 */
import type { PackStatus } from '../../db/types.js';
import { conflict } from '../../errors.js';
import { DAY_MS } from '../../lib/clock.js';

export const PACK_TRANSITIONS: Readonly<Record<PackStatus, readonly PackStatus[]>> = {
  pending: ['active', 'cancelled', 'expired'],
  active: ['depleted', 'expired', 'cancelled'],
  depleted: [],
  expired: [],
  cancelled: [],
};

/** Every pack status, in lifecycle order. */
export const PACK_STATUSES = Object.keys(PACK_TRANSITIONS) as PackStatus[];

export function canMovePack(from: PackStatus, to: PackStatus): boolean {
  return PACK_TRANSITIONS[from].includes(to);
}

/** Throws 409 INVALID_TRANSITION when the move is not in the table. */
export function assertPackMove(from: PackStatus, to: PackStatus): void {
  if (!canMovePack(from, to)) {
    throw conflict('INVALID_TRANSITION', `A pack cannot go from ${from} to ${to}`);
  }
}

/**
 * The status a reader should see at `now`: an active pack past its expiry is expired even before the
 * sweep has written it.
 */
export function effectivePackStatus(
  p: { status: PackStatus; expires_at: number | null },
  now: number,
): PackStatus {
  if (p.status === 'active' && p.expires_at !== null && p.expires_at <= now) return 'expired';
  return p.status;
}

/** The statuses a pack can move to `to` from: the WHERE clause of a conditional (race-free) UPDATE. */
export function statusesBefore(to: PackStatus): PackStatus[] {
  return (Object.keys(PACK_TRANSITIONS) as PackStatus[]).filter((from) => canMovePack(from, to));
}

/** Statuses in which a pack can still carry data (before effective expiry is applied). */
export const OPEN_PACK_STATUSES: readonly PackStatus[] = ['pending', 'active'];

/**
 * The columns a pending → active move writes: the validity clock starts at `at`. The one definition of
 * activation, used by the explicit activation route and by the usage engine at a pack's first byte
 * (inside its own transaction, guarded by `status = 'pending'`).
 */
export function activationFields(
  at: number,
  validityDays: number,
): { status: 'active'; activated_at: number; expires_at: number; updated_at: number } {
  return { status: 'active', activated_at: at, expires_at: at + validityDays * DAY_MS, updated_at: at };
}

/** The columns a move to a final status writes (`at` = when it ended). */
export function endFields<S extends 'depleted' | 'expired' | 'cancelled'>(
  status: S,
  at: number,
  now: number,
): { status: S; ended_at: number; updated_at: number } {
  return { status, ended_at: at, updated_at: now };
}
