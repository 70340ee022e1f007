/** /api/v1/notifications: the caller's notifications. HTTP only. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, PageOf, problems, ref } from '../../http/schemas.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { currentUser } from '../../plugins/auth.js';
import { Notification, NotificationListQuery } from './schemas.js';

const NotificationRef = ref(Notification);

export const notificationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { notifications } = app.services;
  const tags = ['notifications'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.authenticate);

  app.get(
    '',
    {
      schema: {
        tags,
        security,
        summary: 'The caller’s notifications, newest first; `?unread=true` keeps unread ones',
        querystring: NotificationListQuery,
        response: { 200: PageOf(NotificationRef), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const { unread, limit, cursor } = request.query;
      return notifications.list(currentUser(request).id, {
        unread: unread === true,
        limit: limit ?? DEFAULT_LIMIT,
        cursor,
      });
    },
  );

  app.post(
    '/:id/read',
    {
      schema: {
        tags,
        security,
        summary: 'Mark one of the caller’s notifications read',
        params: IdParams,
        response: { 200: NotificationRef, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => notifications.markRead(currentUser(request).id, request.params.id),
  );
};
