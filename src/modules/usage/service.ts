/**
 * Reading usage: a user's records, their summary over a time range and a pack's usage over time. Buckets
 * are UTC hours or days; the whole hours of a range are read from the hourly rollups and only its two
 * partial edge hours from the records (ranges.ts), so a read costs the same however long the history is.
 * The range is bounded so one request never reads without limit.
 */
import type { Db } from '../../db/index.js';
import type { UsageRecordRow } from '../../db/types.js';
import { badRequest, notFound } from '../../errors.js';
import { DAY_MS, HOUR_MS, iso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import { packsRepo } from '../packs/repository.js';
import { mergeBuckets, mergeTotals, splitRange } from './ranges.js';
import { usageRepo, type Bucket } from './repository.js';
import { rollupsRepo } from './rollups.repository.js';
import type { Granularity, RangeInput, UsageRecordView } from './schemas.js';

export interface UsageRange {
  from: number;
  to: number;
  granularity: Granularity;
}

const BUCKET_MS: Record<Granularity, number> = { hour: HOUR_MS, day: DAY_MS };
const DEFAULT_SPAN_MS = 7 * DAY_MS;
/** The longest range per granularity: at most 744 hourly or 367 daily buckets per answer. */
const MAX_SPAN_MS: Record<Granularity, number> = { hour: 31 * DAY_MS, day: 366 * DAY_MS };

/** The query's range with its defaults (the last 7 days, daily), or a 400 naming the field at fault. */
export function resolveRange(q: RangeInput, now: number): UsageRange {
  const granularity = q.granularity ?? 'day';
  const to = q.to !== undefined ? Date.parse(q.to) : now;
  const from = q.from !== undefined ? Date.parse(q.from) : to - DEFAULT_SPAN_MS;
  if (!(from < to)) {
    throw badRequest('INVALID_RANGE', 'from must be before to', [
      { field: 'querystring.from', message: 'must be before to' },
    ]);
  }
  if (to - from > MAX_SPAN_MS[granularity]) {
    const days = MAX_SPAN_MS[granularity] / DAY_MS;
    throw badRequest('RANGE_TOO_LARGE', `a ${granularity}ly range spans at most ${days} days`, [
      {
        field: 'querystring.from',
        message: `must be at most ${days} days before to at ${granularity}ly granularity`,
      },
    ]);
  }
  return { from, to, granularity };
}

/** Every bucket from the one holding `from` up to `to`, zero where nothing was used. */
function denseBuckets(range: UsageRange, rows: Bucket[]): { start: string; bytes: number }[] {
  const size = BUCKET_MS[range.granularity];
  const found = new Map(rows.map((r) => [r.start, r.bytes]));
  const out: { start: string; bytes: number }[] = [];
  for (let start = Math.floor(range.from / size) * size; start < range.to; start += size) {
    out.push({ start: iso(start), bytes: found.get(start) ?? 0 });
  }
  return out;
}

function rangeView(range: UsageRange) {
  return { granularity: range.granularity, from: iso(range.from), to: iso(range.to) };
}

export class UsageService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** The user's records, most recently received first, each with the packs it debited. */
  async list(userId: string, limit: number, cursor?: string): Promise<Page<UsageRecordView>> {
    const after = decodeCursor(cursor);
    const rows = await usageRepo.listRecords(this.db, userId, { after, limit });
    const page = rows.slice(0, limit);
    const debits = await usageRepo.debitsOf(
      this.db,
      page.map((r) => r.id),
    );
    const byRecord = new Map<string, { pack_id: string; bytes: number }[]>();
    for (const d of debits) {
      const list = byRecord.get(d.usage_id) ?? [];
      list.push({ pack_id: d.pack_id, bytes: d.bytes });
      byRecord.set(d.usage_id, list);
    }
    return toPage(rows, limit, (r: UsageRecordRow) => ({
      id: r.id,
      event_id: r.event_id,
      esim_id: r.esim_id,
      iccid: r.iccid,
      bytes: r.bytes,
      debited_bytes: r.bytes - r.overage_bytes,
      overage_bytes: r.overage_bytes,
      debits: byRecord.get(r.id) ?? [],
      occurred_at: iso(r.occurred_at),
      received_at: iso(r.received_at),
    }));
  }

  /** Totals, per-pack totals and buckets over the query's range (400 for a bad or too long range). */
  async summary(userId: string, q: RangeInput) {
    const range = resolveRange(q, this.clock.now());
    const size = BUCKET_MS[range.granularity];
    const { whole, edges } = splitRange(range.from, range.to);
    const [bucketParts, totalParts] = await Promise.all([
      Promise.all([
        ...(whole ? [rollupsRepo.userBuckets(this.db, userId, whole[0], whole[1], size)] : []),
        ...edges.map(([a, b]) => usageRepo.userBuckets(this.db, userId, a, b, size)),
      ]),
      Promise.all([
        ...(whole ? [rollupsRepo.userPackTotals(this.db, userId, whole[0], whole[1])] : []),
        ...edges.map(([a, b]) => usageRepo.userPackTotals(this.db, userId, a, b)),
      ]),
    ]);
    const rows = mergeBuckets(bucketParts);
    const totals = mergeTotals(totalParts);
    const names = await packsRepo.namesOf(
      this.db,
      totals.map((t) => t.pack_id),
    );
    return {
      total_bytes: rows.reduce((sum, r) => sum + r.bytes, 0),
      overage_bytes: rows.reduce((sum, r) => sum + r.overage, 0),
      by_pack: totals.map((t) => ({ pack_id: t.pack_id, name: names.get(t.pack_id) ?? '', bytes: t.bytes })),
      ...rangeView(range),
      buckets: denseBuckets(range, rows),
    };
  }

  /** A pack's usage over time; another user's pack is a 404, as if it did not exist. */
  async packUsage(userId: string, packId: string, q: RangeInput) {
    const range = resolveRange(q, this.clock.now());
    if (!(await packsRepo.findOwned(this.db, userId, packId))) throw notFound('Pack');
    const size = BUCKET_MS[range.granularity];
    const { whole, edges } = splitRange(range.from, range.to);
    const parts = await Promise.all([
      ...(whole ? [rollupsRepo.packBuckets(this.db, packId, whole[0], whole[1], size)] : []),
      ...edges.map(([a, b]) => usageRepo.packBuckets(this.db, userId, packId, a, b, size)),
    ]);
    return { pack_id: packId, ...rangeView(range), buckets: denseBuckets(range, mergeBuckets(parts)) };
  }
}
