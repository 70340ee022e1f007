/**
 * POST /api/v1/payments/stripe/webhook: Stripe's calls. No bearer auth: the Stripe-Signature header over
 * the raw body is the credential, so this plugin (and only it) keeps the body as raw bytes, unparsed,
 * until the signature is verified. Outside the per-client rate limit (Stripe sends from a few addresses in
 * bursts), with a budget of its own (WEBHOOK_RATE_LIMIT_MAX per window).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../http/schemas.js';
import { WebhookAck } from './schemas.js';

export const paymentsWebhookRoutes: FastifyPluginAsyncTypebox = async (app) => {
  // without a provider there is nobody to call it: the route does not exist (nor in /openapi.json)
  if (!app.services.payments.enabled) return;
  const { config } = app.ctx;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const limit = app.rateLimit({
    max: config.WEBHOOK_RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_S * 1000,
    keyGenerator: () => 'payments-webhook',
  });

  app.post(
    '/stripe/webhook',
    {
      config: { rateLimit: false },
      onRequest: limit,
      schema: {
        tags: ['payments'],
        summary: 'Stripe webhook (signed with the endpoint’s secret; not for API clients)',
        description:
          'The body is verified with the `Stripe-Signature` header (5-minute tolerance) before anything ' +
          'is read; a missing, forged or stale signature is a 400 and changes nothing. Each event id is ' +
          'applied once; unknown event types answer 200 and are ignored. Present only when ' +
          'PAYMENT_PROVIDER=stripe.',
        response: { 200: WebhookAck, ...problems(400, 413, 429) },
      },
    },
    async (request) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const signature = request.headers['stripe-signature'];
      const outcome = await app.services.payments.webhook(
        body,
        typeof signature === 'string' ? signature : undefined,
      );
      return { received: true, outcome };
    },
  );
};
