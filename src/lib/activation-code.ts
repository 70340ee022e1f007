/**
 * GSMA SGP.22 activation codes, in the form a QR code carries them (section 4.1, prefixed `LPA:`):
 *
 *   LPA:1$<SM-DP+ address>$<Matching ID>[$<SM-DP+ OID>[$<Confirmation Code Required Flag>]]
 *
 * `1` is the AC format; the address is a bare FQDN (no scheme, no port, no path); the OID is dotted decimal
 * (may be empty only when the flag follows); the flag is `1` or absent. `$` separates fields and never
 * occurs inside one; the whole string is at most 255 characters. Every field keeps its case. The
 * confirmation code itself is never part of the string: only the flag saying one is required.
 */
export const ACTIVATION_CODE_MAX_LENGTH = 255;
const PREFIX = 'LPA:';
const AC_FORMAT = '1';
const SEPARATOR = '$';

/** Labels of letters, digits and inner hyphens, at least two of them, an alphabetic TLD. */
const FQDN_RE = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;
const OID_RE = /^[0-2](\.(0|[1-9][0-9]*))+$/;
/** Visible ASCII except `$`: the codes of other SM-DP+s may use more than our own 0-9A-Z and `-`. */
const MATCHING_ID_RE = /^[\x21-\x23\x25-\x7e]+$/;

export interface ActivationCode {
  smdpAddress: string;
  matchingId: string;
  /** The SM-DP+ OID, dotted decimal; absent when the code does not carry one. */
  oid?: string;
  confirmationCodeRequired: boolean;
}

export class ActivationCodeError extends Error {
  override name = 'ActivationCodeError';
}

export function isFqdn(address: string): boolean {
  return FQDN_RE.test(address);
}

function checkAddress(address: string): void {
  if (address.includes('://')) throw new ActivationCodeError('the SM-DP+ address must not carry a scheme');
  if (/:[0-9]*$/.test(address)) throw new ActivationCodeError('the SM-DP+ address must not carry a port');
  if (!isFqdn(address))
    throw new ActivationCodeError('the SM-DP+ address must be a fully qualified domain name');
}

function checkMatchingId(matchingId: string): void {
  if (!MATCHING_ID_RE.test(matchingId)) {
    throw new ActivationCodeError('the matching ID must be non-empty visible ASCII without `$`');
  }
}

function checkOid(oid: string): void {
  if (!OID_RE.test(oid)) throw new ActivationCodeError('the SM-DP+ OID must be dotted decimal');
}

/** The QR payload for `ac`; throws ActivationCodeError when a field is malformed or the result too long. */
export function buildActivationCode(ac: ActivationCode): string {
  for (const [name, value] of Object.entries(ac)) {
    if (typeof value === 'string' && value.includes(SEPARATOR)) {
      throw new ActivationCodeError(`\`$\` is not allowed inside a field (${name})`);
    }
  }
  checkAddress(ac.smdpAddress);
  checkMatchingId(ac.matchingId);
  if (ac.oid !== undefined) checkOid(ac.oid);
  const fields = [`${PREFIX}${AC_FORMAT}`, ac.smdpAddress, ac.matchingId];
  if (ac.oid !== undefined || ac.confirmationCodeRequired) fields.push(ac.oid ?? '');
  if (ac.confirmationCodeRequired) fields.push('1');
  const code = fields.join(SEPARATOR);
  if (code.length > ACTIVATION_CODE_MAX_LENGTH) {
    throw new ActivationCodeError(`an activation code is at most ${ACTIVATION_CODE_MAX_LENGTH} characters`);
  }
  return code;
}

/** Reads a QR payload strictly: anything but the exact form above is an ActivationCodeError. */
export function parseActivationCode(text: string): ActivationCode {
  if (text.length > ACTIVATION_CODE_MAX_LENGTH) {
    throw new ActivationCodeError(`an activation code is at most ${ACTIVATION_CODE_MAX_LENGTH} characters`);
  }
  if (!text.startsWith(PREFIX)) throw new ActivationCodeError('an activation code starts with `LPA:`');
  const fields = text.slice(PREFIX.length).split(SEPARATOR);
  const [format, address, matchingId, oid, flag] = fields;
  if (format !== AC_FORMAT) throw new ActivationCodeError('only the activation code format `1` is known');
  if (address === undefined || matchingId === undefined) {
    throw new ActivationCodeError('an activation code has an SM-DP+ address and a matching ID');
  }
  if (fields.length > 5) throw new ActivationCodeError('too many fields: `$` is not allowed inside a field');
  checkAddress(address);
  checkMatchingId(matchingId);
  if (flag !== undefined && flag !== '1') {
    throw new ActivationCodeError('the confirmation code flag is `1` or absent');
  }
  if (oid !== undefined && oid !== '') checkOid(oid);
  if (oid === '' && flag === undefined)
    throw new ActivationCodeError('an empty OID field must be followed by the flag');
  return {
    smdpAddress: address,
    matchingId,
    ...(oid ? { oid } : {}),
    confirmationCodeRequired: flag === '1',
  };
}
