/** TypeBox shapes of admin alerts: the Alert view and the list query. */
import { Type, type Static } from 'typebox';
import { Id, ListQuery, Nullable, NullableTimestamp, Timestamp } from '../../http/schemas.js';

export const ALERT_KIND_PATTERN = '^[a-z][a-z0-9_.-]{0,63}$';

export const Alert = Type.Object(
  {
    id: Id,
    kind: Type.String({ description: 'What happened, e.g. `inventory.low`, `webhook.endpoint_disabled`' }),
    message: Type.String(),
    ref_type: Nullable(Type.String()),
    ref_id: Nullable(Type.String()),
    created_at: Timestamp,
    read_at: NullableTimestamp,
    read_by: Nullable(Id),
  },
  { $id: 'Alert' },
);
export type AlertView = Static<typeof Alert>;

export const AlertListQuery = Type.Object(
  {
    unread: Type.Optional(Type.Boolean({ default: false })),
    kind: Type.Optional(Type.String({ pattern: ALERT_KIND_PATTERN, maxLength: 64 })),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type AlertListQuery = Static<typeof AlertListQuery>;
