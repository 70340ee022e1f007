/**
 * Payments: checkout through a provider (Stripe), the provider's webhooks, the order lists, refunds and
 * the refund outbox. Owns payment_events and refund_outbox; orders and packs stay the packs module's,
 * changed through its repository and packs/checkout.ts. See docs/payments.md.
 */
import { Counter } from 'prom-client';
import { defineModule } from '../module.js';
import { adminOrdersRoutes } from './admin.routes.js';
import { RefundOutbox } from './refunds.js';
import { ordersRoutes } from './routes.js';
import { PaymentsService } from './service.js';
import { paymentsWebhookRoutes } from './webhook.routes.js';
import type { Config } from '../../config.js';
import type { PaymentProvider } from './provider.js';
import { DAY_MS } from '../../lib/clock.js';

declare module '../../services.js' {
  interface Services {
    payments: PaymentsService;
  }
}

/** The configured provider, or undefined for PAYMENT_PROVIDER=none (loadConfig checked the keys). */
export async function providerFor(c: Config): Promise<PaymentProvider | undefined> {
  if (c.PAYMENT_PROVIDER !== 'stripe' || !c.STRIPE_SECRET_KEY || !c.STRIPE_WEBHOOK_SECRET) return undefined;
  // the Stripe SDK (about 700 KB of code) is read only when it is the provider
  const { StripeProvider } = await import('./stripe.js');
  return new StripeProvider({
    secretKey: c.STRIPE_SECRET_KEY,
    webhookSecret: c.STRIPE_WEBHOOK_SECRET,
    apiBase: c.STRIPE_API_BASE,
    checkout: c.STRIPE_CHECKOUT,
    successUrl: c.CHECKOUT_SUCCESS_URL,
    cancelUrl: c.CHECKOUT_CANCEL_URL,
    publishableKey: c.STRIPE_PUBLISHABLE_KEY,
    sessionTtlS: c.CHECKOUT_TTL_S,
  });
}

export const paymentsModule = defineModule({
  name: 'payments',
  after: ['activity', 'alerts', 'packs'],
  services: async (app) => {
    const { db, clock, config, log } = app.ctx;
    const provider = await providerFor(config);
    if (provider && config.STRIPE_CHECKOUT === 'intent' && !config.STRIPE_PUBLISHABLE_KEY) {
      log.warn(
        'STRIPE_CHECKOUT=intent without STRIPE_PUBLISHABLE_KEY: the web app cannot take card payments',
      );
    }
    const refunds = new RefundOutbox(db, clock, provider, (err) =>
      log.warn({ err: err.message }, 'refund outbox pass failed; retried at the next one'),
    );
    app.services.packs.useRefunds({
      windowMs: config.REFUND_WINDOW_DAYS * DAY_MS,
      enqueue: (tx, order, reason, now) => refunds.enqueue(tx, order, reason, now),
      kick: () => refunds.kick(),
    });
    const webhookEvents = new Counter({
      name: 'payment_webhook_events_total',
      help: 'Verified payment webhook events, by what they did (paid, failed, duplicate, ignored ...)',
      labelNames: ['outcome'] as const,
      registers: [app.metrics.registry],
    });
    app.services.payments = new PaymentsService(
      db,
      clock,
      app.services.activity,
      app.services.packs,
      refunds,
      provider,
      (outcome) => webhookEvents.inc({ outcome }),
    );
    app.addHook('onClose', () => refunds.idle());
  },
  routes: [
    { prefix: '/orders', plugin: ordersRoutes },
    { prefix: '/payments', plugin: paymentsWebhookRoutes },
  ],
  adminRoutes: [adminOrdersRoutes],
});
