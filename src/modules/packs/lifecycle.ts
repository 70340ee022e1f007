/**
 * The pack state machine, as data: the one table of allowed transitions and the one function that
 * checks a move. pending → active (first usage or explicit activation) → depleted | expired | cancelled.
 */
import type { PackStatus } from '../../db/types.js';
import { conflict } from '../../errors.js';

export const PACK_TRANSITIONS: Readonly<Record<PackStatus, readonly PackStatus[]>> = {
  pending: ['active', 'cancelled', 'expired'],
  active: ['depleted', 'expired', 'cancelled'],
  depleted: [],
  expired: [],
  cancelled: [],
};

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
