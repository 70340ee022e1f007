/**
 * The operator's own profile stock: importing the SM-DP+ vendor's CSV (`ICCID,IMSI,PROFILE_TYPE`,
 * Luhn-checked, re-importing changes nothing, rejects reported by line), the levels per profile type,
 * and the low-water mark per type, which raises one admin alert (and counts in a metric) each time the
 * available stock of a type falls below it, re-armed by the next import of that type.
 */
import { transaction, type Db, type Tx } from '../../../db/index.js';
import type { EsimProfilesTable, ProfileStockState } from '../../../db/types.js';
import type { Clock } from '../../../lib/clock.js';
import { isValidIccid } from '../../../lib/iccid.js';
import { newId } from '../../../lib/ids.js';
import { alertsRepo } from '../../alerts/repository.js';
import { stockRepo } from './stock.repository.js';

export interface ImportResult {
  imported: number;
  unchanged: number;
  rejected: { line: number; reason: string }[];
}

export interface StockLevel {
  profile_type: string;
  available: number;
  allocated: number;
  unavailable: number;
  total: number;
  low_water: number;
  low: boolean;
}

const IMSI_RE = /^[0-9]{6,15}$/;
const TYPE_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const TAKE_ATTEMPTS = 5;

interface Parsed {
  line: number;
  iccid: string;
  imsi: string;
  type: string;
}

/** One CSV line → a stock row, or the reason it is refused. */
function parseLine(raw: string, line: number): Parsed | string {
  const cells = raw.split(',').map((c) => c.trim());
  if (cells.length !== 3) return 'expected 3 fields: ICCID,IMSI,PROFILE_TYPE';
  const [rawIccid = '', imsi = '', type = ''] = cells;
  const iccid = /^[0-9]{19}F$/i.test(rawIccid) ? rawIccid.slice(0, -1) : rawIccid;
  if (!isValidIccid(iccid)) return 'ICCID is not 19 or 20 digits starting 89 with a valid Luhn check digit';
  if (!IMSI_RE.test(imsi)) return 'IMSI is not 6 to 15 digits';
  if (!TYPE_RE.test(type)) return 'PROFILE_TYPE is not 1 to 64 letters, digits, _ . -';
  return { line, iccid, imsi, type };
}

export class StockService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly opts: { defaultLowWater: number; onLow?: (profileType: string) => void },
  ) {}

  async importCsv(csv: string): Promise<ImportResult> {
    const rejected: ImportResult['rejected'] = [];
    const seen = new Map<string, Parsed>();
    for (const [i, raw] of csv.split(/\r?\n/).entries()) {
      const text = raw.trim();
      if (!text || (i === 0 && /^iccid\s*,/i.test(text))) continue;
      const p = parseLine(text, i + 1);
      if (typeof p === 'string') rejected.push({ line: i + 1, reason: p });
      else if (seen.has(p.iccid)) {
        rejected.push({ line: i + 1, reason: `duplicate of line ${seen.get(p.iccid)?.line}` });
      } else seen.set(p.iccid, p);
    }
    return transaction(this.db, async (tx) => {
      const now = this.clock.now();
      const rows: EsimProfilesTable[] = [];
      let unchanged = 0;
      const all = [...seen.values()];
      for (let i = 0; i < all.length; i += 500) {
        const chunk = all.slice(i, i + 500);
        const known = new Map(
          (
            await stockRepo.findByIccids(
              tx,
              chunk.map((p) => p.iccid),
            )
          ).map((k) => [k.iccid, k.profile_type]),
        );
        for (const p of chunk) {
          const type = known.get(p.iccid);
          if (type === undefined) {
            rows.push({
              id: newId(),
              iccid: p.iccid,
              imsi: p.imsi,
              profile_type: p.type,
              state: 'available',
              esim_id: null,
              created_at: now,
              updated_at: now,
            });
          } else if (type === p.type) unchanged += 1;
          else rejected.push({ line: p.line, reason: `ICCID already in stock as profile type ${type}` });
        }
      }
      let imported = 0;
      for (let i = 0; i < rows.length; i += 500)
        imported += await stockRepo.insertNew(tx, rows.slice(i, i + 500));
      rejected.sort((a, b) => a.line - b.line);
      return { imported, unchanged, rejected };
    });
  }

  async levels(): Promise<StockLevel[]> {
    const marks = new Map((await stockRepo.lowWaterMarks(this.db)).map((m) => [m.profile_type, m.low_water]));
    const byType = new Map<string, StockLevel>();
    for (const r of await stockRepo.levels(this.db)) {
      const level = byType.get(r.profile_type) ?? {
        profile_type: r.profile_type,
        available: 0,
        allocated: 0,
        unavailable: 0,
        total: 0,
        low_water: marks.get(r.profile_type) ?? this.opts.defaultLowWater,
        low: false,
      };
      level[r.state as ProfileStockState] += r.n;
      level.total += r.n;
      level.low = level.available < level.low_water;
      byType.set(r.profile_type, level);
    }
    return [...byType.values()];
  }

  async setLowWater(profileType: string, lowWater: number): Promise<StockLevel> {
    await stockRepo.setLowWater(this.db, profileType, lowWater, this.clock.now());
    const level = (await this.levels()).find((l) => l.profile_type === profileType);
    const none = { available: 0, allocated: 0, unavailable: 0, total: 0 };
    return level ?? { profile_type: profileType, ...none, low_water: lowWater, low: lowWater > 0 };
  }

  /** Whether es2plus orders of this type come from our stock (any imported) or from the SM-DP+'s pool. */
  usesStock(tx: Tx | Db, profileType: string): Promise<boolean> {
    return stockRepo.hasType(tx, profileType);
  }

  /** A profile of the type for `esimId`, or undefined when the stock of that type is exhausted. */
  async allocate(tx: Tx, profileType: string, esimId: string): Promise<string | undefined> {
    const now = this.clock.now();
    for (let i = 0; i < TAKE_ATTEMPTS; i++) {
      const row = await stockRepo.take(tx, profileType, esimId, now);
      if (row) {
        await this.checkLow(tx, profileType, now);
        return row.iccid;
      }
      const { available } = await stockRepo.countAvailable(tx, profileType);
      if (available === 0) break;
    }
    await this.checkLow(tx, profileType, now);
    return undefined;
  }

  /** Back to the stock (CancelOrder with Available) or out of it (the SM-DP+ does not know it). */
  release(tx: Tx | Db, iccid: string, state: 'available' | 'unavailable'): Promise<void> {
    return stockRepo.setState(tx, iccid, state, this.clock.now());
  }

  private async checkLow(tx: Tx, profileType: string, now: number): Promise<void> {
    const lowWater = (await stockRepo.lowWater(tx, profileType)) ?? this.opts.defaultLowWater;
    const { available, total } = await stockRepo.countAvailable(tx, profileType);
    if (available >= lowWater) return;
    const raised = await alertsRepo.raise(tx, {
      kind: 'inventory.low',
      message: `Only ${available} eSIM profiles of type ${profileType} are left (low-water mark ${lowWater}). Import more stock.`,
      refType: 'esim_profiles',
      refId: profileType,
      // one alert per fall below the mark: an import (a new total) re-arms it
      dedupeKey: `inventory.low:${profileType}:${total}`,
      at: now,
    });
    if (raised) this.opts.onLow?.(profileType);
  }
}
