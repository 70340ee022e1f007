/** /api/v1/admin/alerts: what the operators must look at, newest first, and marking one read. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, PageOf, problems, ref } from '../../http/schemas.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { currentUser } from '../../plugins/auth.js';
import { Alert, AlertListQuery } from './schemas.js';

const AlertRef = ref(Alert);

export const alertsAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { alerts } = app.services;
  const tags = ['admin'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.requireAdmin);

  app.get(
    '/alerts',
    {
      schema: {
        tags,
        security,
        summary:
          'Alerts for the operators, newest first; `?unread=true` keeps unread ones, `?kind=` one kind',
        querystring: AlertListQuery,
        response: { 200: PageOf(AlertRef), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const { unread, kind, limit, cursor } = request.query;
      return alerts.list({ unread: unread === true, kind, limit: limit ?? DEFAULT_LIMIT, cursor });
    },
  );

  app.post(
    '/alerts/:id/read',
    {
      schema: {
        tags,
        security,
        summary: 'Mark an alert read (the first admin who read it is kept)',
        params: IdParams,
        response: { 200: AlertRef, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => alerts.markRead(request.params.id, currentUser(request).id),
  );
};
