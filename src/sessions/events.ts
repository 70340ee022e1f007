/**
 * What the rest of the app sees of the session cache: `SessionEvents`, the facade the services publish
 * through (AFTER their transaction has committed: see index.ts), and `Sessions`, the bus and the cache of
 * one app instance as buildApp wires them. `publish` never throws, so neither does anything here.
 */
import type { InvalidationBus } from './bus.js';
import type { SessionCache } from './cache.js';

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
