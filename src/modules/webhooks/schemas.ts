/** TypeBox shapes of the webhook admin routes: endpoints, their secret, deliveries and replays. */
import { Type, type Static } from 'typebox';
import { Id, ListQuery, Nullable, NullableTimestamp, Timestamp, TimestampParam } from '../../http/schemas.js';
import { EVENT_TYPES } from '../events/types.js';

const EventTypeOrAll = Type.Enum(['*', ...EVENT_TYPES], { description: 'an event type, or `*` for all' });
const EventTypes = Type.Array(EventTypeOrAll, { minItems: 1, maxItems: 20, uniqueItems: true });
const Url = Type.String({
  minLength: 8,
  maxLength: 2000,
  description: 'https URL that resolves to a public address (http and private ones only in development)',
});
const Description = Nullable(Type.String({ maxLength: 500 }));

export const WebhookEndpoint = Type.Object(
  {
    id: Id,
    url: Type.String(),
    description: Nullable(Type.String()),
    event_types: Type.Array(Type.String()),
    enabled: Type.Boolean(),
    disabled_reason: Nullable(Type.String({ description: 'why the service switched it off' })),
    failing_since: NullableTimestamp,
    previous_secret_expires_at: Type.Union([Timestamp, Type.Null()], {
      description: 'until when the secret before the last rotation also signs',
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'WebhookEndpoint' },
);
export type WebhookEndpointView = Static<typeof WebhookEndpoint>;

export const WebhookEndpointCreated = Type.Intersect([
  WebhookEndpoint,
  Type.Object({ secret: Type.String({ description: 'the signing secret `whsec_…`: shown this once' }) }),
]);

export const CreateEndpointBody = Type.Object(
  {
    url: Url,
    event_types: EventTypes,
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type CreateEndpointBody = Static<typeof CreateEndpointBody>;

export const UpdateEndpointBody = Type.Object(
  {
    url: Type.Optional(Url),
    event_types: Type.Optional(EventTypes),
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type UpdateEndpointBody = Static<typeof UpdateEndpointBody>;

export const RotateSecretBody = Type.Object(
  {
    overlap_s: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 604800,
        default: 86400,
        description: 'how long the old secret keeps signing too (seconds)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RotatedSecret = Type.Object({
  secret: Type.String({ description: 'the new signing secret `whsec_…`: shown this once' }),
  previous_secret_expires_at: NullableTimestamp,
});

const DeliveryStatus = Type.Enum(['pending', 'succeeded', 'failed']);

export const WebhookDelivery = Type.Object(
  {
    id: Id,
    endpoint_id: Id,
    event_id: Type.String({ description: 'also the `webhook-id` header' }),
    status: DeliveryStatus,
    attempts: Type.Integer(),
    next_attempt_at: NullableTimestamp,
    last_status_code: Nullable(Type.Integer()),
    last_error: Nullable(Type.String()),
    created_at: Timestamp,
    delivered_at: NullableTimestamp,
  },
  { $id: 'WebhookDelivery' },
);
export type WebhookDeliveryView = Static<typeof WebhookDelivery>;

export const WebhookAttempt = Type.Object({
  attempt: Type.Integer(),
  started_at: Timestamp,
  latency_ms: Type.Integer(),
  status_code: Nullable(Type.Integer()),
  succeeded: Type.Boolean(),
  error: Nullable(Type.String()),
  response_excerpt: Nullable(Type.String({ description: 'the first 1 KB of the answer' })),
});

export const WebhookDeliveryDetail = Type.Intersect([
  WebhookDelivery,
  Type.Object({ attempts_log: Type.Array(WebhookAttempt) }),
]);

export const DeliveryListQuery = Type.Object(
  { status: Type.Optional(DeliveryStatus), ...ListQuery },
  { additionalProperties: false },
);

export const EndpointListQuery = Type.Object(ListQuery, { additionalProperties: false });

export const ReplayRangeBody = Type.Object(
  {
    since: TimestampParam('inclusive'),
    until: TimestampParam('exclusive'),
    only_failed: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'true: the events whose delivery failed; false: every event of its types',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ReplayRangeBody = Static<typeof ReplayRangeBody>;

export const Replayed = Type.Object({
  replayed: Type.Integer({ description: 'deliveries queued' }),
});
