/** /api/v1/admin/packs: everyone's packs for operators (requires an admin). HTTP only. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PageOf, problems, ref } from '../../http/schemas.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { AdminPackListQuery, Pack } from './schemas.js';

export const adminPacksRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { packs } = app.services;
  app.addHook('onRequest', app.requireAdmin);

  app.get(
    '/packs',
    {
      schema: {
        tags: ['admin'],
        security: [{ bearerAuth: [] }],
        summary: 'Everyone’s packs, newest first; filter by user, status, plan, eSIM',
        querystring: AdminPackListQuery,
        response: { 200: PageOf(ref(Pack)), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      return packs.listAll({
        userId: q.user_id,
        status: q.status,
        planId: q.plan_id,
        esimId: q.esim_id,
        limit: q.limit ?? DEFAULT_LIMIT,
        cursor: q.cursor,
      });
    },
  );
};
