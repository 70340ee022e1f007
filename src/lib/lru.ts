/**
 * A least-recently-used cache bounded by entry count and by total size (as `sizeOf` measures it). A Map
 * keeps insertion order, so re-inserting on every hit makes its first key the least recently used.
 */
export interface LruOptions<V> {
  maxEntries: number;
  maxBytes: number;
  sizeOf: (value: V) => number;
}

export class LruCache<K, V> {
  private readonly map = new Map<K, { value: V; size: number }>();
  private total = 0;

  constructor(private readonly opts: LruOptions<V>) {
    if (opts.maxEntries < 1 || opts.maxBytes < 1) throw new RangeError('LRU bounds must be positive');
  }

  get size(): number {
    return this.map.size;
  }

  get bytes(): number {
    return this.total;
  }

  get(key: K): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Stores `value` as the most recent entry; a value larger than the byte bound is not kept at all. */
  set(key: K, value: V): void {
    this.delete(key);
    const size = this.opts.sizeOf(value);
    if (size > this.opts.maxBytes) return;
    this.map.set(key, { value, size });
    this.total += size;
    while (this.map.size > this.opts.maxEntries || this.total > this.opts.maxBytes) {
      const oldest = this.map.keys().next().value as K;
      this.delete(oldest);
    }
  }

  delete(key: K): boolean {
    const hit = this.map.get(key);
    if (!hit) return false;
    this.map.delete(key);
    this.total -= hit.size;
    return true;
  }

  /** Deletes every entry `match` picks (a scan of all entries); how many went. */
  deleteWhere(match: (value: V, key: K) => boolean): number {
    let n = 0;
    for (const [key, hit] of this.map) {
      if (match(hit.value, key) && this.delete(key)) n++;
    }
    return n;
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}
