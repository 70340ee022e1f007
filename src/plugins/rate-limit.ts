/**
 * Rate limits. A general limit per client on /api (the user id when the bearer token verifies, else the
 * IP), and a strict per-IP limit shared by the auth routes (`app.authRateLimit`, an onRequest hook). In memory by
 * default; shared through Redis when REDIS_URL is set, so several instances count together.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Config } from '../config.js';
import { tooManyRequests } from '../errors.js';

/**
 * The rate-limit store: `off` in memory (no REDIS_URL, always there), `ok` when Redis answers, `degraded`
 * while it does not (the limits then fail open: requests are served unlimited, with an error log).
 */
export type RateLimitStoreState = 'ok' | 'degraded' | 'off';

declare module 'fastify' {
  interface FastifyInstance {
    /** The strict per-IP limit: one budget shared by register, login, token and refresh. */
    authRateLimit: onRequestAsyncHookHandler;
    /** The shared store's health, for /ready and the metrics. */
    rateLimitStore: () => RateLimitStoreState;
  }
}

export const rateLimitPlugin = fp(
  async (app: FastifyInstance, opts: { config: Config }) => {
    const { config } = opts;
    let redis: Redis | undefined;
    if (config.REDIS_URL) {
      // loaded only when configured: ioredis costs ~100 ms of start-up
      const { Redis: RedisClient } = await import('ioredis');
      redis = new RedisClient(config.REDIS_URL, {
        connectTimeout: 1000,
        maxRetriesPerRequest: 1,
        // while Redis is unreachable a command fails at once (skipOnError then lets the request through);
        // queued commands waited for the reconnects instead, adding up to 2 s to every request
        enableOfflineQueue: false,
        lazyConnect: false,
      });
      redis.on('error', (err) => app.log.warn({ err: err.message }, 'redis rate-limit store error'));
      // 'ready' is the only state in which commands are sent (no offline queue): anything else fails open
      let down = false;
      let closing = false;
      redis.on('ready', () => {
        if (down) app.log.info('redis rate-limit store back; limits enforced again');
        down = false;
      });
      redis.on('close', () => {
        if (!down && !closing)
          app.log.error('redis rate-limit store unreachable; rate limits are NOT enforced');
        down = true;
      });
      app.addHook('onClose', async () => {
        closing = true;
        await redis?.quit().catch(() => undefined);
        redis?.disconnect(); // also ends the reconnect loop when the server was unreachable (quit fails)
      });
      // count from the first request: wait for the connection, but never hold the start on an outage
      await Promise.race([once(redis, 'ready'), delay(1000, undefined, { ref: false })]).catch(
        () => undefined,
      );
    }
    const store = redis;
    app.decorate('rateLimitStore', (): RateLimitStoreState => {
      if (!store) return 'off';
      return store.status === 'ready' ? 'ok' : 'degraded';
    });
    const windowMs = config.RATE_LIMIT_WINDOW_S * 1000;
    await app.register(rateLimit, {
      global: false, // the general limit is the root hook below
      max: config.RATE_LIMIT_MAX,
      timeWindow: windowMs,
      enableDraftSpec: true, // RateLimit-Limit / -Remaining / -Reset and Retry-After
      ...(redis ? { redis, nameSpace: 'kswifi-rl:' } : {}),
      skipOnError: true, // a Redis outage must not take the API down with it
      allowList: (request: FastifyRequest) => !request.url.startsWith('/api/'),
      keyGenerator: (request: FastifyRequest) => {
        const sub = app.tokenSubject(request);
        return sub ? `u:${sub}` : `ip:${request.ip}`;
      },
      errorResponseBuilder: (_request, context) =>
        tooManyRequests('RATE_LIMITED', `Rate limit exceeded, retry in ${context.after}`, context.ttl / 1000),
    });
    // A root hook runs before the onRequest hooks of the route plugins (authentication), so a request
    // with a missing or bad token or API key counts against its IP instead of bypassing the limit.
    // Routes with their own `config.rateLimit` (the strict auth limit, or `false`) are left to it.
    const general = app.rateLimit();
    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.config.rateLimit === undefined) await general.call(app, request, reply);
    });
    // one limiter instance (one store) for all four auth routes, so a client cannot multiply its
    // guesses by spreading them over login and token
    const strict = app.rateLimit({
      max: config.AUTH_RATE_LIMIT_MAX,
      timeWindow: windowMs,
      keyGenerator: (request: FastifyRequest) => `auth:${request.ip}`,
    });
    app.decorate('authRateLimit', async function (this: FastifyInstance, request, reply) {
      await strict.call(this, request, reply);
    } as onRequestAsyncHookHandler);
  },
  { name: 'rate-limit', dependencies: ['auth'] },
);
