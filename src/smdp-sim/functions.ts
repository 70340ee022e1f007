/**
 * The four ES2+ functions the operator calls (SGP.22 v2.2 §5.3.1–5.3.4), on the pool's state machine.
 * Each answers the function's output fields or a Failed status with the SPEC's subject and reason codes;
 * the server wraps either in the response header and sends HTTP 200.
 */
import { createHash, randomBytes } from 'node:crypto';
import { normaliseIccid, type Pool, type Profile } from './pool.js';

export interface StatusCodeData {
  subjectCode: string;
  reasonCode: string;
  subjectIdentifier?: string;
  message?: string;
}

export type Outcome = { ok: true; body: Record<string, unknown> } | { ok: false; code: StatusCodeData };

export class Es2Error extends Error {
  constructor(readonly code: StatusCodeData) {
    super(`${code.subjectCode}/${code.reasonCode} ${code.message ?? ''}`);
  }
}

const fail = (subjectCode: string, reasonCode: string, message: string): never => {
  throw new Es2Error({ subjectCode, reasonCode, message });
};

const ICCID_RE = /^[0-9]{19}[0-9F]?$/i;
const EID_RE = /^[0-9]{32}$/;
const MATCHING_ID_RE = /^[0-9A-Z-]{0,64}$/;

type Body = Record<string, unknown>;

function optString(b: Body, field: string, re?: RegExp): string | undefined {
  const v = b[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || (re && !re.test(v))) fail('8.1', '2.1', `${field} is invalid`);
  return v as string;
}

function reqIccid(b: Body): string {
  const v = optString(b, 'iccid', ICCID_RE);
  if (v === undefined) fail('8.2.1', '2.2', 'iccid is missing');
  return normaliseIccid(v as string);
}

export interface SimSettings {
  /** Returned as `smdpAddress` in ConfirmOrder; null: not returned (the operator uses its default). */
  smdpAddress: string | null;
}

export class Es2Functions {
  constructor(
    private readonly pool: Pool,
    private readonly settings: SimSettings,
  ) {}

  run(fn: string, requester: string, body: Body): Outcome {
    try {
      switch (fn) {
        case 'downloadOrder':
          return { ok: true, body: this.downloadOrder(requester, body) };
        case 'confirmOrder':
          return { ok: true, body: this.confirmOrder(requester, body) };
        case 'cancelOrder':
          return { ok: true, body: this.cancelOrder(requester, body) };
        case 'releaseProfile':
          return { ok: true, body: this.releaseProfile(requester, body) };
        default:
          return { ok: false, code: { subjectCode: '8.1', reasonCode: '1.1', message: 'unknown function' } };
      }
    } catch (err) {
      if (err instanceof Es2Error) return { ok: false, code: err.code };
      throw err;
    }
  }

  private owned(requester: string, iccid: string): Profile {
    const p = this.pool.get(iccid);
    if (!p) return fail('8.2.1', '3.9', 'ICCID unknown');
    if (p.requester !== null && p.requester !== requester) fail('8.2.1', '1.2', 'not allowed');
    return p;
  }

  /** §5.3.1: reserve the given ICCID, or the next free one of the profile type. */
  downloadOrder(requester: string, b: Body): Body {
    const eid = optString(b, 'eid', EID_RE);
    const type = optString(b, 'profileType');
    const given = optString(b, 'iccid', ICCID_RE);
    let p: Profile | undefined;
    if (given !== undefined) {
      p = this.pool.get(given);
      if (!p) return fail('8.2.1', '3.9', 'ICCID unknown');
      if (p.state !== 'Available') fail('8.2.1', '3.3', 'ICCID already in use');
      if (type !== undefined && type !== p.profileType) fail('8.2.5', '3.8', 'profile type refused');
    } else if (type !== undefined) {
      if (!this.pool.hasType(type)) fail('8.2.5', '3.9', 'profile type unknown');
      p = this.pool.nextFree(type) ?? fail('8.2.5', '3.7', 'No more Profile');
    } else {
      return fail('8.2.5', '2.2', 'iccid or profileType is required');
    }
    const profile = p as Profile;
    this.pool.set(profile, { state: eid ? 'Linked' : 'Allocated', eid: eid ?? null, requester });
    return { iccid: profile.iccid };
  }

  /** §5.3.2: bind the matching ID (ours, or one made here) and confirm or release. */
  confirmOrder(requester: string, b: Body): Body {
    const iccid = reqIccid(b);
    if (typeof b.releaseFlag !== 'boolean') fail('8.1', '2.2', 'releaseFlag is missing');
    const eid = optString(b, 'eid', EID_RE);
    const given = optString(b, 'matchingId', MATCHING_ID_RE);
    const cc = optString(b, 'confirmationCode');
    const p = this.owned(requester, iccid);
    if (eid && p.eid && eid !== p.eid) fail('8.1.1', '3.10', 'another EID is associated');
    if (given) {
      const other = this.pool.byMatching(given);
      if (other && other !== p) fail('8.2.6', '3.3', 'matchingId already in use');
    }
    // a retried ConfirmOrder with the same matching ID finds its own result (see ES2PLUS.md §5)
    const repeat = (p.state === 'Confirmed' || p.state === 'Released') && given && given === p.matchingId;
    if (!repeat) {
      if (p.state !== 'Allocated' && p.state !== 'Linked') fail('8.2.1', '3.5', 'invalid transition');
      const boundEid = eid ?? p.eid;
      if (given === '' && !boundEid) fail('8.1.1', '2.2', 'EID is required with an empty matchingId');
      const matchingId = given || this.newMatchingId();
      this.pool.set(p, {
        state: b.releaseFlag ? 'Released' : 'Confirmed',
        eid: boundEid,
        matchingId,
        ccHash: cc ? createHash('sha256').update(cc).digest('hex') : null,
      });
    }
    const out: Body = { matchingId: p.matchingId ?? '' };
    if (p.eid) out.eid = p.eid;
    if (this.settings.smdpAddress) out.smdpAddress = this.settings.smdpAddress;
    return out;
  }

  /** §5.3.3: only before the download; the profile goes back to the pool or out of it. */
  cancelOrder(requester: string, b: Body): Body {
    const iccid = reqIccid(b);
    const eid = optString(b, 'eid', EID_RE);
    const matchingId = optString(b, 'matchingId', MATCHING_ID_RE);
    const final = b.finalProfileStatusIndicator;
    if (final !== 'Available' && final !== 'Unavailable') {
      fail('8.1', '2.2', 'finalProfileStatusIndicator must be Available or Unavailable');
    }
    const p = this.owned(requester, iccid);
    if (p.state === 'Downloaded' || p.state === 'Installed') fail('8.2.1', '3.3', 'already downloaded');
    if (p.state === 'Available' || p.state === 'Unavailable') fail('8.2.1', '3.5', 'nothing to cancel');
    if (eid && p.eid && eid !== p.eid) fail('8.2.1', '3.10', 'another EID is associated');
    if (matchingId && p.matchingId && matchingId !== p.matchingId) {
      fail('8.2.6', '3.10', 'another matchingId is associated');
    }
    this.pool.set(p, {
      state: final as 'Available' | 'Unavailable',
      eid: null,
      matchingId: null,
      ccHash: null,
      requester: final === 'Available' ? null : p.requester,
      deviceState: 'none',
    });
    return {};
  }

  /** §5.3.4: Confirmed → Released; already Released is a success with nothing done. */
  releaseProfile(requester: string, b: Body): Body {
    const p = this.owned(requester, reqIccid(b));
    if (p.state === 'Released') return {};
    if (p.state !== 'Confirmed') fail('8.2.1', '3.5', 'invalid transition');
    this.pool.set(p, { state: 'Released' });
    return {};
  }

  private newMatchingId(): string {
    const a = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const bytes = randomBytes(20);
    let s = '';
    for (let i = 0; i < 20; i++) s += a[(bytes[i] ?? 0) % a.length] + (i % 5 === 4 && i < 19 ? '-' : '');
    return s;
  }
}
