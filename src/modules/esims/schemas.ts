/**
 * The TypeBox shapes of the eSIM routes: the named views (an eSIM, a new eSIM with its one-time code, a
 * lifecycle event) and every query and body the public and operators' routes accept.
 */
import { Type, type Static } from 'typebox';
import { Id, ListQuery, Nullable, Timestamp } from '../../http/schemas.js';
import { EID_PATTERN } from '../../lib/eid.js';
import { ICCID_PATTERN } from '../../lib/iccid.js';
import { ESIM_STATUSES } from './lifecycle.js';
import { QR_DEFAULT_SIZE, QR_FORMATS, QR_MAX_SIZE, QR_MIN_SIZE } from './qr.js';

export const EsimStatusField = Type.Enum([...ESIM_STATUSES]);

const LABEL = {
  minLength: 1,
  maxLength: 64,
  // at least one visible character, no control characters
  pattern: '^[^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f][^\\u0000-\\u001f\\u007f]*$',
  description: 'a name the owner gives the eSIM (1 to 64 characters)',
};
export const LabelField = Type.String(LABEL);
/**
 * A label or null (clears it). One `type: [string, null]` rather than a union: with the app's type
 * coercion a union's null branch would turn `""` into null instead of rejecting it.
 */
export const NullableLabelField = Type.Unsafe<string | null>({ ...LABEL, type: ['string', 'null'] });

export const EidField = Type.String({
  pattern: EID_PATTERN,
  description: '32-digit eUICC identifier; its ISO 7064 mod 97-10 check digits are verified',
});

export const Esim = Type.Object(
  {
    id: Id,
    user_id: Id,
    label: Nullable(Type.String()),
    iccid: Nullable(
      Type.String({
        pattern: ICCID_PATTERN,
        description:
          'E.118, Luhn check digit last; null only while provisioning (before the SM-DP+ named one)',
      }),
    ),
    eid: Nullable(Type.String({ description: 'set once the network reports the eUICC' })),
    status: EsimStatusField,
    smdp_address: Type.String({ description: 'SM-DP+ FQDN' }),
    matching_id: Type.String(),
    activation_code: Type.String({
      maxLength: 255,
      description:
        'SGP.22 `LPA:1$<smdp_address>$<matching_id>`, `$$1` appended when a confirmation code is required; the exact QR payload',
    }),
    confirmation_code_required: Type.Boolean(),
    apple_install_url: Type.String({ description: 'iOS 17.4+ one-tap install link' }),
    created_at: Timestamp,
    updated_at: Timestamp,
    profile_type: Type.Optional(
      Nullable(Type.String({ description: 'SMDP_MODE=es2plus: the profile type ordered from the SM-DP+' })),
    ),
    smdp_status: Type.Optional(
      Nullable(
        Type.String({
          description: 'status `error`: what the SM-DP+ reported (notification point, status, codes)',
        }),
      ),
    ),
  },
  { $id: 'Esim' },
);
export type EsimView = Static<typeof Esim>;

export const EsimCreated = Type.Object(
  {
    ...Esim.properties,
    confirmation_code: Type.Optional(
      Type.String({
        description:
          'only with ESIM_CONFIRMATION_CODE: shown in this answer only, stored hashed; enter it on the device',
      }),
    ),
  },
  { $id: 'EsimCreated' },
);
export type EsimCreatedView = Static<typeof EsimCreated>;

export const EsimEvent = Type.Object(
  {
    id: Id,
    esim_id: Id,
    from_status: Nullable(EsimStatusField),
    to_status: EsimStatusField,
    actor_type: Type.Enum(['user', 'admin', 'api_key', 'system', 'smdp']),
    actor_id: Nullable(Type.String({ description: 'the user id when the owner acted; null for operators' })),
    created_at: Timestamp,
    notification_point: Type.Optional(
      Nullable(Type.Integer({ description: 'an SM-DP+ callback: its notificationPointId' })),
    ),
    point_status: Type.Optional(
      Nullable(Type.String({ description: 'an SM-DP+ callback: its status and codes' })),
    ),
  },
  { $id: 'EsimEvent' },
);
export type EsimEventView = Static<typeof EsimEvent>;

// ---- requests ---------------------------------------------------------------------------------------

/** POST /esims: an optional label; an empty body is the same as `{}`. */
export const EsimCreateBody = Type.Union([
  Type.Object(
    {
      label: Type.Optional(LabelField),
      eid: Type.Optional({
        ...EidField,
        description: 'the device the profile is for, when known (SMDP_MODE=es2plus: sent to the SM-DP+)',
      }),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
]);

export const EsimCreateHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      pattern: '^[\\x21-\\x7E]+$',
      description:
        'Makes the creation safe to retry: 1 to 200 visible ASCII characters, unique per eSIM (kept with it)',
    }),
  ),
});

export const EsimRenameBody = Type.Object({ label: NullableLabelField }, { additionalProperties: false });

export const EsimListQuery = Type.Object(
  { status: Type.Optional(EsimStatusField), ...ListQuery },
  { additionalProperties: false },
);

export const EsimEventsQuery = Type.Object(ListQuery, { additionalProperties: false });

export const QrQuery = Type.Object(
  {
    format: Type.Optional(Type.Enum([...QR_FORMATS], { default: 'png' })),
    size: Type.Optional(
      Type.Integer({
        minimum: QR_MIN_SIZE,
        maximum: QR_MAX_SIZE,
        default: QR_DEFAULT_SIZE,
        description: 'pixels per side',
      }),
    ),
  },
  { additionalProperties: false },
);

/** Image bytes: documented as a binary string, sent as a Buffer (never through the JSON serializer). */
export const QrImageBody = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });
export const QrNotModified = Type.Null({ description: 'Not modified: the cached image is current' });

export const EsimStatusReport = Type.Object(
  { status: EsimStatusField, eid: Type.Optional(EidField) },
  { additionalProperties: false },
);

/** GET /admin/esims: everyone's eSIMs, every status unless one is asked for. */
export const AdminEsimListQuery = Type.Object(
  {
    user_id: Type.Optional(Id),
    status: Type.Optional(EsimStatusField),
    iccid: Type.Optional(Type.String({ pattern: ICCID_PATTERN, description: 'exact ICCID' })),
    ...ListQuery,
  },
  { additionalProperties: false },
);
export type AdminEsimListQuery = Static<typeof AdminEsimListQuery>;
