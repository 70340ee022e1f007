/**
 * ICCIDs (ITU-T E.118): `89` (telecom) + the issuer prefix (country code and issuer) + an individual
 * account serial + the Luhn check digit, 19 or 20 digits in all. Pure: the randomness is a parameter.
 */
import { randomInt } from 'node:crypto';

export const ICCID_PATTERN = '^89[0-9]{17,18}$';
const ICCID_RE = new RegExp(ICCID_PATTERN);
const PREFIX_RE = /^89[0-9]{2,9}$/;

/** The Luhn (mod 10) check digit for `payload`, a string of decimal digits without its check digit. */
export function luhnCheckDigit(payload: string): number {
  if (!/^[0-9]+$/.test(payload)) throw new RangeError('Luhn payload must be decimal digits');
  let sum = 0;
  // from the right, every second digit of the payload (the first one left of the check digit) is doubled
  for (let i = payload.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = payload.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** Digits only, `89` first, 19 or 20 digits, and a correct Luhn check digit. */
export function isValidIccid(iccid: string): boolean {
  if (!ICCID_RE.test(iccid)) return false;
  return luhnCheckDigit(iccid.slice(0, -1)) === Number(iccid.at(-1));
}

export type RandomDigit = () => number;
const cryptoDigit: RandomDigit = () => randomInt(10);

/**
 * A fresh ICCID under `issuerPrefix` (`89` + 2..9 digits): a random serial fills the length, then the
 * Luhn digit. 19 digits by default (E.118's maximum including the check digit).
 */
export function generateIccid(
  issuerPrefix: string,
  length: 19 | 20 = 19,
  digit: RandomDigit = cryptoDigit,
): string {
  if (!PREFIX_RE.test(issuerPrefix)) throw new RangeError(`invalid ICCID issuer prefix: ${issuerPrefix}`);
  let payload = issuerPrefix;
  while (payload.length < length - 1) payload += String(digit());
  return payload + String(luhnCheckDigit(payload));
}
