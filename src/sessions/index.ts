/**
 * Session-state cache and its cross-instance invalidation, wired into authentication as the
 * checklist below says (docs/architecture.md, "Sessions"). Where it differs: the session liveness query
 * asks no expiry (the access token's exp bounds it); the metrics have no `kswifi_` prefix, like the other
 * metrics (session_cache_trusted, session_cache_{hits,misses,bypasses}_total, session_cache_entries,
 * session_bus_{publish_failures,reconnects}_total); the server's start-up admin bootstrap publishes nothing
 * (it runs before this process serves).
 *
 * WIRING CHECKLIST (done):
 *  1. config.ts: SESSION_CACHE_TTL_S (default 30; 0 keeps nothing, every read goes to the database).
 *  2. app.ts (or the context): `const bus = await createSessionBus({ dialect, database, config, log })`,
 *     `const sessionCache = new SessionCache<UserRow>(bus, { ttlMs: config.SESSION_CACHE_TTL_S * 1000 })`;
 *     onClose: `sessionCache.close()` then `await bus.close()`. Expose the bus to the services that publish.
 *  3. server.ts primary: `startClusterRelay()` after forking (done in this slice).
 *  4. plugins/auth.ts `authenticate`:
 *     - a token without `sid` → 401 INVALID_TOKEN;
 *     - `user = await sessionCache.getUser(claims.sub, () => usersRepo.findById(db, claims.sub))`, then the
 *       status checks of today (deleted → 401, suspended → 403);
 *     - `live = await sessionCache.isSessionLive(claims.sub, claims.sid, () =>
 *       refreshTokensRepo.isFamilyLive(db, claims.sid, claims.sub, now))` → false: 401 (e.g. SESSION_REVOKED).
 *       New repository function: `select 1 from refresh_tokens where family_id = ? and user_id = ? and
 *       revoked_at is null and expires_at > ? limit 1` (refresh_tokens_family_idx covers it).
 *  5. Publish AFTER the transaction has committed (never inside the callback: this process is invalidated
 *     synchronously, and a reload racing the commit would cache the old row). `publish` never throws.
 *     The cache keeps the whole users row, so EVERY write to a users row publishes `user`:
 *     - AuthService.logout                     → { t: 'session', id: row.family_id }
 *     - AuthService.refresh, reuse branch      → { t: 'session', id: row.family_id }
 *     - AuthService.changePassword             → { t: 'user', id } and { t: 'user-sessions', id }
 *     - AuthService.login (last_login_at)      → { t: 'user', id }
 *     - UsersService.updateProfile             → { t: 'user', id }
 *     - UsersService.ensureAdmin, existing row → { t: 'user', id } (it revokes no session today; if it
 *       starts to on a password reset, also { t: 'user-sessions', id })
 *     - AdminUsersService.update               → { t: 'user', id }; plus { t: 'user-sessions', id } when
 *       it suspended (revokeUser)
 *     - AdminUsersService.remove               → { t: 'user', id } and { t: 'user-sessions', id }
 *     - cli/demo.ts upsertDemoUser, existing → { t: 'user', id } and { t: 'user-sessions', id }
 *     - register and refresh rotation publish nothing (a new row; the family stays live).
 *     The CLI (ensure-admin, seed-demo) is another process: on PostgreSQL it publishes through a PgBus
 *     (NOTIFY reaches every listener); on SQLite without Redis the servers see it within the TTL.
 *  6. /ready: a `sessions` field like the rate-limit store's: `local` (LocalBus), `ok` (bus healthy),
 *     `degraded` (channel down: every request reads the rows; still ready, still correct, slower).
 *  7. Metrics (collect() from `sessionCache.stats()` and `bus.stats()`): gauge
 *     kswifi_session_cache_trusted (0/1), counters kswifi_session_cache_{hits,misses,bypasses}_total,
 *     kswifi_session_bus_{publish_failures,reconnects}_total, gauges of the entry counts.
 *  8. End-to-end tests: two server processes on one PostgreSQL; each event above crosses within 100 ms,
 *     and an access token of a logged-out session is refused (401) on both.
 *
 * Which bus (createSessionBus):
 *  - PostgreSQL → PgBus (LISTEN/NOTIFY), even when REDIS_URL is set: the database is the one thing every
 *    instance serving it shares, so its listeners are exactly the instances to reach; nothing else to
 *    configure or to lose.
 *  - SQLite with REDIS_URL → RedisBus (separate processes on one host not forked by one primary, or every
 *    worker of a cluster: each subscribes itself). The channel is scoped by a hash of DATABASE_URL.
 *  - SQLite in a cluster worker (WEB_CONCURRENCY>1) → ClusterBus (the primary relays).
 *  - Otherwise → LocalBus (one process).
 */
import cluster from 'node:cluster';
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import type { DatabaseHandle, Dialect } from '../db/index.js';
import { LocalBus, type BusLogger, type InvalidationBus } from './bus.js';
import { ClusterBus } from './cluster-bus.js';
import { PgBus } from './pg-bus.js';
import { RedisBus } from './redis-bus.js';

export {
  LocalBus,
  parseEvent,
  type BusKind,
  type BusLogger,
  type BusStats,
  type InvalidationBus,
  type InvalidationEvent,
  type InvalidationHandler,
} from './bus.js';
export {
  SessionCache,
  SESSION_CACHE_DEFAULTS,
  type SessionCacheOptions,
  type SessionCacheStats,
} from './cache.js';
export { ClusterBus, startClusterRelay } from './cluster-bus.js';
export { SessionEvents, sessionsState, type Sessions, type SessionsState } from './events.js';
export { PgBus, PG_CHANNEL } from './pg-bus.js';
export { RedisBus } from './redis-bus.js';

export interface SessionBusOptions {
  dialect: Dialect;
  database: Pick<DatabaseHandle, 'db'>;
  config: Pick<Config, 'DATABASE_URL' | 'REDIS_URL' | 'WEB_CONCURRENCY'>;
  log: BusLogger;
  /** How long the start waits for the first subscription (never fails: the bus then reads through). */
  startTimeoutMs?: number;
}

/** The Redis channel of one database: a deployment sharing its Redis with another hears only its own. */
export function redisChannelFor(databaseUrl: string): string {
  return `kswifi:sessions:${createHash('sha256').update(databaseUrl).digest('hex').slice(0, 16)}`;
}

export async function createSessionBus(opts: SessionBusOptions): Promise<InvalidationBus> {
  const { dialect, database, config, log } = opts;
  const wait = opts.startTimeoutMs ?? 1000;
  if (dialect === 'postgres') {
    const bus = new PgBus({ url: config.DATABASE_URL, db: database.db, log });
    await withTimeout(bus.started(), wait);
    return bus;
  }
  if (config.REDIS_URL) {
    const bus = await RedisBus.create({
      url: config.REDIS_URL,
      channel: redisChannelFor(config.DATABASE_URL),
      log,
    });
    await bus.started(wait);
    return bus;
  }
  if (cluster.isWorker && config.WEB_CONCURRENCY > 1) {
    const bus = new ClusterBus(log);
    await bus.started(wait);
    return bus;
  }
  return new LocalBus();
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
