/**
 * How an eSIM row and an event row become what the API shows. The activation code and the Apple install
 * link are derived from the row, never stored, so they cannot drift apart.
 */
import type { EsimEventsTable, EsimRow } from '../../db/types.js';
import { buildActivationCode } from '../../lib/activation-code.js';
import { iso } from '../../lib/clock.js';
import type { EsimEventView, EsimView } from './schemas.js';

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
    profile_type: e.profile_type,
    smdp_status: e.smdp_status,
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
    notification_point: e.notification_point ?? null,
    point_status: e.point_status ?? null,
  };
}
