/**
 * What the rest of the app sees of the session cache: `SessionEvents`, the facade the services publish
 * through (AFTER their transaction has committed: see index.ts), and `Sessions`, the bus and the cache of
 * one app instance as buildApp wires them. `publish` never throws, so neither does anything here.
 */
import { PACKS_EVENT_MAX_IDS, type InvalidationBus } from './bus.js';
import type { SessionCache } from './cache.js';

/** Past this many `packs` events for one change, one `packs-all` is sent instead. */
const PACKS_EVENTS_MAX = 5;

export class SessionEvents {
  /** Publishes nothing: a caller with no bus (a one-off process that serves nothing, a unit test). */
  static readonly none = new SessionEvents(null);

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
   * The packs of these users changed: one event per 100 users, and past 5 such events one that makes
   * every instance forget all its cached pack lists (a change that wide is rare: a bulk sweep or burst).
   */
  async packs(userIds: Iterable<string>): Promise<void> {
    if (!this.bus) return;
    const ids = [...new Set(userIds)];
    if (ids.length === 0) return;
    if (ids.length > PACKS_EVENT_MAX_IDS * PACKS_EVENTS_MAX) {
      await this.bus.publish({ t: 'packs-all' });
      return;
    }
    for (let i = 0; i < ids.length; i += PACKS_EVENT_MAX_IDS) {
      await this.bus.publish({ t: 'packs', ids: ids.slice(i, i + PACKS_EVENT_MAX_IDS) });
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
