/** /api/v1/users: the caller's own account. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { currentSession, currentUser } from '../../plugins/auth.js';
import { PageOf, problems, ref } from '../../http/schemas.js';
import { requestMeta } from '../../http/meta.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { Activity, OwnActivityQuery } from '../activity/schemas.js';
import { PasswordChange, ProfilePatch, User } from './schemas.js';

const UserRef = ref(User);

export const usersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users, auth, activity } = app.services;
  const tags = ['users'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/me',
    { schema: { tags, security, summary: 'The caller', response: { 200: UserRef, ...problems(401, 403) } } },
    // the row authenticate already holds (from the session cache): no query on a cache hit
    async (request) => users.view(currentUser(request)),
  );

  app.patch(
    '/me',
    {
      schema: {
        tags,
        security,
        summary: 'Edit the caller profile',
        body: ProfilePatch,
        response: { 200: UserRef, ...problems(400, 401, 403) },
      },
    },
    async (request) => users.updateProfile(currentUser(request).id, request.body, requestMeta(request)),
  );

  app.post(
    '/me/password',
    {
      schema: {
        tags,
        security,
        summary: 'Change the password; every other session is revoked',
        body: PasswordChange,
        response: { 204: { type: 'null' }, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { current_password, new_password } = request.body;
      await auth.changePassword(
        currentUser(request).id,
        currentSession(request),
        current_password,
        new_password,
        requestMeta(request),
      );
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me/activity',
    {
      schema: {
        tags,
        security,
        summary: 'The caller activity, newest first',
        querystring: OwnActivityQuery,
        response: { 200: PageOf(ref(Activity)), ...problems(400, 401, 403) },
      },
    },
    async (request) =>
      activity.ofUser(currentUser(request).id, request.query.limit ?? DEFAULT_LIMIT, request.query.cursor),
  );
};
