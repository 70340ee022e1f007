/** Liveness and readiness. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

const PING_TIMEOUT_MS = 2000;

export const systemRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['system'];
  const noLimit = { rateLimit: false };

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
        response: {
          200: Type.Object({ status: Type.Literal('ready'), database: Type.Literal('ok') }),
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
        return { status: 'ready' as const, database: 'ok' as const };
      } catch (err) {
        request.log.warn({ err: (err as Error).message }, 'readiness check failed');
        return reply.code(503).send({ status: 'unavailable' as const, database: 'unreachable' as const });
      } finally {
        clearTimeout(timer);
      }
    },
  );
};
