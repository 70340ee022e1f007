/** Liveness and readiness. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

const PING_TIMEOUT_MS = 2000;
/** `off`: in-memory limits (no REDIS_URL); `ok`: Redis answers; `degraded`: Redis is down, limits fail open. */
const RateLimitStore = Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('off')]);

export const systemRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['system'];
  const noLimit = { rateLimit: false };
  const store = () => (app.hasDecorator('rateLimitStore') ? app.rateLimitStore() : ('off' as const));

  app.get(
    '/health',
    {
      config: noLimit,
      schema: { tags, summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
    },
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
          'enforced), still ready; `off` means in-memory limits (no REDIS_URL).',
        response: {
          200: Type.Object({
            status: Type.Literal('ready'),
            database: Type.Literal('ok'),
            rate_limit_store: RateLimitStore,
          }),
          503: Type.Object({ status: Type.Literal('unavailable'), database: Type.Literal('unreachable') }),
        },
      },
    },
    async (request, reply) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          app.ctx.database.ping(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('database ping timed out')), PING_TIMEOUT_MS);
          }),
        ]);
        return { status: 'ready' as const, database: 'ok' as const, rate_limit_store: store() };
      } catch (err) {
        request.log.warn({ err: (err as Error).message }, 'readiness check failed');
        return reply
          .code(503)
          .header('retry-after', '2')
          .send({ status: 'unavailable' as const, database: 'unreachable' as const });
      } finally {
        clearTimeout(timer);
      }
    },
  );
};
