/**
 * The activity log: who did what to which object, from where. Every module records through `record`,
 * inside the same transaction as the change it describes, so the log never claims what did not happen.
 */
import { Type, type Static } from 'typebox';
import type { Executor } from '../../db/index.js';
import type { ActivityRow } from '../../db/types.js';
import { Id, Nullable, Timestamp } from '../../http/schemas.js';
import { iso } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';

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

export const Activity = Type.Object(
  {
    id: Id,
    user_id: Nullable(Type.String()),
    actor_id: Nullable(Type.String()),
    action: Type.String(),
    target_type: Nullable(Type.String()),
    target_id: Nullable(Type.String()),
    ip: Nullable(Type.String()),
    user_agent: Nullable(Type.String()),
    metadata: Nullable(Type.Record(Type.String(), Type.Unknown())),
    created_at: Timestamp,
  },
  { $id: 'Activity' },
);
export type ActivityView = Static<typeof Activity>;

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

export interface ActivityFilter {
  userId?: string;
  actorId?: string;
  action?: string;
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
}

export class ActivityService {
  constructor(private readonly clock: { now(): number }) {}

  async record(db: Executor, e: ActivityEntry): Promise<void> {
    const now = this.clock.now();
    await db
      .insertInto('activity')
      .values({
        id: newId(),
        user_id: e.userId ?? null,
        actor_id: e.actorId ?? null,
        action: e.action,
        target_type: e.targetType ?? null,
        target_id: e.targetId ?? null,
        ip: e.ip ?? null,
        user_agent: e.userAgent ? e.userAgent.slice(0, 512) : null,
        metadata: e.metadata ? JSON.stringify(e.metadata) : null,
        created_at: now,
      })
      .execute();
  }

  async list(db: Executor, f: ActivityFilter): Promise<Page<ActivityView>> {
    const after = decodeCursor(f.cursor);
    let q = db.selectFrom('activity').selectAll();
    if (f.userId) q = q.where('user_id', '=', f.userId);
    if (f.actorId) q = q.where('actor_id', '=', f.actorId);
    if (f.action) q = q.where('action', '=', f.action);
    if (f.from !== undefined) q = q.where('created_at', '>=', f.from);
    if (f.to !== undefined) q = q.where('created_at', '<', f.to);
    if (after) q = q.where('id', '<', after);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(f.limit + 1)
      .execute();
    return toPage(rows, f.limit, toActivityView);
  }
}
