/** TypeBox shapes of the payments routes (the Order and Checkout views are the packs module's). */
import { Type, type Static } from 'typebox';
import { Id, ListQuery, ReasonField, TimestampParam } from '../../http/schemas.js';
import { ORDER_STATUSES } from '../packs/schemas.js';

/** The caller's orders (GET /orders). */
export const OrderListQuery = Type.Object(
  { status: Type.Optional(Type.Enum(ORDER_STATUSES)), ...ListQuery },
  { additionalProperties: false },
);
export type OrderListQuery = Static<typeof OrderListQuery>;

/** Everyone's orders (GET /admin/orders): status, owner and a created_at range. */
export const AdminOrderListQuery = Type.Object(
  {
    status: Type.Optional(Type.Enum(ORDER_STATUSES)),
    user_id: Type.Optional(Id),
    from: Type.Optional(TimestampParam('created at or after')),
    to: Type.Optional(TimestampParam('created before')),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type AdminOrderListQuery = Static<typeof AdminOrderListQuery>;

export const RefundBody = Type.Object({ reason: ReasonField }, { additionalProperties: false });

export const WebhookAck = Type.Object({
  received: Type.Boolean(),
  outcome: Type.String({ description: 'what the event did: paid, failed, refunded, duplicate, ignored ...' }),
});
