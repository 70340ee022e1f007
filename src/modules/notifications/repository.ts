/** SQL for notifications. `insertOnce` relies on the unique (pack_id, type) index: a repeat is a no-op. */
import type { ExpressionBuilder } from 'kysely';
import type { Executor } from '../../db/index.js';
import type { Database, NotificationRow, NotificationType } from '../../db/types.js';
import { newId } from '../../lib/ids.js';

export interface NewNotification {
  userId: string;
  type: NotificationType;
  packId: string | null;
  esimId: string | null;
  message: string;
  at: number;
}

/**
 * "A notice of `type` was already sent for this pack", as a condition another module's pack query can
 * use (the sweep picks the packs still to notify in one statement, so a batch never stalls on packs that
 * were notified already).
 */
export function packNoticeSent(eb: ExpressionBuilder<Database, 'packs'>, type: NotificationType) {
  return eb.exists(
    eb
      .selectFrom('notifications')
      .select('notifications.id')
      .whereRef('notifications.pack_id', '=', 'packs.id')
      .where('notifications.type', '=', type),
  );
}

export const notificationsRepo = {
  /** Inserts unless this (pack, type) already fired; true when it was inserted now. */
  async insertOnce(db: Executor, n: NewNotification): Promise<boolean> {
    const r = await db
      .insertInto('notifications')
      .values({
        id: newId(),
        user_id: n.userId,
        type: n.type,
        pack_id: n.packId,
        esim_id: n.esimId,
        message: n.message,
        created_at: n.at,
        read_at: null,
      })
      .onConflict((oc) => oc.columns(['pack_id', 'type']).doNothing())
      .executeTakeFirst();
    return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
  },

  list(
    db: Executor,
    userId: string,
    opts: { unread: boolean; after?: string; limit: number },
  ): Promise<NotificationRow[]> {
    let q = db.selectFrom('notifications').selectAll().where('user_id', '=', userId);
    if (opts.unread) q = q.where('read_at', 'is', null);
    if (opts.after) q = q.where('id', '<', opts.after);
    return q
      .orderBy('id', 'desc')
      .limit(opts.limit + 1)
      .execute();
  },

  /** Marks the caller's notification read (first read time kept); undefined when it is not theirs. */
  async markRead(db: Executor, userId: string, id: string, at: number): Promise<NotificationRow | undefined> {
    await db
      .updateTable('notifications')
      .set({ read_at: at })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .execute();
    return db
      .selectFrom('notifications')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  },
};
