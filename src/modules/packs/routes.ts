/** /api/v1/packs: the caller's data packs. HTTP only; the rules live in PacksService. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, PageOf, problems, ref } from '../../http/schemas.js';
import { requestMeta } from '../../http/meta.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { currentUser } from '../../plugins/auth.js';
import { BindBody, Checkout, Pack, PackListQuery, PurchaseBody, PurchaseHeaders } from './schemas.js';

const PackRef = ref(Pack);
const CheckoutRef = ref(Checkout);

export const packsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { packs } = app.services;
  const tags = ['packs'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.authenticate);

  app.post(
    '',
    {
      schema: {
        tags,
        security,
        summary: 'Buy a pack of an active plan',
        description:
          'With an `Idempotency-Key`, repeating the request (same key, same body) within 24 h answers the ' +
          'same pack again with 201 and `Idempotent-Replayed: true`; the same key with another body is a ' +
          '409 IDEMPOTENCY_KEY_REUSED. An unknown or inactive plan, or an eSIM that is not the caller’s, ' +
          'is a 404.\n\n' +
          'With a payment provider (PAYMENT_PROVIDER=stripe) a priced plan is paid first: the answer is ' +
          '202 with the order (`pending_payment`) and a `client_secret` (Stripe.js) or a `checkout_url` ' +
          '(hosted checkout); the pack is made when the payment arrives. A replay answers the same order ' +
          '(202 while unpaid, 200 with its pack once paid). 402 PAYMENT_DECLINED, 503 ' +
          'PAYMENT_PROVIDER_UNAVAILABLE (with Retry-After; nothing was written, retry with the same key).',
        headers: PurchaseHeaders,
        body: PurchaseBody,
        response: {
          201: PackRef,
          200: CheckoutRef,
          202: CheckoutRef,
          ...problems(400, 401, 402, 403, 404, 409, 502, 503),
        },
      },
    },
    async (request, reply) => {
      const userId = currentUser(request).id;
      const input = { planId: request.body.plan_id, esimId: request.body.esim_id };
      const key = request.headers['idempotency-key'];
      const payments = app.services.payments;
      if (payments?.enabled) {
        const r = await payments.checkout(userId, input, key, requestMeta(request));
        if (r.replayed) reply.header('idempotent-replayed', 'true');
        return r.status === 201 ? reply.code(201).send(r.pack) : reply.code(r.status).send(r.body);
      }
      const { pack, replayed } = await packs.purchase(userId, input, key, requestMeta(request));
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(201).send(pack);
    },
  );

  app.get(
    '',
    {
      schema: {
        tags,
        security,
        summary: 'The caller’s packs, newest first; `?status=` filters on the effective status',
        querystring: PackListQuery,
        response: { 200: PageOf(PackRef), ...problems(400, 401, 403) },
      },
    },
    async (request) => {
      const { status, limit, cursor } = request.query;
      return packs.list(currentUser(request).id, { status, limit: limit ?? DEFAULT_LIMIT, cursor });
    },
  );

  app.get(
    '/:id',
    {
      schema: {
        tags,
        security,
        summary: 'One of the caller’s packs',
        params: IdParams,
        response: { 200: PackRef, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => packs.get(currentUser(request).id, request.params.id),
  );

  app.patch(
    '/:id',
    {
      schema: {
        tags,
        security,
        summary: 'Bind the pack to one of the caller’s eSIMs (null unbinds)',
        params: IdParams,
        body: BindBody,
        response: { 200: PackRef, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      packs.bind(currentUser(request).id, request.params.id, request.body.esim_id, requestMeta(request)),
  );

  app.post(
    '/:id/activate',
    {
      schema: {
        tags,
        security,
        summary: 'Start a pending pack’s validity now (409 INVALID_TRANSITION otherwise)',
        params: IdParams,
        response: { 200: PackRef, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => packs.activate(currentUser(request).id, request.params.id, requestMeta(request)),
  );

  app.post(
    '/:id/cancel',
    {
      schema: {
        tags,
        security,
        summary: 'Cancel a pending or active pack while none of its data is used',
        description: '409 PACK_IN_USE once a byte is used; 409 INVALID_TRANSITION when it has ended.',
        params: IdParams,
        response: { 200: PackRef, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => packs.cancel(currentUser(request).id, request.params.id, requestMeta(request)),
  );
};
