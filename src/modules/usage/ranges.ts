/**
 * How a usage read is answered without reading the whole history: the whole UTC hours of the range come
 * from the hourly rollups, and only the partial hours at its two edges from the records. Pure helpers.
 */
import { HOUR_MS } from '../../lib/clock.js';
import type { Bucket } from './repository.js';

export interface SplitRange {
  /** Whole hours [from, to) answered by the rollups, when the range holds any. */
  whole?: [number, number];
  /** The partial hours at the edges (or the whole range when it holds no whole hour): read from records. */
  edges: [number, number][];
}

export function splitRange(from: number, to: number): SplitRange {
  const a = Math.ceil(from / HOUR_MS) * HOUR_MS;
  const b = Math.floor(to / HOUR_MS) * HOUR_MS;
  if (a >= b) return { edges: [[from, to]] };
  const edges: [number, number][] = [];
  if (from < a) edges.push([from, a]);
  if (b < to) edges.push([b, to]);
  return { whole: [a, b], edges };
}

/** Sums buckets with the same start. */
export function mergeBuckets(parts: Bucket[][]): Bucket[] {
  const by = new Map<number, Bucket>();
  for (const b of parts.flat()) {
    const seen = by.get(b.start);
    if (seen) {
      seen.bytes += b.bytes;
      seen.overage += b.overage;
    } else by.set(b.start, { ...b });
  }
  return [...by.values()].sort((x, y) => x.start - y.start);
}

/** Sums per-pack totals, in pack id order. */
export function mergeTotals(
  parts: { pack_id: string; bytes: number }[][],
): { pack_id: string; bytes: number }[] {
  const by = new Map<string, number>();
  for (const t of parts.flat()) by.set(t.pack_id, (by.get(t.pack_id) ?? 0) + t.bytes);
  return [...by.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([pack_id, bytes]) => ({ pack_id, bytes }));
}
