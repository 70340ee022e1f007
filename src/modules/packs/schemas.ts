/** TypeBox shapes of the pack routes: the Pack view, the purchase, bind and list requests. */
import { Type, type Static } from 'typebox';
import { Id, ListQuery, Nullable, NullableTimestamp, ReasonField, Timestamp } from '../../http/schemas.js';
import { CurrencyField, DataBytesField, PackNameField, ValidityDaysField } from '../plans/schemas.js';
import { PACK_STATUSES } from './lifecycle.js';

/** The public shape of a data pack. The status shown is the effective one at the reader's clock. */
export const Pack = Type.Object(
  {
    id: Id,
    user_id: Id,
    plan_id: Nullable(Id),
    esim_id: Nullable(Id),
    name: Type.String(),
    total_bytes: Type.Integer({ minimum: 0 }),
    used_bytes: Type.Integer({ minimum: 0 }),
    remaining_bytes: Type.Integer({ minimum: 0 }),
    status: Type.Enum(PACK_STATUSES),
    validity_days: Type.Integer({ minimum: 1, description: 'validity counted from activation' }),
    created_at: Timestamp,
    activated_at: NullableTimestamp,
    expires_at: NullableTimestamp,
    ended_at: NullableTimestamp, // when it became depleted, expired or cancelled
    price_cents: Type.Integer({ minimum: 0 }),
    currency: Type.String(),
  },
  { $id: 'Pack' },
);
export type PackView = Static<typeof Pack>;

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

/** The caller's packs (GET /packs). */
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

/** Everyone's packs (GET /admin/packs): the caller's list filters, plus owner, plan and eSIM. */
export const AdminPackListQuery = Type.Object(
  {
    user_id: Type.Optional(Id),
    plan_id: Type.Optional(Id),
    esim_id: Type.Optional(Id),
    ...PackListQuery.properties,
  },
  { additionalProperties: false },
);
export type AdminPackListQuery = Static<typeof AdminPackListQuery>;

// ---- grants: a free pack an operator gives (POST /admin/users/{id}/grants, served by the users module)

export const GrantFromPlan = Type.Object(
  { plan_id: Id, reason: ReasonField },
  { additionalProperties: false, description: 'the terms of a catalogue plan (active or not)' },
);
export const GrantCustom = Type.Object(
  {
    name: PackNameField,
    data_bytes: DataBytesField,
    validity_days: ValidityDaysField,
    currency: Type.Optional(CurrencyField),
    reason: ReasonField,
  },
  {
    additionalProperties: false,
    description: 'custom terms; `currency` (default USD) only labels the free pack',
  },
);
export const GrantBody = Type.Union([GrantFromPlan, GrantCustom]);
export type GrantBody = Static<typeof GrantBody>;

// ---- orders: what a purchase paid (served by the payments module's routes)

export const ORDER_STATUSES = ['pending_payment', 'paid', 'failed', 'refunded', 'expired'] as const;

/** One order: the money side of a pack (a purchase, a checkout waiting for its payment, or a grant). */
export const Order = Type.Object(
  {
    id: Id,
    user_id: Id,
    plan_id: Nullable(Id),
    pack_id: Nullable(Id),
    esim_id: Nullable(Id),
    name: Nullable(Type.String({ description: 'the pack this order buys (orders paid through a provider)' })),
    status: Type.Enum(ORDER_STATUSES),
    amount_cents: Type.Integer({
      minimum: 0,
      description: 'in the currency’s minor unit (none for JPY or KRW, so whole yen or won)',
    }),
    refunded_cents: Type.Integer({
      minimum: 0,
      description:
        'how much of amount_cents went back to the payer, same unit: 0 until a refund, less than ' +
        'amount_cents after a partial refund (the order stays paid, its pack as it was), all of it once refunded',
    }),
    currency: Type.String(),
    provider: Nullable(Type.String({ description: 'who takes the payment; null when none was needed' })),
    disputed: Type.Boolean({ description: 'the payer disputed the payment with their bank' }),
    failure_reason: Nullable(Type.String()),
    created_at: Timestamp,
    updated_at: Timestamp,
    paid_at: NullableTimestamp,
  },
  { $id: 'Order' },
);
export type OrderView = Static<typeof Order>;

/** The answer to POST /packs when a provider takes the payment. */
export const Checkout = Type.Object(
  {
    order: Type.Unsafe<OrderView>(Type.Ref('Order')),
    pack: Nullable(Type.Unsafe<PackView>(Type.Ref('Pack'))),
    client_secret: Nullable(
      Type.String({ description: 'STRIPE_CHECKOUT=intent: confirm the payment with Stripe.js' }),
    ),
    publishable_key: Nullable(
      Type.String({
        description:
          'STRIPE_CHECKOUT=intent: the public key to load Stripe.js with (null when not configured)',
      }),
    ),
    checkout_url: Nullable(Type.String({ description: 'STRIPE_CHECKOUT=session: send the customer here' })),
  },
  { $id: 'Checkout' },
);
export type CheckoutView = Static<typeof Checkout>;
