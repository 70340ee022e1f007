/**
 * What services are built from: configuration, the database, the clock, the logger and the session cache
 * with its invalidation bus. buildApp makes one per app instance; tests pass their own clock.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { DatabaseHandle, Db, Dialect } from './db/index.js';
import type { PackRow, UserRow } from './db/types.js';
import type { Clock } from './lib/clock.js';
import type { Sessions } from './sessions/events.js';
import type { PackListCache } from './sessions/pack-lists.js';

export interface AppContext {
  config: Config;
  database: DatabaseHandle;
  db: Db;
  dialect: Dialect;
  clock: Clock;
  log: FastifyBaseLogger;
  /** What authenticate caches (the users row, session liveness), its bus, and the services' publisher. */
  sessions: Sessions<UserRow>;
  /** Each user's newest packs (`GET /packs`), invalidated by the same bus on every pack change. */
  packLists: PackListCache<PackRow>;
}
