/**
 * The eSIM profile state machine, as data: the one table of allowed moves and the one check of a move.
 *
 *   (provisioning →) released → downloaded → installed → enabled ⇄ disabled, and deleted from any state
 *   but deleted; provisioning, released and downloaded may end in error (the SM-DP+ reported a failure).
 *
 * `provisioning` exists only with SMDP_MODE=es2plus, until the SM-DP+ confirmed the order. The network
 * reports downloaded / installed / enabled / disabled (and may report a deletion); users delete. Anything
 * else is a 409 INVALID_TRANSITION. SM-DP+ callbacks use `callbackMove`, which may skip ahead (a late or
 * lost callback) but never goes back.
 */
import type { EsimStatus } from '../../db/types.js';
import { conflict } from '../../errors.js';

export const ESIM_STATUSES = [
  'provisioning',
  'error',
  'released',
  'downloaded',
  'installed',
  'enabled',
  'disabled',
  'deleted',
] as const satisfies readonly EsimStatus[];

export const ESIM_TRANSITIONS: Readonly<Record<EsimStatus, readonly EsimStatus[]>> = {
  provisioning: ['released', 'error', 'deleted'],
  error: ['deleted'],
  released: ['downloaded', 'error', 'deleted'],
  downloaded: ['installed', 'error', 'deleted'],
  installed: ['enabled', 'deleted'],
  enabled: ['disabled', 'deleted'],
  disabled: ['enabled', 'deleted'],
  deleted: [],
};

/** Who moved an eSIM, as esim_events records it. */
export interface EsimActor {
  type: 'user' | 'admin' | 'api_key' | 'system' | 'smdp';
  id: string;
}

export function canMoveEsim(from: EsimStatus, to: EsimStatus): boolean {
  return ESIM_TRANSITIONS[from].includes(to);
}

/** Throws 409 INVALID_TRANSITION when the move is not in the table. */
export function assertEsimMove(from: EsimStatus, to: EsimStatus): void {
  if (!canMoveEsim(from, to)) {
    throw conflict('INVALID_TRANSITION', `An eSIM cannot go from ${from} to ${to}`);
  }
}

/** How far along the profile is: a callback never moves an eSIM to a lower rank. */
const RANK: Readonly<Record<EsimStatus, number>> = {
  provisioning: 0,
  released: 1,
  downloaded: 2,
  installed: 3,
  enabled: 4,
  disabled: 4,
  error: 5,
  deleted: 6,
};

/**
 * Whether an SM-DP+ callback reporting `to` moves an eSIM that is `from` (false: a duplicate or a late,
 * out-of-order callback; it is recorded but changes nothing). Callbacks may skip states (an installation
 * reported before its download), toggle enabled ⇄ disabled, report an error only before installation,
 * and a deletion from any live state.
 */
export function callbackMoves(from: EsimStatus, to: EsimStatus): boolean {
  if (from === to || from === 'deleted') return false;
  if (to === 'deleted') return true;
  if (from === 'error') return false;
  if (to === 'error') return RANK[from] < RANK.installed;
  if (to === 'enabled' || to === 'disabled') return RANK[from] <= RANK.enabled;
  return RANK[to] > RANK[from];
}
