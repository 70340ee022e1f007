/**
 * The in-process cache of what `authenticate` reads on every request: the user (by id) and whether the
 * token's session (refresh-token family) is live. Bounded (least recently used entries go first), with a
 * short safety TTL (the bound on staleness should an event ever be lost), and invalidated by the bus.
 *
 * It is trusted only while the bus is healthy: otherwise every read goes to `load` and nothing is kept
 * (a bypass, counted). Every event and every change of the bus's health bumps a generation; a load that
 * saw the generation change while it ran returns its result without keeping it, so a row read just
 * before a change can never be cached after that change's event went by.
 */
import { systemClock, type Clock } from '../lib/clock.js';
import { LruCache } from '../lib/lru.js';
import type { InvalidationBus, InvalidationEvent } from './bus.js';

export interface SessionCacheOptions {
  maxUsers?: number;
  maxSessions?: number;
  /** How long an entry is trusted at most, events or not. */
  ttlMs?: number;
  clock?: Clock;
}

export const SESSION_CACHE_DEFAULTS = { maxUsers: 10_000, maxSessions: 20_000, ttlMs: 30_000 };

export interface SessionCacheStats {
  hits: number;
  misses: number;
  /** reads that went to the database because the bus was unhealthy */
  bypasses: number;
  invalidations: number;
  users: number;
  sessions: number;
}

interface Entry<V> {
  value: V;
  expiresAt: number;
}

/** Bounded by count only (every entry weighs 1); an entry past its expiry is gone when read. */
type ExpiringLru<V> = LruCache<string, Entry<V>>;

function expiringLru<V>(max: number): ExpiringLru<V> {
  return new LruCache({ maxEntries: max, maxBytes: max, sizeOf: () => 1 });
}

function fresh<V>(lru: ExpiringLru<V>, key: string, now: number): V | undefined {
  const hit = lru.get(key);
  if (!hit) return undefined;
  if (hit.expiresAt > now) return hit.value;
  lru.delete(key);
  return undefined;
}

interface SessionEntry {
  userId: string;
  live: boolean;
}

export class SessionCache<U = unknown> {
  private readonly users: ExpiringLru<U | undefined>; // undefined (no such user) is never kept
  private readonly sessions: ExpiringLru<SessionEntry>;
  private readonly ttlMs: number;
  private readonly clock: Clock;
  private generation = 0;
  private readonly counts = { hits: 0, misses: 0, bypasses: 0, invalidations: 0 };
  private readonly unsubscribe: () => void;

  constructor(
    private readonly bus: Pick<InvalidationBus, 'healthy' | 'subscribe'>,
    opts: SessionCacheOptions = {},
  ) {
    this.users = expiringLru(opts.maxUsers ?? SESSION_CACHE_DEFAULTS.maxUsers);
    this.sessions = expiringLru(opts.maxSessions ?? SESSION_CACHE_DEFAULTS.maxSessions);
    this.ttlMs = opts.ttlMs ?? SESSION_CACHE_DEFAULTS.ttlMs;
    this.clock = opts.clock ?? systemClock;
    this.unsubscribe = bus.subscribe((event) => this.onEvent(event));
  }

  /**
   * The user `id`, from the cache or from `load` (then kept). `undefined` (no such user) is never kept.
   */
  getUser(id: string, load: () => Promise<U | undefined>): Promise<U | undefined> {
    return this.read(this.users, id, load, (value) => value !== undefined);
  }

  /**
   * Whether session `sid` of user `userId` is live, from the cache or from `load` (then kept, live or
   * not: a revoked session never comes back).
   */
  async isSessionLive(userId: string, sid: string, load: () => Promise<boolean>): Promise<boolean> {
    const entry = await this.read(
      this.sessions,
      sid,
      async (): Promise<SessionEntry> => ({ userId, live: await load() }),
      () => true,
      // an entry of another user's session (never in practice: sid is a random id) is not an answer
      (e) => e.userId === userId,
    );
    return entry.live;
  }

  onEvent(event: InvalidationEvent): void {
    if (event.t === 'packs' || event.t === 'packs-all') return; // the pack lists' cache (pack-lists.ts)
    this.generation++;
    this.counts.invalidations++;
    switch (event.t) {
      case 'user':
        this.users.delete(event.id);
        break;
      case 'session':
        this.sessions.delete(event.id);
        break;
      case 'user-sessions':
        this.sessions.deleteWhere((entry) => entry.value.userId === event.id);
        break;
      case 'all':
        this.clear();
        break;
    }
  }

  clear(): void {
    this.generation++;
    this.users.clear();
    this.sessions.clear();
  }

  /** True when reads are served from the cache (the bus is healthy); false while they all bypass it. */
  trusted(): boolean {
    return this.bus.healthy();
  }

  stats(): SessionCacheStats {
    return { ...this.counts, users: this.users.size, sessions: this.sessions.size };
  }

  /** Stops listening to the bus (the bus itself belongs to its creator). */
  close(): void {
    this.unsubscribe();
    this.clear();
  }

  private async read<V>(
    lru: ExpiringLru<V>,
    key: string,
    load: () => Promise<V>,
    keep: (value: V) => boolean,
    valid: (value: V) => boolean = () => true,
  ): Promise<V> {
    if (!this.bus.healthy()) {
      this.counts.bypasses++;
      return load();
    }
    const cached = fresh(lru, key, this.clock.now());
    if (cached !== undefined && valid(cached)) {
      this.counts.hits++;
      return cached;
    }
    this.counts.misses++;
    const seen = this.generation;
    const readAt = this.clock.now(); // the TTL counts from the read: the value's age, not the store's
    const value = await load();
    // a TTL of 0 keeps nothing: every read goes to `load`
    if (this.ttlMs > 0 && seen === this.generation && this.bus.healthy() && keep(value)) {
      lru.set(key, { value, expiresAt: readAt + this.ttlMs });
    }
    return value;
  }
}
