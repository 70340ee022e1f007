/** /api/v1/users: the caller's own account. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { currentSession, currentUser } from '../../plugins/auth.js';
import { Nullable, PageOf, problems, ref } from '../../http/schemas.js';
import { requestMeta } from '../../http/meta.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { Activity, OwnActivityQuery } from '../activity/schemas.js';
import { FullNameField, PasswordField, PhoneField, User, toUserView } from './model.js';

const UserRef = ref(User);

export const usersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { users, auth, activity } = app.services;
  const tags = ['users'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.authenticate);

  app.get(
    '/me',
    { schema: { tags, security, summary: 'The caller', response: { 200: UserRef, ...problems(401, 403) } } },
    async (request) => toUserView(currentUser(request)),
  );

  app.patch(
    '/me',
    {
      schema: {
        tags,
        security,
        summary: 'Edit the caller profile',
        body: Type.Object(
          {
            full_name: Type.Optional(Nullable(FullNameField)),
            phone_number: Type.Optional(Nullable(PhoneField)),
          },
          { additionalProperties: false },
        ),
        response: { 200: UserRef, ...problems(400, 401, 403) },
      },
    },
    async (request) =>
      toUserView(await users.updateProfile(currentUser(request), request.body, requestMeta(request))),
  );

  app.post(
    '/me/password',
    {
      schema: {
        tags,
        security,
        summary: 'Change the password; every other session is revoked',
        body: Type.Object(
          { current_password: Type.String({ minLength: 1, maxLength: 128 }), new_password: PasswordField },
          { additionalProperties: false },
        ),
        response: { 204: { type: 'null' }, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { current_password, new_password } = request.body;
      await auth.changePassword(
        currentUser(request),
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
