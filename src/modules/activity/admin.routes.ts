/** /api/v1/admin/activity: everyone's activity, filtered and paginated. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PageOf, problems, ref } from '../../http/schemas.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { Activity, ActivityListQuery } from './schemas.js';

export const activityAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { activity } = app.services;
  const tags = ['admin'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.requireAdmin);

  app.get(
    '/activity',
    {
      schema: {
        tags,
        security,
        summary: 'Everyone’s activity, newest first; filter by user, actor, action and time range',
        querystring: ActivityListQuery,
        response: { 200: PageOf(ref(Activity)), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      return activity.search({
        userId: q.user_id,
        actorId: q.actor_id,
        action: q.action,
        from: q.from,
        to: q.to,
        limit: q.limit ?? DEFAULT_LIMIT,
        cursor: q.cursor,
      });
    },
  );
};
