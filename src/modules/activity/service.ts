/**
 * The activity log: who did what to which object, from where. Every module records through `record`,
 * inside the same transaction as the change it describes, so the log never claims what did not happen.
 */
import type { Db, Executor } from '../../db/index.js';
import type { ActivityRow } from '../../db/types.js';
import { badRequest } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import { activityRepo } from './repository.js';
import type { ActivityView } from './schemas.js';

export interface ActivityEntry {
  action: string;
  userId?: string | null;
  actorId?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  metadata?: Record<string, unknown> | null;
}

/** Where a request came from, passed from routes to services for the log. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

export interface ActivitySearch {
  userId?: string;
  actorId?: string;
  action?: string;
  /** ISO 8601 instants: `from` inclusive, `to` exclusive. */
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

export function toActivityView(r: ActivityRow): ActivityView {
  return {
    id: r.id,
    user_id: r.user_id,
    actor_id: r.actor_id,
    action: r.action,
    target_type: r.target_type,
    target_id: r.target_id,
    ip: r.ip,
    user_agent: r.user_agent,
    metadata: r.metadata ? (JSON.parse(r.metadata) as Record<string, unknown>) : null,
    created_at: iso(r.created_at),
  };
}

export class ActivityService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Writes the entry through `tx`, the caller's transaction, so it commits with the change it reports. */
  async record(tx: Executor, e: ActivityEntry): Promise<void> {
    await activityRepo.insert(tx, {
      id: newId(),
      user_id: e.userId ?? null,
      actor_id: e.actorId ?? null,
      action: e.action,
      target_type: e.targetType ?? null,
      target_id: e.targetId ?? null,
      ip: e.ip ?? null,
      user_agent: e.userAgent ? e.userAgent.slice(0, 512) : null,
      metadata: e.metadata ? JSON.stringify(e.metadata) : null,
      created_at: this.clock.now(),
    });
  }

  /** One user's own log, newest first. */
  ofUser(userId: string, limit: number, cursor?: string): Promise<Page<ActivityView>> {
    return this.search({ userId, limit, cursor });
  }

  /** Everyone's log, filtered; `from` must be before `to`. */
  async search(s: ActivitySearch): Promise<Page<ActivityView>> {
    const from = s.from === undefined ? undefined : Date.parse(s.from);
    const to = s.to === undefined ? undefined : Date.parse(s.to);
    if (from !== undefined && to !== undefined && from >= to) {
      throw badRequest('INVALID_RANGE', '`from` must be before `to`', [
        { field: 'querystring.from', message: 'must be before to' },
      ]);
    }
    const rows = await activityRepo.list(this.db, {
      userId: s.userId,
      actorId: s.actorId,
      action: s.action,
      from,
      to,
      before: decodeCursor(s.cursor),
      limit: s.limit,
    });
    return toPage(rows, s.limit, toActivityView);
  }
}
