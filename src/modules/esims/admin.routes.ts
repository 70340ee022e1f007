/**
 * /api/v1/admin/esims: operators list everyone's eSIMs; the network (an API key) or an operator (an admin
 * bearer) reports where a profile is in its lifecycle, one move per call, checked against the state machine.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requestMeta } from '../../http/meta.js';
import { IdParams, PageOf, problems, ref } from '../../http/schemas.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { currentUser } from '../../plugins/auth.js';
import type { EsimActor } from './lifecycle.js';
import { AdminEsimListQuery, Esim, EsimStatusReport } from './schemas.js';

export const esimAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { esims } = app.services;
  const tags = ['admin'];

  app.get(
    '/esims',
    {
      onRequest: app.requireAdmin,
      schema: {
        tags,
        security: [{ bearerAuth: [] }],
        summary: 'Everyone’s eSIMs, newest first; filter by user, status, ICCID',
        querystring: AdminEsimListQuery,
        response: { 200: PageOf(ref(Esim)), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const q = request.query;
      return esims.search({
        userId: q.user_id,
        status: q.status,
        iccid: q.iccid,
        limit: q.limit ?? DEFAULT_LIMIT,
        cursor: q.cursor,
      });
    },
  );

  app.post(
    '/esims/:id/status',
    {
      onRequest: app.authenticateMachine,
      schema: {
        tags,
        security: [{ apiKey: [] }, { bearerAuth: [] }],
        summary: 'Report an eSIM status (and the EID when known); the state machine is enforced',
        description:
          'released → downloaded → installed → enabled ⇄ disabled, deleted from any other state; anything else is 409 INVALID_TRANSITION. An EID that fails its check digits is 400 INVALID_EID; another EID than the one already reported is 409 EID_MISMATCH.',
        params: IdParams,
        body: EsimStatusReport,
        response: { 200: ref(Esim), ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const p = request.principal;
      const actor: EsimActor =
        p?.kind === 'api_key'
          ? { type: 'api_key', id: p.keyId }
          : { type: 'admin', id: currentUser(request).id };
      const { status, eid } = request.body;
      return esims.report(request.params.id, status, eid, actor, requestMeta(request));
    },
  );
};
