/**
 * EIDs, the eUICC identifiers (GSMA SGP.02/SGP.22): 32 decimal digits whose last two are ISO 7064
 * mod 97-10 check digits, so the whole number taken mod 97 equals 1 (the IBAN scheme).
 */
export const EID_PATTERN = '^[0-9]{32}$';
const EID_RE = new RegExp(EID_PATTERN);

/** `digits` mod 97 in chunks small enough for exact double arithmetic. */
function mod97(digits: string): number {
  let rest = 0;
  for (let i = 0; i < digits.length; i += 7) rest = Number(`${rest}${digits.slice(i, i + 7)}`) % 97;
  return rest;
}

export function isValidEid(eid: string): boolean {
  return EID_RE.test(eid) && mod97(eid) === 1;
}

/** The two check digits completing the first 30 digits of an EID. */
export function eidCheckDigits(first30: string): string {
  if (!/^[0-9]{30}$/.test(first30)) throw new RangeError('an EID body is 30 decimal digits');
  return String(98 - mod97(`${first30}00`)).padStart(2, '0');
}
