/** The public shape of a notification. */
import { Type, type Static } from 'typebox';
import type { NotificationRow, NotificationType } from '../../db/types.js';
import { Id, NullableTimestamp, Nullable, Timestamp } from '../../http/schemas.js';
import { iso } from '../../lib/clock.js';

export const NOTIFICATION_TYPES: NotificationType[] = [
  'usage_50',
  'usage_80',
  'usage_100',
  'pack_expiring',
  'pack_expired',
];

export const Notification = Type.Object(
  {
    id: Id,
    user_id: Id,
    type: Type.Enum(NOTIFICATION_TYPES),
    pack_id: Nullable(Id),
    esim_id: Nullable(Id),
    message: Type.String(),
    created_at: Timestamp,
    read_at: NullableTimestamp,
  },
  { $id: 'Notification' },
);
export type NotificationView = Static<typeof Notification>;

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
