/**
 * /api/v1/admin/webhooks and /api/v1/admin/webhook-deliveries: the operators manage partner endpoints,
 * read the delivery log and replay. HTTP only.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, PageOf, problems, ref } from '../../http/schemas.js';
import { requestMeta } from '../../http/meta.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { currentUser } from '../../plugins/auth.js';
import {
  CreateEndpointBody,
  DeliveryListQuery,
  EndpointListQuery,
  ReplayRangeBody,
  Replayed,
  RotateSecretBody,
  RotatedSecret,
  UpdateEndpointBody,
  WebhookDelivery,
  WebhookDeliveryDetail,
  WebhookEndpoint,
  WebhookEndpointCreated,
} from './schemas.js';

const EndpointRef = ref(WebhookEndpoint);
const DeliveryRef = ref(WebhookDelivery);

export const webhooksAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { webhooks, webhookDeliveries } = app.services;
  const tags = ['admin'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.requireAdmin);

  app.get(
    '/webhooks',
    {
      schema: {
        tags,
        security,
        summary: 'Webhook endpoints, newest first',
        querystring: EndpointListQuery,
        response: { 200: PageOf(EndpointRef), ...problems(400, 401, 403) },
      },
    },
    async (request) =>
      webhooks.list({ limit: request.query.limit ?? DEFAULT_LIMIT, cursor: request.query.cursor }),
  );

  app.post(
    '/webhooks',
    {
      schema: {
        tags,
        security,
        summary: 'Add an endpoint; the answer holds its signing secret, shown this once',
        body: CreateEndpointBody,
        response: { 201: WebhookEndpointCreated, ...problems(400, 401, 403, 503) },
      },
    },
    async (request, reply) => {
      const created = await webhooks.create(currentUser(request).id, request.body, requestMeta(request));
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/webhooks/:id',
    {
      schema: {
        tags,
        security,
        summary: 'One endpoint',
        params: IdParams,
        response: { 200: EndpointRef, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => webhooks.get(request.params.id),
  );

  app.patch(
    '/webhooks/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Change url, event types, description or enabled (switching on clears the failures)',
        params: IdParams,
        body: UpdateEndpointBody,
        response: { 200: EndpointRef, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) =>
      webhooks.update(currentUser(request).id, request.params.id, request.body, requestMeta(request)),
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Delete an endpoint with its delivery log',
        params: IdParams,
        response: { 204: { type: 'null', description: 'deleted' }, ...problems(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await webhooks.remove(currentUser(request).id, request.params.id, requestMeta(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      schema: {
        tags,
        security,
        summary: 'A new signing secret (shown once); the old one also signs for `overlap_s` seconds',
        params: IdParams,
        body: RotateSecretBody,
        response: { 200: RotatedSecret, ...problems(400, 401, 403, 404, 503) },
      },
    },
    async (request) =>
      webhooks.rotate(
        currentUser(request).id,
        request.params.id,
        request.body.overlap_s ?? 86400,
        requestMeta(request),
      ),
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        security,
        summary: 'The endpoint’s deliveries, newest first; `?status=` filter',
        params: IdParams,
        querystring: DeliveryListQuery,
        response: { 200: PageOf(DeliveryRef), ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      return webhookDeliveries.list(request.params.id, { status, limit: limit ?? DEFAULT_LIMIT, cursor });
    },
  );

  app.post(
    '/webhooks/:id/replay',
    {
      schema: {
        tags,
        security,
        summary: 'Send the events of a time range again (by default those whose delivery failed)',
        params: IdParams,
        body: ReplayRangeBody,
        response: { 200: Replayed, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => webhookDeliveries.replayRange(request.params.id, request.body),
  );

  app.get(
    '/webhook-deliveries/:id',
    {
      schema: {
        tags,
        security,
        summary: 'One delivery with every attempt (status code, latency, error, answer excerpt)',
        params: IdParams,
        response: { 200: WebhookDeliveryDetail, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => webhookDeliveries.get(request.params.id),
  );

  app.post(
    '/webhook-deliveries/:id/replay',
    {
      schema: {
        tags,
        security,
        summary: 'Send this delivery’s event again (a new delivery, same `webhook-id`)',
        params: IdParams,
        response: { 201: DeliveryRef, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await webhookDeliveries.replayOne(request.params.id)),
  );
};
