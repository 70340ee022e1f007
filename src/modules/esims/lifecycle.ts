/**
 * The eSIM profile state machine, as data: the one table of allowed moves and the one check of a move.
 *
 *   released → downloaded → installed → enabled ⇄ disabled, and deleted from any state but deleted.
 *
 * The network reports downloaded / installed / enabled / disabled (and may report a deletion); users
 * delete. Anything else is a 409 INVALID_TRANSITION.
 */
import type { EsimStatus } from '../../db/types.js';
import { conflict } from '../../errors.js';

export const ESIM_STATUSES = [
  'released',
  'downloaded',
  'installed',
  'enabled',
  'disabled',
  'deleted',
] as const satisfies readonly EsimStatus[];

export const ESIM_TRANSITIONS: Readonly<Record<EsimStatus, readonly EsimStatus[]>> = {
  released: ['downloaded', 'deleted'],
  downloaded: ['installed', 'deleted'],
  installed: ['enabled', 'deleted'],
  enabled: ['disabled', 'deleted'],
  disabled: ['enabled', 'deleted'],
  deleted: [],
};

/** Who moved an eSIM, as esim_events records it. */
export interface EsimActor {
  type: 'user' | 'admin' | 'api_key';
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
