/** Request schemas of the pack routes. */
import { Type } from 'typebox';
import { Id, ListQuery, Nullable } from '../../http/schemas.js';
import { PACK_STATUSES } from './model.js';

export const PurchaseBody = Type.Object(
  { plan_id: Id, esim_id: Type.Optional(Id) },
  { additionalProperties: false },
);

export const PurchaseHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '^[\\x21-\\x7E]+$',
      description:
        'Makes the purchase safe to retry for 24 h: 1 to 200 visible ASCII characters, unique per purchase',
    }),
  ),
});

export const BindBody = Type.Object(
  { esim_id: Nullable(Id) },
  { additionalProperties: false, description: 'one of the caller’s eSIMs, or null to unbind' },
);

export const PackListQuery = Type.Object(
  {
    status: Type.Optional(
      Type.Enum(PACK_STATUSES, {
        description: 'effective status: `expired` includes active packs past expiry',
      }),
    ),
    ...ListQuery,
  },
  { additionalProperties: false },
);
