/**
 * How an ES2+ outcome becomes our problem+json: each SM-DP+ subject/reason code we can name gets a stable
 * `code` (clients may rely on it); the rest is SMDP_FAILED with the codes in the detail. No usable answer
 * is 504 (timeout), 502 (connection, 5xx, a malformed answer) or 503 with Retry-After (breaker open).
 */
import { AppError } from '../../../errors.js';
import { Es2Failure, Es2Unavailable } from './client.js';

interface Mapped {
  status: number;
  code: string;
  text: string;
}

/** `subject/reason` → our answer (SGP.22 v2.2 Tables 24, 27, 30, 32). */
export const ES2_FAILURES: Readonly<Record<string, Mapped>> = {
  '8.2.5/3.7': {
    status: 503,
    code: 'NO_PROFILES_AVAILABLE',
    text: 'The SM-DP+ has no more profiles of this type',
  },
  '8.2.1/3.9': { status: 502, code: 'SMDP_ICCID_UNKNOWN', text: 'The SM-DP+ does not know this ICCID' },
  '8.2.1/1.2': {
    status: 502,
    code: 'SMDP_NOT_ALLOWED',
    text: 'The SM-DP+ does not let us act on this profile',
  },
  '8.2.5/3.9': {
    status: 502,
    code: 'SMDP_PROFILE_TYPE_UNKNOWN',
    text: 'The SM-DP+ does not know this profile type',
  },
  '8.2.5/3.8': {
    status: 502,
    code: 'SMDP_PROFILE_TYPE_REFUSED',
    text: 'The profile type does not match the ICCID',
  },
  '8.1.1/3.10': {
    status: 409,
    code: 'SMDP_EID_MISMATCH',
    text: 'Another EID is already bound to this profile',
  },
  '8.2.6/3.3': { status: 409, code: 'SMDP_MATCHING_ID_IN_USE', text: 'The matching ID is already in use' },
  '8.2.1/3.3': { status: 409, code: 'SMDP_ICCID_IN_USE', text: 'The profile is already in use' },
};

export function es2Key(err: Es2Failure): string {
  return `${err.code.subjectCode}/${err.code.reasonCode}`;
}

/** The AppError for an ES2+ error; anything else is returned unchanged. */
export function es2Problem(err: unknown): unknown {
  if (err instanceof Es2Failure) {
    const key = es2Key(err);
    const m = ES2_FAILURES[key];
    const said = `(SM-DP+ ${err.fn}: ${key}${err.code.message ? ` ${err.code.message}` : ''})`;
    if (m) {
      const headers = m.status === 503 ? { 'retry-after': '60' } : undefined;
      return new AppError(m.status, m.code, `${m.text} ${said}`, undefined, headers);
    }
    return new AppError(502, 'SMDP_FAILED', `The SM-DP+ refused the order ${said}`);
  }
  if (err instanceof Es2Unavailable) {
    switch (err.reason) {
      case 'timeout':
        return new AppError(504, 'SMDP_TIMEOUT', 'The SM-DP+ did not answer in time; try again later');
      case 'breaker':
        return new AppError(
          503,
          'SMDP_UNAVAILABLE',
          'The SM-DP+ is unavailable; try again later',
          undefined,
          {
            'retry-after': String(err.retryAfterS ?? 30),
          },
        );
      case 'protocol':
        return new AppError(
          502,
          'SMDP_BAD_RESPONSE',
          `The SM-DP+ answered something we cannot read: ${err.message}`,
        );
      default:
        return new AppError(502, 'SMDP_UNREACHABLE', 'The SM-DP+ could not be reached; try again later');
    }
  }
  return err;
}
