/**
 * The invalidation bus: how one instance tells every other instance serving the same database that what
 * `authenticate` may have cached (a user's status and role, a session's liveness) changed. Events are
 * small JSON objects. `publish` delivers to this process synchronously first, so the publishing instance
 * never serves stale data, then to the others through the channel (PostgreSQL NOTIFY, Redis pub/sub or
 * the cluster primary's relay).
 *
 * Health: a bus is healthy only while its channel is up AND subscribed. From the moment it goes down
 * until it has reconnected and re-subscribed, `healthy()` is false (a cache must then read through), and
 * on each change of health the bus hands its subscribers `{ t: 'all' }`: events may have been missed, so
 * everything cached before must be forgotten.
 */
import { randomUUID } from 'node:crypto';

export type InvalidationEvent =
  /** status, role or profile changed, or the account was deleted */
  | { t: 'user'; id: string }
  /** one session (refresh-token family) was revoked: logout, refresh reuse */
  | { t: 'session'; id: string }
  /** every session of a user was revoked: password change, suspension, deletion, demo reset */
  | { t: 'user-sessions'; id: string }
  /** the packs of these users changed (bought, moved, debited): their cached pack lists are stale */
  | { t: 'packs'; ids: string[] }
  /** every cached pack list is stale (a change too wide to name its users) */
  | { t: 'packs-all' }
  /** forget everything (a bus reconnect, a bulk change made outside the services) */
  | { t: 'all' };

export type InvalidationHandler = (event: InvalidationEvent) => void;

export type BusKind = 'local' | 'postgres' | 'redis' | 'cluster';

export type PublishTo = 'all' | 'here' | 'others';

export interface BusStats {
  published: number;
  received: number;
  publishFailures: number;
  reconnects: number;
}

export interface InvalidationBus {
  readonly kind: BusKind;
  /**
   * Delivers to this process at once (synchronously, before the returned promise), then to the others;
   * `to` limits it to one side ('here': this process only, 'others': the channel only).
   */
  publish(event: InvalidationEvent, to?: PublishTo): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(handler: InvalidationHandler): () => void;
  /** False while the channel is down, and until it has reconnected and re-subscribed. */
  healthy(): boolean;
  stats(): BusStats;
  close(): Promise<void>;
}

export interface BusLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: BusLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

const KINDS = new Set(['user', 'session', 'user-sessions']);

/**
 * The most user ids one `packs` event carries: 100 ids of at most 64 characters stay well under
 * PostgreSQL's 8,000-byte NOTIFY payload.
 */
export const PACKS_EVENT_MAX_IDS = 100;

const isId = (id: unknown): id is string => typeof id === 'string' && id !== '' && id.length <= 64;

/** Parses a wire event; anything malformed is null (ignored by the receiver, never thrown). */
export function parseEvent(value: unknown): InvalidationEvent | null {
  if (typeof value !== 'object' || value === null) return null;
  const { t, id, ids } = value as { t?: unknown; id?: unknown; ids?: unknown };
  if (t === 'all') return { t: 'all' };
  if (t === 'packs-all') return { t: 'packs-all' };
  if (t === 'packs') {
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > PACKS_EVENT_MAX_IDS) return null;
    return ids.every(isId) ? { t: 'packs', ids: ids as string[] } : null;
  }
  if (typeof t !== 'string' || !KINDS.has(t)) return null;
  if (typeof id !== 'string' || id === '' || id.length > 200) return null;
  return { t, id } as InvalidationEvent;
}

/**
 * The shared half of every bus: the subscribers, local delivery, the health flag with its `all` on each
 * change, an origin id (a bus ignores its own events coming back over the channel) and the counters.
 */
export abstract class BaseBus implements InvalidationBus {
  abstract readonly kind: BusKind;
  /** Unique per bus instance; sent with every event so the publisher can skip its own echo. */
  readonly origin = randomUUID();
  protected readonly counters: BusStats = { published: 0, received: 0, publishFailures: 0, reconnects: 0 };
  private readonly handlers = new Set<InvalidationHandler>();
  private up = false;

  constructor(protected readonly log: BusLogger) {}

  subscribe(handler: InvalidationHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  healthy(): boolean {
    return this.up;
  }

  stats(): BusStats {
    return { ...this.counters };
  }

  async publish(event: InvalidationEvent, to: PublishTo = 'all'): Promise<void> {
    if (to !== 'others') this.deliver(event);
    if (to === 'here') return;
    this.counters.published++;
    try {
      await this.send(JSON.stringify({ ...event, o: this.origin }));
    } catch (err) {
      // the change is committed; the other instances see it when their safety TTL ends
      this.counters.publishFailures++;
      this.log.error({ err: (err as Error).message, event }, 'session invalidation not published');
    }
  }

  abstract close(): Promise<void>;

  /** Sends one encoded event to the other instances. */
  protected abstract send(payload: string): Promise<void>;

  /** An encoded event from the channel: delivered unless it is this bus's own echo or malformed. */
  protected receive(payload: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(payload);
    } catch {
      return;
    }
    if ((raw as { o?: unknown } | null)?.o === this.origin) return;
    const event = parseEvent(raw);
    if (!event) return;
    this.counters.received++;
    this.deliver(event);
  }

  protected deliver(event: InvalidationEvent): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'session invalidation handler failed');
      }
    }
  }

  /** Every change of health forgets everything cached: before going down, and after coming back. */
  protected setHealthy(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    this.deliver({ t: 'all' });
  }
}

/** One process serves the database: local delivery only, always healthy. */
export class LocalBus extends BaseBus {
  readonly kind = 'local' as const;

  constructor() {
    super(silentLogger);
    this.setHealthy(true);
  }

  protected async send(): Promise<void> {}

  async close(): Promise<void> {}
}

/** Reconnect delays: 100 ms doubling to `maxMs`, with ±20 % jitter so instances do not retry in step. */
export function backoff(attempt: number, maxMs = 5000): number {
  const base = Math.min(maxMs, 100 * 2 ** Math.min(attempt, 16));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}
