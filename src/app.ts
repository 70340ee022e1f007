/**
 * buildApp(config, deps) → a ready-to-listen Fastify instance. Used by the server, the tests (once per
 * dialect) and the bench. Cross-cutting plugins first, then the domain modules under /api/v1.
 */
import cors from '@fastify/cors';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { DestinationStream } from 'pino';
import { jwtSecretOf, type Config } from './config.js';
import type { AppContext } from './context.js';
import { openDatabase, type DatabaseHandle } from './db/index.js';
import { onUnreadableRow } from './db/readable.js';
import { cachingSerializerFactory } from './http/serializer.js';
import { strictValidatorFactory } from './http/validator.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createLogger } from './logger.js';
import { Problem } from './http/schemas.js';
import { activityModule } from './modules/activity/index.js';
import { alertsModule } from './modules/alerts/index.js';
import { apiKeysModule } from './modules/api-keys/index.js';
import { authModule } from './modules/auth/index.js';
import { esimsModule } from './modules/esims/index.js';
import { eventsModule } from './modules/events/index.js';
import { mailModule } from './modules/mail/index.js';
import { notificationsModule } from './modules/notifications/index.js';
import { packsModule } from './modules/packs/index.js';
import { paymentsModule } from './modules/payments/index.js';
import { plansModule } from './modules/plans/index.js';
import { systemModule } from './modules/system/index.js';
import { usageModule } from './modules/usage/index.js';
import { usersModule } from './modules/users/index.js';
import { webhooksModule } from './modules/webhooks/index.js';
import { authPlugin } from './plugins/auth.js';
import { docsPlugin } from './plugins/docs.js';
import { errorsPlugin, frameworkErrorHandler } from './plugins/errors.js';
import { metricsPlugin } from './plugins/metrics.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { securityHeadersPlugin } from './plugins/security-headers.js';
import { webPlugin } from './plugins/web.js';
import type { Services } from './services.js';
import { SessionCache, SessionEvents, createSessionBus } from './sessions/index.js';
import { PackListCache, onPacksChanged } from './sessions/pack-lists.js';
import type { PackRow, UserRow } from './db/types.js';
import { VERSION } from './version.js';

export interface AppDeps {
  clock?: Clock;
  /** An open database to use (not closed with the app); otherwise one is opened from DATABASE_URL. */
  database?: DatabaseHandle;
  /** Where logs go (tests capture them); stdout / LOG_FILE otherwise. */
  logStream?: DestinationStream;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const logger = createLogger(config, deps.logStream);
  const database =
    deps.database ??
    openDatabase(config.DATABASE_URL, {
      poolMax: config.DB_POOL_MAX,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
      preparedStatements: config.DB_PREPARED_STATEMENTS,
      pipeline: config.DB_PIPELINE,
      onPoolError: (err) => logger.warn({ err: err.message }, 'database pool error'),
    });

  onUnreadableRow(({ id, column }) =>
    logger.error({ row_id: id, column }, 'a stored row cannot be read and was left out of a list'),
  );

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // one access line per request is written by the onResponse hook below (with route and latency)
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'request_id' }),
    bodyLimit: config.BODY_LIMIT,
    trustProxy: config.TRUST_PROXY,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    schemaController: {
      compilersFactory: {
        buildSerializer: cachingSerializerFactory(),
        buildValidator: strictValidatorFactory() as never,
      },
    },
    // a path Fastify cannot route (bad %-encoding, a parameter over maxParamLength) is answered as a
    // problem like every other error, not with Fastify's own JSON
    frameworkErrors: frameworkErrorHandler,
  }).withTypeProvider<TypeBoxTypeProvider>();
  // JSON in: without this, Fastify's built-in text/plain parser turns a wrong content type into
  // a confusing validation error instead of 415
  app.removeContentTypeParser('text/plain');

  const clock = deps.clock ?? systemClock;
  // the session cache: what authenticate reads on every request, invalidated across instances
  // by the bus (src/sessions/index.ts picks it: PostgreSQL LISTEN/NOTIFY, Redis, the cluster or local)
  const bus = await createSessionBus({ dialect: database.dialect, database, config, log: app.log });
  const sessionCache = new SessionCache<UserRow>(bus, { ttlMs: config.SESSION_CACHE_TTL_S * 1000, clock });
  const events = new SessionEvents(bus);
  // each user's newest packs: every pack write names its user after commit, and this bus tells everyone
  const packLists = new PackListCache<PackRow>(bus, { ttlMs: config.PACK_LIST_CACHE_TTL_S * 1000, clock });
  const stopPackEvents = onPacksChanged(database.db, (ids) => events.packs(ids));
  const ctx: AppContext = {
    config,
    database,
    db: database.db,
    dialect: database.dialect,
    clock,
    log: app.log,
    sessions: { bus, cache: sessionCache, events },
    packLists,
  };
  app.decorate('ctx', ctx);
  // in this order: the cache stops listening, the bus closes its channel, then the database goes
  app.addHook('onClose', async () => {
    stopPackEvents();
    await events.flushPacks();
    packLists.close();
    sessionCache.close();
    await bus.close();
    if (!deps.database) await database.close();
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        url: request.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    );
  });

  app.addSchema(Problem);
  await app.register(errorsPlugin);
  await app.register(securityHeadersPlugin);
  const origins = config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  await app.register(cors, {
    origin: origins.includes('*') ? true : origins.length ? origins : false,
    exposedHeaders: [
      'x-request-id',
      'ratelimit-limit',
      'ratelimit-remaining',
      'ratelimit-reset',
      'retry-after',
      'etag',
      'idempotent-replayed',
    ],
  });
  await app.register(authPlugin, { ctx, secret: jwtSecretOf(config) });
  await app.register(rateLimitPlugin, { config });
  await app.register(docsPlugin, { version: VERSION });
  await app.register(metricsPlugin, { ctx });

  // the domains, each one plugin that adds its schemas, builds its service and mounts its routes
  // (docs/architecture.md); in dependency order
  app.decorate('services', {} as Services);
  await app.register(activityModule);
  await app.register(alertsModule);
  await app.register(eventsModule);
  await app.register(mailModule);
  await app.register(authModule);
  await app.register(plansModule);
  await app.register(packsModule);
  await app.register(paymentsModule);
  await app.register(usersModule);
  await app.register(esimsModule);
  await app.register(notificationsModule);
  await app.register(apiKeysModule);
  await app.register(usageModule);
  await app.register(webhooksModule);
  await app.register(systemModule);
  // last: its fallback route answers only what no route above claims
  await app.register(webPlugin, {
    dir: config.WEB_DIR,
    stripeJs: config.PAYMENT_PROVIDER === 'stripe' && config.STRIPE_CHECKOUT === 'intent',
  });
  return app as unknown as FastifyInstance;
}
