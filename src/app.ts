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
import { Problem } from './http/schemas.js';
import { cachingSerializerFactory } from './http/serializer.js';
import { strictValidatorFactory } from './http/validator.js';
import { systemClock, type Clock } from './lib/clock.js';
import { createLogger } from './logger.js';
import { Activity } from './modules/activity/service.js';
import { adminRoutes } from './modules/admin/routes.js';
import { apiKeysRoutes } from './modules/api-keys/routes.js';
import { ApiKey } from './modules/api-keys/schemas.js';
import { authRoutes } from './modules/auth/routes.js';
import { esimAdminRoutes } from './modules/esims/admin.routes.js';
import { Esim, EsimCreated, EsimEvent } from './modules/esims/model.js';
import { esimsRoutes } from './modules/esims/routes.js';
import { Notification } from './modules/notifications/model.js';
import { notificationsRoutes } from './modules/notifications/routes.js';
import { Pack } from './modules/packs/model.js';
import { packsRoutes } from './modules/packs/routes.js';
import { CountryCode, CurrencyCode, Plan } from './modules/plans/model.js';
import { adminPlansRoutes, plansRoutes } from './modules/plans/routes.js';
import { TokensSchema } from './modules/auth/schemas.js';
import { systemRoutes } from './modules/system/routes.js';
import { packUsageRoutes, usageRoutes } from './modules/usage/routes.js';
import { UsageBucket, UsageRecord } from './modules/usage/schemas.js';
import { User } from './modules/users/model.js';
import { usersRoutes } from './modules/users/routes.js';
import { authPlugin } from './plugins/auth.js';
import { docsPlugin } from './plugins/docs.js';
import { errorsPlugin, frameworkErrorHandler } from './plugins/errors.js';
import { metricsPlugin } from './plugins/metrics.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { securityHeadersPlugin } from './plugins/security-headers.js';
import { createServices } from './services.js';
import { VERSION } from './version.js';

export interface AppDeps {
  clock?: Clock;
  /** An open database to use (not closed with the app); otherwise one is opened from DATABASE_URL. */
  database?: DatabaseHandle;
  /** Where logs go (tests capture them); stdout / LOG_FILE otherwise. */
  logStream?: DestinationStream;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Shared named schemas: added once, referenced with ref(), named in the OpenAPI document. */
const SHARED_SCHEMAS = [
  Problem,
  User,
  TokensSchema,
  Activity,
  ApiKey,
  UsageRecord,
  UsageBucket,
  Esim,
  EsimCreated,
  EsimEvent,
  CurrencyCode,
  CountryCode,
  Plan,
  Pack,
  Notification,
];

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const logger = createLogger(config, deps.logStream);
  const database =
    deps.database ??
    openDatabase(config.DATABASE_URL, {
      poolMax: config.DB_POOL_MAX,
      statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
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
  // JSON in (API.md): without this, Fastify's built-in text/plain parser turns a wrong content type into
  // a confusing validation error instead of 415
  app.removeContentTypeParser('text/plain');

  const ctx: AppContext = {
    config,
    database,
    db: database.db,
    dialect: database.dialect,
    clock: deps.clock ?? systemClock,
    log: app.log,
  };
  app.decorate('ctx', ctx);
  if (!deps.database) app.addHook('onClose', async () => database.close());

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

  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
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

  const services = createServices(ctx, (claims, ttlS) => app.jwt.sign(claims, { expiresIn: ttlS }));
  app.decorate('services', services);

  await app.register(systemRoutes);
  await app.register(
    async (api) => {
      await api.register(authRoutes, { prefix: '/auth' });
      await api.register(usersRoutes, { prefix: '/users' });
      await api.register(plansRoutes, { prefix: '/plans' });
      await api.register(adminPlansRoutes, { prefix: '/admin' });
      await api.register(packsRoutes, { prefix: '/packs' });
      await api.register(notificationsRoutes, { prefix: '/notifications' });
      await api.register(esimsRoutes, { prefix: '/esims' });
      await api.register(esimAdminRoutes, { prefix: '/admin' });
      await api.register(usageRoutes, { prefix: '/usage' });
      await api.register(packUsageRoutes);
      await api.register(apiKeysRoutes, { prefix: '/admin' });
      await api.register(adminRoutes, { prefix: '/admin' });
    },
    { prefix: '/api/v1' },
  );
  return app as unknown as FastifyInstance;
}
