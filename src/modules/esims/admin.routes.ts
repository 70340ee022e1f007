/**
 * /api/v1/admin/esims/{id}/status: the network (an API key) or an operator (an admin bearer) reports
 * where a profile is in its lifecycle. One move per call, checked against the state machine.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requestMeta } from '../../http/meta.js';
import { IdParams, problems, ref } from '../../http/schemas.js';
import { currentUser } from '../../plugins/auth.js';
import type { EsimActor } from './lifecycle.js';
import { EidField, Esim, EsimStatusField, toEsimView } from './model.js';

export const esimAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { esims } = app.services;
  app.addHook('onRequest', app.authenticateMachine);

  app.post(
    '/esims/:id/status',
    {
      schema: {
        tags: ['admin'],
        security: [{ apiKey: [] }, { bearerAuth: [] }],
        summary: 'Report an eSIM status (and the EID when known); the state machine is enforced',
        description:
          'released → downloaded → installed → enabled ⇄ disabled, deleted from any other state; anything else is 409 INVALID_TRANSITION. An EID that fails its check digits is 400 INVALID_EID; another EID than the one already reported is 409 EID_MISMATCH.',
        params: IdParams,
        body: Type.Object(
          { status: EsimStatusField, eid: Type.Optional(EidField) },
          { additionalProperties: false },
        ),
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
      const esim = await esims.report(request.params.id, status, eid, actor, requestMeta(request));
      return toEsimView(esim);
    },
  );
};
