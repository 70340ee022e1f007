/** /api/v1/admin/orders: everyone's orders and refunds, for operators (requires an admin). HTTP only. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, PageOf, problems, ref } from '../../http/schemas.js';
import { requestMeta } from '../../http/meta.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { currentUser } from '../../plugins/auth.js';
import { Order } from '../packs/schemas.js';
import { AdminOrderListQuery, RefundBody } from './schemas.js';

export const adminOrdersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const tags = ['admin'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.requireAdmin);

  app.get(
    '/orders',
    {
      schema: {
        tags,
        security,
        summary: 'Everyone’s orders, newest first; filter by status, user and creation time',
        querystring: AdminOrderListQuery,
        response: { 200: PageOf(ref(Order)), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      return app.services.payments.listAll({
        status: q.status,
        userId: q.user_id,
        from: q.from === undefined ? undefined : Date.parse(q.from),
        to: q.to === undefined ? undefined : Date.parse(q.to),
        limit: q.limit ?? DEFAULT_LIMIT,
        cursor: q.cursor,
      });
    },
  );

  app.post(
    '/orders/:id/refund',
    {
      schema: {
        tags,
        security,
        summary: 'Refund a paid order: its pack ends and the money goes back to the payer',
        description:
          'The order becomes `refunded` at once and its open pack `cancelled` (used or not); the payment ' +
          'provider’s refund is sent after, with retries. 409 ORDER_NOT_REFUNDABLE unless the order is ' +
          'paid; 409 NOTHING_TO_REFUND for a free or granted order.',
        params: IdParams,
        body: RefundBody,
        response: { 200: ref(Order), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      app.services.payments.adminRefund(
        currentUser(request).id,
        request.params.id,
        request.body.reason,
        requestMeta(request),
      ),
  );
};
