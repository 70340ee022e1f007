/**
 * The history of an eSIM: every state change (and every SM-DP+ callback, even one that changes nothing)
 * is one esim_events row and one activity entry, written in the caller's transaction.
 */
import type { Tx } from '../../db/index.js';
import type { EsimRow, EsimStatus, EsimsTable } from '../../db/types.js';
import type { Updateable } from 'kysely';
import { newId } from '../../lib/ids.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import type { EsimActor } from './lifecycle.js';
import { eventsRepo } from '../events/repository.js';
import { esimEvent } from '../events/types.js';
import { esimsRepo } from './repository.js';

export const SYSTEM_META: RequestMeta = { ip: null, userAgent: null };

export interface CallbackFacts {
  point: number;
  status: string;
}

export async function recordEsimChange(
  tx: Tx,
  activity: ActivityService,
  now: number,
  change: {
    esim: EsimRow;
    from: EsimStatus | null;
    actor: EsimActor;
    meta: RequestMeta;
    action: string;
    callback?: CallbackFacts;
  },
): Promise<void> {
  const { esim, from, actor, meta, action, callback } = change;
  await esimsRepo.insertEvent(tx, {
    id: newId(),
    esim_id: esim.id,
    from_status: from,
    to_status: esim.status,
    actor_type: actor.type,
    actor_id: actor.id,
    created_at: now,
    ...(callback ? { notification_point: callback.point, point_status: callback.status } : {}),
  });
  // the outbox: esim.created, or esim.status_changed when the status really moved
  if (from !== esim.status) await eventsRepo.emit(tx, esimEvent(esim, from, now));
  await activity.record(tx, {
    action,
    userId: esim.user_id,
    // the activity log names people; an API key or the system is named in the metadata
    actorId: actor.type === 'user' || actor.type === 'admin' ? actor.id : null,
    targetType: 'esim',
    targetId: esim.id,
    metadata: {
      from,
      to: esim.status,
      actor_type: actor.type,
      ...(actor.type === 'api_key' ? { api_key_id: actor.id } : {}),
      ...(from === null || from === 'provisioning' ? { iccid: esim.iccid } : {}),
      ...(callback ? { notification_point: callback.point, point_status: callback.status } : {}),
    },
    ip: meta.ip,
    userAgent: meta.userAgent,
  });
}

/**
 * Moves `esim` to `to` only from the state it was read in (with `set` applied in the same UPDATE) and
 * records it; undefined when another change won the race. The state table is the caller's concern.
 */
export async function moveEsim(
  tx: Tx,
  activity: ActivityService,
  now: number,
  m: {
    esim: EsimRow;
    to: EsimStatus;
    set?: Updateable<EsimsTable>;
    actor: EsimActor;
    meta: RequestMeta;
    action?: string;
    callback?: CallbackFacts;
    /** Only while no SM-DP+ order is recorded on the row (the move records the order). */
    unordered?: boolean;
  },
): Promise<EsimRow | undefined> {
  const set = { ...m.set, status: m.to, updated_at: now, ...(m.to === 'deleted' ? { deleted_at: now } : {}) };
  const moved = await esimsRepo.moveStatus(tx, m.esim.id, m.esim.status, set, m.unordered);
  if (!moved) return undefined;
  const action = m.action ?? (m.to === 'deleted' ? 'esim.deleted' : 'esim.status_changed');
  await recordEsimChange(tx, activity, now, {
    esim: moved,
    from: m.esim.status,
    actor: m.actor,
    meta: m.meta,
    action,
    callback: m.callback,
  });
  return moved;
}
