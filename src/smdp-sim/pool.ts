/**
 * The simulator's profile pool and the SGP.22 v2.2 profile state machine (§3.1.6 Table 6b), in memory:
 *
 *   Available → Allocated (no EID) | Linked (EID) → Confirmed | Released → Downloaded → Installed,
 *   Error, Unavailable.
 *
 * Loaded from a CSV (`ICCID,IMSI,PROFILE_TYPE`, header optional) or generated with valid Luhn ICCIDs.
 * `deviceState` is what the phone did after installation (enable, disable, delete): SGP.22 leaves those
 * notifications to the SM-DP+ and the operator to agree on, so they do not change `state`.
 */
import { readFileSync } from 'node:fs';
import { luhnCheckDigit } from '../lib/iccid.js';

export type ProfileState =
  | 'Available'
  | 'Allocated'
  | 'Linked'
  | 'Confirmed'
  | 'Released'
  | 'Downloaded'
  | 'Installed'
  | 'Error'
  | 'Unavailable';

export interface Profile {
  iccid: string;
  imsi: string;
  profileType: string;
  state: ProfileState;
  eid: string | null;
  matchingId: string | null;
  /** SHA-256 of the confirmation code, hex, when one was given. */
  ccHash: string | null;
  /** Who ordered it: only the same requester may confirm, release or cancel it. */
  requester: string | null;
  deviceState: 'none' | 'enabled' | 'disabled' | 'deleted';
}

/** A 19-digit ICCID with its Luhn digit from a prefix and a serial. */
export function iccidOf(prefix: string, serial: number): string {
  const payload = prefix + String(serial).padStart(18 - prefix.length, '0');
  return payload + String(luhnCheckDigit(payload));
}

/** A 19-digit ICCID and the same with the padding `F` (SPEC Table 21) name one profile. */
export function normaliseIccid(iccid: string): string {
  return iccid.toUpperCase().endsWith('F') ? iccid.slice(0, -1) : iccid;
}

export function generatePool(size: number, types: string[], prefix = '8988300'): Profile[] {
  const out: Profile[] = [];
  for (let i = 1; i <= size; i++) {
    out.push(
      fresh(iccidOf(prefix, i), `00101${String(i).padStart(10, '0')}`, types[(i - 1) % types.length] ?? 'X'),
    );
  }
  return out;
}

export function fresh(iccid: string, imsi: string, profileType: string): Profile {
  return {
    iccid,
    imsi,
    profileType,
    state: 'Available',
    eid: null,
    matchingId: null,
    ccHash: null,
    requester: null,
    deviceState: 'none',
  };
}

/** Rows of `ICCID,IMSI,PROFILE_TYPE`; a first line starting with a letter is a header. */
export function poolFromCsv(path: string): Profile[] {
  const lines = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim());
  const out: Profile[] = [];
  for (const [i, line] of lines.entries()) {
    if (!line || (i === 0 && /^[A-Za-z]/.test(line))) continue;
    const [iccid, imsi, type] = line.split(',').map((c) => c.trim());
    if (!iccid || !/^[0-9]{19,20}$/.test(iccid) || !type)
      throw new Error(`pool CSV line ${i + 1} is invalid`);
    out.push(fresh(iccid, imsi ?? '', type));
  }
  if (out.length === 0) throw new Error(`pool CSV ${path} has no profiles`);
  return out;
}

/** The pool, indexed by ICCID and matching ID. */
export class Pool {
  private readonly byIccid = new Map<string, Profile>();
  private readonly byMatchingId = new Map<string, Profile>();
  /** Per profile type, the ICCIDs still Available in pool order (the next free one is found fast). */
  private readonly free = new Map<string, Set<string>>();

  constructor(profiles: Profile[]) {
    for (const p of profiles) {
      this.byIccid.set(p.iccid, p);
      this.markFree(p);
    }
  }

  get(iccid: string): Profile | undefined {
    return this.byIccid.get(normaliseIccid(iccid));
  }

  byMatching(matchingId: string): Profile | undefined {
    return this.byMatchingId.get(matchingId);
  }

  hasType(type: string): boolean {
    return this.free.has(type);
  }

  nextFree(type: string): Profile | undefined {
    const set = this.free.get(type);
    if (!set) return undefined;
    for (const iccid of set) return this.byIccid.get(iccid);
    return undefined;
  }

  /** Applies a state change and keeps the indexes true. */
  set(p: Profile, change: Partial<Profile>): void {
    if (p.matchingId) this.byMatchingId.delete(p.matchingId);
    Object.assign(p, change);
    if (p.matchingId) this.byMatchingId.set(p.matchingId, p);
    this.markFree(p);
  }

  list(filter: { type?: string; state?: ProfileState; limit: number }): Profile[] {
    const out: Profile[] = [];
    for (const p of this.byIccid.values()) {
      if (filter.type && p.profileType !== filter.type) continue;
      if (filter.state && p.state !== filter.state) continue;
      out.push(p);
      if (out.length >= filter.limit) break;
    }
    return out;
  }

  private markFree(p: Profile): void {
    const set = this.free.get(p.profileType) ?? new Set<string>();
    this.free.set(p.profileType, set);
    if (p.state === 'Available') set.add(p.iccid);
    else set.delete(p.iccid);
  }
}
