/**
 * What services are built from: configuration, the database, the clock and the logger. buildApp makes
 * one per app instance; tests pass their own clock.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { DatabaseHandle, Db, Dialect } from './db/index.js';
import type { Clock } from './lib/clock.js';

export interface AppContext {
  config: Config;
  database: DatabaseHandle;
  db: Db;
  dialect: Dialect;
  clock: Clock;
  log: FastifyBaseLogger;
}
