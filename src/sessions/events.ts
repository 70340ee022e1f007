/**
 * What the rest of the app sees of the session cache: `SessionEvents`, the facade the services publish
 * through (AFTER their transaction has committed: see index.ts), and `Sessions`, the bus and the cache of
 * one app instance as buildApp wires them. `publish` never throws, so neither does anything here.
 */
import { PACKS_EVENT_MAX_IDS, type InvalidationBus } from './bus.js';
import type { SessionCache } from './cache.js';

/** Past this many `packs` events for one window, one `packs-all` is sent instead. */
const PACKS_EVENTS_MAX = 5;

/** How long pack changes wait to be sent to the other instances together (well inside the 100 ms bound). */
export const PACKS_SEND_DELAY_MS = 10;

export class SessionEvents {
  /** Publishes nothing: a caller with no bus (a one-off process that serves nothing, a unit test). */
  static readonly none = new SessionEvents(null);

  private readonly packsToSend = new Set<string>();
  private packsTimer: NodeJS.Timeout | null = null;

  constructor(private readonly bus: Pick<InvalidationBus, 'publish'> | null) {}

  /** A users row changed (status, role, profile, password, last login) or was deleted. */
  user(id: string): Promise<void> {
    return this.bus?.publish({ t: 'user', id }) ?? Promise.resolve();
  }

  /** One session (refresh-token family) was revoked: logout, refresh-token reuse. */
  session(familyId: string): Promise<void> {
    return this.bus?.publish({ t: 'session', id: familyId }) ?? Promise.resolve();
  }

  /** Every session of the user (but maybe the caller's own) was revoked. */
  userSessions(id: string): Promise<void> {
    return this.bus?.publish({ t: 'user-sessions', id }) ?? Promise.resolve();
  }

  /**
   * The packs of these users changed. This process forgets their lists at once; the other instances
   * hear it within PACKS_SEND_DELAY_MS, merged with the other pack changes of that window (one NOTIFY
   * per window instead of one per ingesting transaction): one event per 100 users, and past 5 such events
   * one that makes every instance forget all its cached pack lists.
   */
  packs(userIds: Iterable<string>): void {
    if (!this.bus) return;
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return;
    void this.bus.publish({ t: 'packs', ids }, 'here');
    for (const id of ids) this.packsToSend.add(id);
    if (!this.packsTimer) {
      this.packsTimer = setTimeout(() => void this.flushPacks(), PACKS_SEND_DELAY_MS);
      this.packsTimer.unref();
    }
  }

  /** Sends the pack changes still waiting for their window (called by the timer, and at close). */
  async flushPacks(): Promise<void> {
    if (this.packsTimer) clearTimeout(this.packsTimer);
    this.packsTimer = null;
    const ids = [...this.packsToSend];
    this.packsToSend.clear();
    if (!this.bus || ids.length === 0) return;
    if (ids.length > PACKS_EVENT_MAX_IDS * PACKS_EVENTS_MAX) {
      await this.bus.publish({ t: 'packs-all' }, 'others');
      return;
    }
    for (let i = 0; i < ids.length; i += PACKS_EVENT_MAX_IDS) {
      await this.bus.publish({ t: 'packs', ids: ids.slice(i, i + PACKS_EVENT_MAX_IDS) }, 'others');
    }
  }

  /** The users row changed AND its sessions were revoked: password change, suspension, deletion, reset. */
  async userAndSessions(id: string): Promise<void> {
    await this.user(id);
    await this.userSessions(id);
  }
}

/** How /ready and the metrics describe the cache: one process, trusted, or bypassed (channel down). */
export type SessionsState = 'local' | 'ok' | 'degraded';

export interface Sessions<U = unknown> {
  bus: InvalidationBus;
  cache: SessionCache<U>;
  events: SessionEvents;
}

export function sessionsState(bus: Pick<InvalidationBus, 'kind' | 'healthy'>): SessionsState {
  if (bus.kind === 'local') return 'local';
  return bus.healthy() ? 'ok' : 'degraded';
}
