/** /api/v1/admin/{packs,esims}: everyone's packs and eSIMs, filtered and paginated. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PageOf, problems, ref } from '../../http/schemas.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { Esim } from '../esims/model.js';
import { Pack } from '../packs/model.js';
import { EsimListQuery, PackListQuery } from './schemas.js';

export const adminOversightRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { adminOversight } = app.services;
  const tags = ['admin'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.requireAdmin);

  app.get(
    '/packs',
    {
      schema: {
        tags,
        security,
        summary: 'Everyone’s packs, newest first; filter by user, status, plan, eSIM',
        querystring: PackListQuery,
        response: { 200: PageOf(ref(Pack)), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      return adminOversight.packs({
        userId: q.user_id,
        status: q.status,
        planId: q.plan_id,
        esimId: q.esim_id,
        limit: q.limit ?? DEFAULT_LIMIT,
        cursor: q.cursor,
      });
    },
  );

  app.get(
    '/esims',
    {
      schema: {
        tags,
        security,
        summary: 'Everyone’s eSIMs, newest first; filter by user, status, ICCID',
        querystring: EsimListQuery,
        response: { 200: PageOf(ref(Esim)), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      return adminOversight.esims({
        userId: q.user_id,
        status: q.status,
        iccid: q.iccid,
        limit: q.limit ?? DEFAULT_LIMIT,
        cursor: q.cursor,
      });
    },
  );
};
