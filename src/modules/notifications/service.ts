/**
 * The caller's notifications: usage thresholds (written by the usage engine) and expiry notices
 * (written by the pack sweep), each once per pack. Reading them and marking them read lives here.
 */
import type { Db } from '../../db/index.js';
import { notFound } from '../../errors.js';
import type { NotificationRow } from '../../db/types.js';
import { iso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import { notificationsRepo } from './repository.js';
import type { NotificationView } from './schemas.js';

/** The view of a stored notification. */
export function toNotificationView(n: NotificationRow): NotificationView {
  return {
    id: n.id,
    user_id: n.user_id,
    type: n.type,
    pack_id: n.pack_id,
    esim_id: n.esim_id,
    message: n.message,
    created_at: iso(n.created_at),
    read_at: iso(n.read_at),
  };
}

export class NotificationsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Newest first; `unread` keeps those not read yet. */
  async list(
    userId: string,
    o: { unread: boolean; limit: number; cursor?: string },
  ): Promise<Page<NotificationView>> {
    const rows = await notificationsRepo.list(this.db, userId, {
      unread: o.unread,
      after: decodeCursor(o.cursor),
      limit: o.limit,
    });
    return toPage(rows, o.limit, toNotificationView);
  }

  /** Sets read_at (the first read time is kept); another user's notification is a 404. */
  async markRead(userId: string, id: string): Promise<NotificationView> {
    const row = await notificationsRepo.markRead(this.db, userId, id, this.clock.now());
    if (!row) throw notFound('Notification');
    return toNotificationView(row);
  }
}
