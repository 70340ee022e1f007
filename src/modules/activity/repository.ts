/** SQL for the activity log. Takes the database or a transaction first; holds no rules. */
import { writeRows } from '../../db/batch.js';
import type { Executor } from '../../db/index.js';
import type { ActivityRow } from '../../db/types.js';

export interface ActivityFilter {
  userId?: string;
  actorId?: string;
  action?: string;
  /** Epoch ms: `from` inclusive, `to` exclusive. */
  from?: number;
  to?: number;
  /** Keyset: only ids below this one (newest first). */
  before?: string;
  limit: number;
}

export const activityRepo = {
  /** Nothing is read back: in a transaction on PostgreSQL it goes with the next statement (writeRows). */
  insert(db: Executor, row: ActivityRow): Promise<void> {
    return writeRows(db, 'activity', [row]);
  },

  /** Newest first by id (UUIDv7), `limit + 1` rows so the caller can tell whether more exist. */
  list(db: Executor, f: ActivityFilter): Promise<ActivityRow[]> {
    let q = db.selectFrom('activity').selectAll();
    if (f.userId) q = q.where('user_id', '=', f.userId);
    if (f.actorId) q = q.where('actor_id', '=', f.actorId);
    if (f.action) q = q.where('action', '=', f.action);
    if (f.from !== undefined) q = q.where('created_at', '>=', f.from);
    if (f.to !== undefined) q = q.where('created_at', '<', f.to);
    if (f.before) q = q.where('id', '<', f.before);
    return q
      .orderBy('id', 'desc')
      .limit(f.limit + 1)
      .execute();
  },
};
