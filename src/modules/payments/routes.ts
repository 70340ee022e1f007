/** /api/v1/orders: the caller's orders. HTTP only; the rules live in PaymentsService. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, PageOf, problems, ref } from '../../http/schemas.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { currentUser } from '../../plugins/auth.js';
import { Order } from '../packs/schemas.js';
import { OrderListQuery } from './schemas.js';

export const ordersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['orders'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.authenticate);

  app.get(
    '',
    {
      schema: {
        tags,
        security,
        summary: 'The caller’s orders, newest first; `?status=` filters',
        querystring: OrderListQuery,
        response: { 200: PageOf(ref(Order)), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      return app.services.payments.list(currentUser(request).id, {
        status,
        limit: limit ?? DEFAULT_LIMIT,
        cursor,
      });
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        security,
        summary: 'One of the caller’s orders (another user’s is a 404)',
        params: IdParams,
        response: { 200: ref(Order), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => app.services.payments.get(currentUser(request).id, request.params.id),
  );
};
