/** /api/v1/admin/events: the event outbox, newest first, filtered. HTTP only. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PageOf, problems, ref } from '../../http/schemas.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { Event, EventListQuery } from './schemas.js';

export const eventsAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { events } = app.services;
  app.addHook('onRequest', app.requireAdmin);

  app.get(
    '/events',
    {
      schema: {
        tags: ['admin'],
        security: [{ bearerAuth: [] }],
        summary:
          'Events (what happened: a pack depleted, an order paid ...), newest first; filters `type`, `user_id`, `since`, `until`',
        querystring: EventListQuery,
        response: { 200: PageOf(ref(Event)), ...problems(400, 401, 403) },
      },
    },
    async (request) => events.list({ ...request.query, limit: request.query.limit ?? DEFAULT_LIMIT }),
  );
};
