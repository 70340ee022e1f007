/** /api/v1/plans: the public catalogue. HTTP only; the rules live in PlansService. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, PageOf, problems, ref } from '../../http/schemas.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { Plan, PublicPlanQuery } from './schemas.js';

const PlanRef = ref(Plan);

export const plansRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { plans } = app.services;
  const tags = ['plans'];

  app.get(
    '',
    {
      schema: {
        tags,
        summary: 'Active plans, newest first; `?country=` keeps those covering that country',
        querystring: PublicPlanQuery,
        response: { 200: PageOf(PlanRef), ...problems(400) },
      },
    },
    async (request) => {
      const { country, limit, cursor } = request.query;
      return plans.listPublic({ country, limit: limit ?? DEFAULT_LIMIT, cursor });
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        summary: 'One active plan',
        params: IdParams,
        response: { 200: PlanRef, ...problems(400, 404) },
      },
    },
    async (request) => plans.getPublic(request.params.id),
  );
};
