/**
 * /api/v1/admin/users: find accounts, change their status or role, delete them, grant packs (the grant
 * itself is the packs module's: price 0, the admin and the reason on its order and in the log).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, PageOf, problems, ref } from '../../http/schemas.js';
import { requestMeta } from '../../http/meta.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { currentUser } from '../../plugins/auth.js';
import { GrantBody, Pack } from '../packs/schemas.js';
import { AdminUserDetail, DeleteUserBody, ReasonQuery, User, UserListQuery, UserPatch } from './schemas.js';

const UserRef = ref(User);

export const adminUsersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { adminUsers, packs } = app.services;
  const tags = ['admin'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.requireAdmin);

  app.get(
    '/users',
    {
      schema: {
        tags,
        security,
        summary: 'Accounts, newest first: search by email or name, filter by status and role',
        querystring: UserListQuery,
        response: { 200: PageOf(UserRef), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      return adminUsers.list({
        query: q.query,
        status: q.status,
        role: q.role,
        limit: q.limit ?? DEFAULT_LIMIT,
        cursor: q.cursor,
      });
    },
  );

  app.get(
    '/users/:id',
    {
      schema: {
        tags,
        security,
        summary: 'One account with counts of its packs, eSIMs and bytes used',
        params: IdParams,
        response: { 200: AdminUserDetail, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => adminUsers.detail(request.params.id),
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Suspend, reactivate, promote or demote an account (never the last active admin)',
        params: IdParams,
        body: UserPatch,
        response: { 200: UserRef, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      adminUsers.update(currentUser(request).id, request.params.id, request.body, requestMeta(request)),
  );

  app.delete(
    '/users/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Soft-delete an account: anonymised, email freed, sessions ended, history kept',
        description: 'The optional `reason` goes in a JSON body or in the query string.',
        params: IdParams,
        querystring: ReasonQuery,
        body: DeleteUserBody,
        response: { 200: UserRef, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const reason = request.body?.reason ?? request.query.reason;
      return adminUsers.remove(currentUser(request).id, request.params.id, reason, requestMeta(request));
    },
  );

  app.post(
    '/users/:id/packs',
    {
      schema: {
        tags,
        security,
        summary: 'Grant a pack at price 0: of a plan, or of custom terms; `reason` is required',
        params: IdParams,
        body: GrantBody,
        response: { 201: ref(Pack), ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const adminId = currentUser(request).id;
      const userId = request.params.id;
      const b = request.body;
      const input =
        'plan_id' in b
          ? { adminId, userId, planId: b.plan_id }
          : {
              adminId,
              userId,
              name: b.name,
              dataBytes: b.data_bytes,
              validityDays: b.validity_days,
              currency: b.currency,
            };
      const pack = await packs.grant(input, b.reason, requestMeta(request));
      return reply.code(201).send(pack);
    },
  );
};
