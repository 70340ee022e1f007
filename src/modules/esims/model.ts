/**
 * The public shapes of an eSIM and of its lifecycle history, and how a row becomes them. The activation
 * code and the Apple install link are derived from the row, never stored, so they cannot drift apart.
 */
import { Type, type Static } from 'typebox';
import type { EsimEventsTable, EsimRow } from '../../db/types.js';
import { Id, Nullable, Timestamp } from '../../http/schemas.js';
import { buildActivationCode } from '../../lib/activation-code.js';
import { iso } from '../../lib/clock.js';
import { EID_PATTERN } from '../../lib/eid.js';
import { ICCID_PATTERN } from '../../lib/iccid.js';
import { ESIM_STATUSES } from './lifecycle.js';

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
    iccid: Type.String({ pattern: ICCID_PATTERN, description: 'E.118, Luhn check digit last' }),
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
    actor_type: Type.Enum(['user', 'admin', 'api_key', 'system']),
    actor_id: Nullable(Type.String({ description: 'the user id when the owner acted; null for operators' })),
    created_at: Timestamp,
  },
  { $id: 'EsimEvent' },
);
export type EsimEventView = Static<typeof EsimEvent>;

export const APPLE_INSTALL_BASE = 'https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=';

/**
 * Apple's universal link carries the activation code exactly as the QR does, in the `carddata` query
 * parameter. It is encoded as a query component (RFC 3986): `:` and `$` are legal there and stay as they
 * are, like in Apple's examples, so for every code we issue (letters, digits, `.`, `-`, `:`, `$`) the link is
 * the prefix plus the code verbatim; anything else (`&`, `+`, `#`, spaces...) would be percent-encoded.
 */
export function appleInstallUrl(activationCode: string): string {
  return APPLE_INSTALL_BASE + encodeURIComponent(activationCode).replace(/%24/g, '$').replace(/%3A/g, ':');
}

export function activationCodeOf(e: EsimRow): string {
  return buildActivationCode({
    smdpAddress: e.smdp_address,
    matchingId: e.matching_id,
    confirmationCodeRequired: e.confirmation_code_hash !== null,
  });
}

export function toEsimView(e: EsimRow): EsimView {
  const activation = activationCodeOf(e);
  return {
    id: e.id,
    user_id: e.user_id,
    label: e.label,
    iccid: e.iccid,
    eid: e.eid,
    status: e.status,
    smdp_address: e.smdp_address,
    matching_id: e.matching_id,
    activation_code: activation,
    confirmation_code_required: e.confirmation_code_hash !== null,
    apple_install_url: appleInstallUrl(activation),
    created_at: iso(e.created_at),
    updated_at: iso(e.updated_at),
  };
}

/** Operators' ids are not shown to the owner: only that an operator or the network acted. */
export function toEsimEventView(e: EsimEventsTable): EsimEventView {
  return {
    id: e.id,
    esim_id: e.esim_id,
    from_status: e.from_status,
    to_status: e.to_status,
    actor_type: e.actor_type,
    actor_id: e.actor_type === 'user' ? e.actor_id : null,
    created_at: iso(e.created_at),
  };
}
