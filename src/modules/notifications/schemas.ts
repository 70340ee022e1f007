/** TypeBox shapes of the notification routes: the Notification view and the list query. */
import { Type, type Static } from 'typebox';
import type { NotificationType } from '../../db/types.js';
import { Id, ListQuery, NullableTimestamp, Nullable, Timestamp } from '../../http/schemas.js';

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

export const NotificationListQuery = Type.Object(
  { unread: Type.Optional(Type.Boolean({ default: false })), ...ListQuery },
  { additionalProperties: false },
);
