/**
 * /api/v1/esims: the caller's own eSIMs, their activation QR codes and their lifecycle history. Another
 * user's eSIM answers 404 on every route, exactly like a missing one.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { requestMeta } from '../../http/meta.js';
import { IdParams, ListQuery, PageOf, problems, ref } from '../../http/schemas.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { currentUser } from '../../plugins/auth.js';
import {
  Esim,
  EsimCreated,
  EsimEvent,
  EsimStatusField,
  LabelField,
  NullableLabelField,
  toEsimView,
} from './model.js';
import { QR_DEFAULT_SIZE, QR_FORMATS, QR_MAX_SIZE, QR_MIN_SIZE, etagMatches, qrEtag } from './qr.js';

const EsimRef = ref(Esim);
/** Private: only the owner's client may keep it; revalidated by ETag after that. */
const QR_CACHE_CONTROL = 'private, max-age=3600';
/** Image bytes: documented as a binary string, sent as a Buffer (never through the JSON serializer). */
const ImageBody = Type.Unsafe<Buffer>({ type: 'string', format: 'binary' });

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
        body: Type.Union([
          Type.Object({ label: Type.Optional(LabelField) }, { additionalProperties: false }),
          Type.Null(),
        ]),
        response: { 201: ref(EsimCreated), ...problems(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const issued = await esims.issue(currentUser(request), request.body?.label, requestMeta(request));
      const view = toEsimView(issued.esim);
      return reply
        .code(201)
        .send(
          issued.confirmationCode === null ? view : { ...view, confirmation_code: issued.confirmationCode },
        );
    },
  );

  app.get(
    '',
    {
      schema: {
        tags,
        security,
        summary: 'The caller eSIMs, newest first (deleted ones only with ?status=deleted)',
        querystring: Type.Object(
          { status: Type.Optional(EsimStatusField), ...ListQuery },
          { additionalProperties: false },
        ),
        response: { 200: PageOf(EsimRef), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      const page = await esims.list(currentUser(request).id, {
        status,
        limit: limit ?? DEFAULT_LIMIT,
        cursor,
      });
      return { items: page.items.map(toEsimView), next_cursor: page.next_cursor };
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
    async (request) => toEsimView(await esims.get(currentUser(request).id, request.params.id)),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Rename an eSIM (null clears the label)',
        params: IdParams,
        body: Type.Object({ label: NullableLabelField }, { additionalProperties: false }),
        response: { 200: EsimRef, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const esim = await esims.rename(currentUser(request).id, id, request.body.label, requestMeta(request));
      return toEsimView(esim);
    },
  );

  app.delete(
    '/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete an eSIM: status deleted; its packs keep their history',
        params: IdParams,
        response: { 200: EsimRef, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      toEsimView(await esims.remove(currentUser(request).id, request.params.id, requestMeta(request))),
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
        querystring: Type.Object(
          {
            format: Type.Optional(Type.Enum([...QR_FORMATS], { default: 'png' })),
            size: Type.Optional(
              Type.Integer({
                minimum: QR_MIN_SIZE,
                maximum: QR_MAX_SIZE,
                default: QR_DEFAULT_SIZE,
                description: 'pixels per side',
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description: 'The QR image',
            content: {
              'image/png': { schema: ImageBody },
              'image/svg+xml': { schema: ImageBody },
            },
          },
          304: Type.Null({ description: 'Not modified: the cached image is current' }),
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
        querystring: Type.Object(ListQuery, { additionalProperties: false }),
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
