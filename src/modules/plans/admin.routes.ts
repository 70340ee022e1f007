/** /api/v1/admin/plans: catalogue management (every route requires an admin). HTTP only. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, PageOf, problems, ref } from '../../http/schemas.js';
import { requestMeta } from '../../http/meta.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { currentUser } from '../../plugins/auth.js';
import { AdminPlanQuery, Plan, PlanCreateBody, PlanPatchBody } from './schemas.js';

const PlanRef = ref(Plan);

export const adminPlansRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { plans } = app.services;
  const tags = ['admin', 'plans'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.requireAdmin);

  app.get(
    '/plans',
    {
      schema: {
        tags,
        security,
        summary: 'Every plan, inactive ones included, newest first',
        querystring: AdminPlanQuery,
        response: { 200: PageOf(PlanRef), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const { country, is_active, limit, cursor } = request.query;
      return plans.list({ country, active: is_active, limit: limit ?? DEFAULT_LIMIT, cursor });
    },
  );

  app.get(
    '/plans/:id',
    {
      schema: {
        tags,
        security,
        summary: 'One plan, active or not',
        params: IdParams,
        response: { 200: PlanRef, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => plans.get(request.params.id),
  );

  app.post(
    '/plans',
    {
      schema: {
        tags,
        security,
        summary: 'Add a plan to the catalogue (`code` unique)',
        body: PlanCreateBody,
        response: { 201: PlanRef, ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const plan = await plans.create(currentUser(request).id, request.body, requestMeta(request));
      return reply.code(201).send(plan);
    },
  );

  app.patch(
    '/plans/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Edit a plan; `is_active: false` takes it off sale (plans are never deleted)',
        description: 'Packs already sold keep the terms they were bought with.',
        params: IdParams,
        body: PlanPatchBody,
        response: { 200: PlanRef, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      plans.update(currentUser(request).id, request.params.id, request.body, requestMeta(request)),
  );
};
