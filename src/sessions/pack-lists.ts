/**
 * The in-process cache of each user's newest packs (the first page of `GET /packs`), invalidated by the
 * same bus as the session cache: every write to a pack (bought, granted, activated, cancelled, refunded,
 * debited by the usage engine, expired by the sweep) names its user once the transaction has committed,
 * and every instance forgets that user's list.
 *
 * The writes report themselves: the packs repository calls `packsChanged(tx, userIds)` in every statement
 * that changes a pack, so no writer can forget to. The users are collected per transaction and published
 * once, after the commit, through the sinks the app registered for its database (`onPacksChanged`).
 *
 * What is kept are the rows, not the views: the view's status depends on the clock (an active pack past
 * its expiry reads as expired), so it is made from the rows at each request. One entry per user holds the
 * first `limit + 1` rows of the largest page asked for; a smaller page is its prefix (same order).
 *
 * Like the session cache it is trusted only while the bus is healthy (else every read goes to the
 * database), bounded (least recently used users go first, counted in rows), has a safety TTL, and a load
 * that saw its user invalidated while it ran returns its rows without keeping them.
 */
import { onCommit, rootOf, type Executor } from '../db/index.js';
import { systemClock, type Clock } from '../lib/clock.js';
import { LruCache } from '../lib/lru.js';
import type { InvalidationBus, InvalidationEvent } from './bus.js';

export interface PackListCacheOptions {
  /** Rows held at most, over every user (a user's entry weighs its rows + 1). */
  maxRows?: number;
  /** How long an entry is trusted at most, events or not; 0 keeps nothing. */
  ttlMs?: number;
  clock?: Clock;
}

export const PACK_LIST_CACHE_DEFAULTS = { maxRows: 50_000, ttlMs: 30_000 };

export interface PackListCacheStats {
  hits: number;
  misses: number;
  bypasses: number;
  invalidations: number;
  users: number;
}

interface Entry<R> {
  rows: R[];
  /** The rows are the first `limit + 1` of the list (fewer: the whole list). */
  limit: number;
  expiresAt: number;
}

/** A load in flight; set stale when its user's packs change before it returns. */
interface Load {
  stale: boolean;
}

export class PackListCache<R = unknown> {
  private readonly lru: LruCache<string, Entry<R>>;
  private readonly loads = new Map<string, Set<Load>>();
  private readonly ttlMs: number;
  private readonly clock: Clock;
  private readonly counts = { hits: 0, misses: 0, bypasses: 0, invalidations: 0 };
  private readonly unsubscribe: () => void;

  constructor(
    private readonly bus: Pick<InvalidationBus, 'healthy' | 'subscribe'>,
    opts: PackListCacheOptions = {},
  ) {
    const maxRows = opts.maxRows ?? PACK_LIST_CACHE_DEFAULTS.maxRows;
    this.lru = new LruCache({ maxEntries: maxRows, maxBytes: maxRows, sizeOf: (e) => e.rows.length + 1 });
    this.ttlMs = opts.ttlMs ?? PACK_LIST_CACHE_DEFAULTS.ttlMs;
    this.clock = opts.clock ?? systemClock;
    this.unsubscribe = bus.subscribe((event) => this.onEvent(event));
  }

  /**
   * The first `limit + 1` rows of the user's list (newest first), from the cache or from `load` (which
   * must read exactly those rows; they are then kept). The rows returned must not be changed.
   */
  async firstPage(userId: string, limit: number, load: (limit: number) => Promise<R[]>): Promise<R[]> {
    if (!this.bus.healthy()) {
      this.counts.bypasses++;
      return load(limit);
    }
    const now = this.clock.now();
    const hit = this.lru.get(userId);
    if (hit && hit.expiresAt > now && (hit.limit >= limit || hit.rows.length <= hit.limit)) {
      this.counts.hits++;
      return hit.rows.length > limit + 1 ? hit.rows.slice(0, limit + 1) : hit.rows;
    }
    this.counts.misses++;
    const mine: Load = { stale: false };
    let inFlight = this.loads.get(userId);
    if (!inFlight) this.loads.set(userId, (inFlight = new Set()));
    inFlight.add(mine);
    try {
      const rows = await load(limit);
      if (this.ttlMs > 0 && !mine.stale && this.bus.healthy()) {
        this.lru.set(userId, { rows, limit, expiresAt: now + this.ttlMs });
      }
      return rows;
    } finally {
      inFlight.delete(mine);
      if (inFlight.size === 0) this.loads.delete(userId);
    }
  }

  onEvent(event: InvalidationEvent): void {
    if (event.t === 'packs') {
      this.counts.invalidations++;
      for (const id of event.ids) this.forget(id);
    } else if (event.t === 'packs-all' || event.t === 'all') {
      this.counts.invalidations++;
      this.clear();
    }
  }

  clear(): void {
    this.lru.clear();
    for (const set of this.loads.values()) for (const load of set) load.stale = true;
  }

  trusted(): boolean {
    return this.bus.healthy();
  }

  stats(): PackListCacheStats {
    return { ...this.counts, users: this.lru.size };
  }

  close(): void {
    this.unsubscribe();
    this.clear();
  }

  private forget(userId: string): void {
    this.lru.delete(userId);
    const set = this.loads.get(userId);
    if (set) for (const load of set) load.stale = true;
  }
}

// ---- the write side: which users' packs a transaction changed, published after it commits ----

export type PacksChangedSink = (userIds: string[]) => void;

const sinks = new WeakMap<object, Set<PacksChangedSink>>();
const pending = new WeakMap<object, Set<string>>();

/**
 * Registers `sink` for the writes made through `db` (the app's root Kysely) and its transactions.
 * Returns the function that removes it (the app's close).
 */
export function onPacksChanged(db: Executor, sink: PacksChangedSink): () => void {
  let set = sinks.get(db);
  if (!set) sinks.set(db, (set = new Set()));
  set.add(sink);
  return () => set.delete(sink);
}

/**
 * Notes that the packs of `userIds` change in the transaction `db` (or in the statement, when `db` is
 * no transaction): the sinks hear every user once, after the commit, and never after a rollback.
 */
export function packsChanged(db: Executor, userIds: Iterable<string>): void {
  const targets = sinks.get(rootOf(db));
  if (!targets || targets.size === 0) return;
  let users = pending.get(db);
  if (users) {
    for (const id of userIds) users.add(id);
    return;
  }
  users = new Set(userIds);
  if (users.size === 0) return;
  const collected = users;
  if (db.isTransaction) pending.set(db, collected);
  onCommit(db, () => {
    pending.delete(db);
    const ids = [...collected];
    for (const sink of targets) sink(ids);
  });
}
