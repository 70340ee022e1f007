/**
 * /api/v1/esims: the caller's own eSIMs, their activation QR codes and their lifecycle history. Another
 * user's eSIM answers 404 on every route, exactly like a missing one.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { requestMeta } from '../../http/meta.js';
import { IdParams, PageOf, problems, ref } from '../../http/schemas.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { currentUser } from '../../plugins/auth.js';
import { QR_DEFAULT_SIZE, etagMatches, qrEtag } from './qr.js';
import {
  Esim,
  EsimCreateBody,
  EsimCreateHeaders,
  EsimCreated,
  EsimEvent,
  EsimEventsQuery,
  EsimListQuery,
  EsimRenameBody,
  QrImageBody,
  QrNotModified,
  QrQuery,
} from './schemas.js';

const EsimRef = ref(Esim);
/** Private: only the owner's client may keep it; revalidated by ETag after that. */
const QR_CACHE_CONTROL = 'private, max-age=3600';

export const esimsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { esims, esimQr } = app.services;
  const tags = ['esims'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.authenticate);

  app.post(
    '',
    {
      schema: {
        tags,
        security,
        summary: 'Issue an eSIM (status released) with its activation code',
        description:
          'With SMDP_MODE=es2plus the profile is ordered from the SM-DP+ (DownloadOrder, ConfirmOrder) before ' +
          'the answer; its refusals are problems with stable codes (503 NO_PROFILES_AVAILABLE, 502 SMDP_*, ' +
          '409 SMDP_*), no answer is 502/504, and 503 with Retry-After while the SM-DP+ is down (the eSIM then ' +
          'stays `provisioning` until a retry with the same `Idempotency-Key` or the reconciler completes it). ' +
          'The same key with the same body answers the same eSIM again with `Idempotent-Replayed: true`; ' +
          'with another body 409 IDEMPOTENCY_KEY_REUSED.',
        headers: EsimCreateHeaders,
        body: EsimCreateBody,
        response: { 201: ref(EsimCreated), ...problems(400, 401, 403, 409, 502, 503, 504) },
      },
    },
    async (request, reply) => {
      const { replayed, ...esim } = await esims.issue(
        currentUser(request).id,
        request.body?.label,
        requestMeta(request),
        request.headers['idempotency-key'],
        request.body?.eid,
      );
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(esim);
    },
  );

  app.get(
    '',
    {
      schema: {
        tags,
        security,
        summary: 'The caller eSIMs, newest first (deleted ones only with ?status=deleted)',
        querystring: EsimListQuery,
        response: { 200: PageOf(EsimRef), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      return esims.list(currentUser(request).id, { status, limit: limit ?? DEFAULT_LIMIT, cursor });
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        security,
        summary: 'One of the caller eSIMs',
        params: IdParams,
        response: { 200: EsimRef, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => esims.get(currentUser(request).id, request.params.id),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Rename an eSIM (null clears the label)',
        params: IdParams,
        body: EsimRenameBody,
        response: { 200: EsimRef, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params;
      return esims.rename(currentUser(request).id, id, request.body.label, requestMeta(request));
    },
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete an eSIM: status deleted; its packs keep their history',
        description:
          'With SMDP_MODE=es2plus an eSIM not downloaded yet is first cancelled at the SM-DP+ (CancelOrder, ' +
          'the profile goes back to `Available`); if the SM-DP+ cannot be reached the eSIM is kept (502/503/504).',
        params: IdParams,
        response: { 200: EsimRef, ...problems(400, 401, 403, 404, 409, 502, 503, 504) },
      },
    },
    async (request) => esims.remove(currentUser(request).id, request.params.id, requestMeta(request)),
  );

  app.get(
    '/:id/qr',
    {
      schema: {
        tags,
        security,
        summary: 'The activation QR code (payload: exactly activation_code; EC level M, 4-module quiet zone)',
        description:
          'Cacheable: a strong ETag, `Cache-Control: private`, `If-None-Match` answers 304. A deleted eSIM answers 409 ESIM_DELETED.',
        params: IdParams,
        querystring: QrQuery,
        response: {
          200: {
            description: 'The QR image',
            content: {
              'image/png': { schema: QrImageBody },
              'image/svg+xml': { schema: QrImageBody },
            },
          },
          304: QrNotModified,
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const format = request.query.format ?? 'png';
      const size = request.query.size ?? QR_DEFAULT_SIZE;
      const payload = await esims.qrPayload(currentUser(request).id, id);
      const etag = qrEtag(payload, format, size);
      reply.header('etag', etag).header('cache-control', QR_CACHE_CONTROL);
      if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send(null);
      const image = await esimQr.image(id, payload, format, size);
      return reply.type(image.contentType).send(image.body);
    },
  );

  app.get(
    '/:id/events',
    {
      schema: {
        tags,
        security,
        summary: 'The eSIM lifecycle history, newest first',
        params: IdParams,
        querystring: EsimEventsQuery,
        response: { 200: PageOf(ref(EsimEvent)), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) =>
      esims.events(currentUser(request).id, request.params.id, {
        limit: request.query.limit ?? DEFAULT_LIMIT,
        cursor: request.query.cursor,
      }),
  );
};
