/** /api/v1/admin/api-keys: admins issue, list and revoke the keys of machine clients. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, PageOf, problems, ref } from '../../http/schemas.js';
import { requestMeta } from '../../http/meta.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { currentUser } from '../../plugins/auth.js';
import { ApiKey, ApiKeyListQuery, CreateApiKeyBody, CreatedApiKey } from './schemas.js';

export const apiKeysAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { apiKeys } = app.services;
  const tags = ['admin'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.requireAdmin);

  app.post(
    '/api-keys',
    {
      schema: {
        tags,
        security,
        summary: 'Issue an API key; the key is shown only in this answer',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...problems(400, 401, 403) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(await apiKeys.create(request.body.name, currentUser(request).id, requestMeta(request))),
  );

  app.get(
    '/api-keys',
    {
      schema: {
        tags,
        security,
        summary: 'Every API key, newest first (never the key itself)',
        querystring: ApiKeyListQuery,
        response: { 200: PageOf(ref(ApiKey)), ...problems(400, 401, 403) },
      },
    },
    async (request) => apiKeys.list(request.query.limit ?? DEFAULT_LIMIT, request.query.cursor),
  );

  app.delete(
    '/api-keys/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Revoke an API key: it stops working at once',
        params: IdParams,
        response: { 204: { type: 'null' }, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await apiKeys.revoke(request.params.id, currentUser(request).id, requestMeta(request));
      return reply.code(204).send(null);
    },
  );
};
