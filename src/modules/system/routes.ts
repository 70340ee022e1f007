/** Liveness and readiness. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sessionsState } from '../../sessions/events.js';
import { Health, NotReady, Ready, type RateLimitStore } from './schemas.js';

export const systemRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { system } = app.services;
  const tags = ['system'];
  const noLimit = { rateLimit: false };
  const feedState = () => {
    const s = app.services.usageFeed?.state();
    return s === undefined || s === 'stopped' ? ('off' as const) : s;
  };
  const store = (): RateLimitStore => (app.hasDecorator('rateLimitStore') ? app.rateLimitStore() : 'off');

  app.get(
    '/health',
    { config: noLimit, schema: { tags, summary: 'Liveness', response: { 200: Health } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      config: noLimit,
      schema: {
        tags,
        summary: 'Readiness: a real database round trip',
        description:
          '503 (with Retry-After) while the database does not answer. `rate_limit_store` is informative: ' +
          '`degraded` means the shared Redis store is unreachable and the rate limits fail open (not ' +
          'enforced), still ready; `off` means in-memory limits (no REDIS_URL). `sessions` is informative ' +
          'too: `local` (one process, nothing to invalidate elsewhere), `ok` (the invalidation channel is ' +
          'up), `degraded` (it is down: the session cache is bypassed and every request reads the rows; ' +
          'still ready, still correct).',
        response: { 200: Ready, 503: NotReady },
      },
    },
    async (request, reply) => {
      try {
        await system.checkDatabase();
        return {
          status: 'ready' as const,
          database: 'ok' as const,
          rate_limit_store: store(),
          sessions: sessionsState(app.ctx.sessions.bus),
          usage_feed: feedState(),
        };
      } catch (err) {
        request.log.warn({ err: (err as Error).message }, 'readiness check failed');
        return reply
          .code(503)
          .header('retry-after', '2')
          .send({ status: 'unavailable' as const, database: 'unreachable' as const });
      }
    },
  );
};
