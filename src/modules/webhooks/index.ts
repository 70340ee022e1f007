/**
 * Webhooks: partner endpoints, the deliveries the event outbox fans out to them, and the worker that
 * sends them (started with the app when WEBHOOK_WORKER is on, stopped, after its sends in flight, when it
 * closes).
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { webhookKeyOf } from '../../config.js';
import { defineModule } from '../module.js';
import { webhooksAdminRoutes } from './admin.routes.js';
import { deliveriesRepo } from './deliveries.repository.js';
import { WebhookDeliveriesService } from './deliveries.service.js';
import { parseSchedule } from './retry.js';
import { WebhookDelivery, WebhookEndpoint } from './schemas.js';
import { WebhookSender } from './sender.js';
import { WebhooksService } from './service.js';
import { Signer } from './signing.js';
import { WebhookWorker } from './worker.js';

export const webhooksModule = defineModule({
  name: 'webhooks',
  after: ['activity', 'alerts', 'events'],
  schemas: [WebhookEndpoint, WebhookDelivery],
  services: (app) => {
    const { config, db, clock, log } = app.ctx;
    const key = webhookKeyOf(config);
    const allowPrivate = config.WEBHOOK_ALLOW_PRIVATE;
    app.services.webhooks = new WebhooksService(db, clock, app.services.activity, { key, allowPrivate });
    app.services.webhookDeliveries = new WebhookDeliveriesService(db, clock);
    if (!key) {
      log.warn('webhooks are off: WEBHOOK_SECRET_KEY is not set (required in production)');
      return;
    }
    const sender = new WebhookSender({ timeoutMs: config.WEBHOOK_TIMEOUT_MS, allowPrivate });
    const worker = new WebhookWorker({
      db,
      clock,
      log,
      sender,
      signer: new Signer(key),
      leaseMs: config.WEBHOOK_LEASE_S * 1000,
      pollMs: config.WEBHOOK_POLL_MS,
      concurrency: config.WEBHOOK_CONCURRENCY,
      scheduleMs: parseSchedule(config.WEBHOOK_RETRY_SCHEDULE_S),
      disableAfterMs: config.WEBHOOK_DISABLE_AFTER_S * 1000,
    });
    app.services.webhookWorker = worker;
    addWebhookMetrics(app, worker);
    if (config.WEBHOOK_WORKER) app.addHook('onReady', async () => worker.start());
    app.addHook('onClose', async () => {
      await worker.stop();
      await sender.close();
    });
  },
  adminRoutes: [webhooksAdminRoutes],
});

/** `webhook_deliveries{status}` (all instances, from the table) and this process's attempts by outcome. */
function addWebhookMetrics(app: FastifyInstance, worker: WebhookWorker): void {
  const registers = [app.metrics.registry];
  const { db } = app.ctx;
  new Gauge({
    name: 'webhook_deliveries',
    help: 'Webhook deliveries by status (pending: still to send or to retry)',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      this.reset();
      for (const { status, n } of await deliveriesRepo.countByStatus(db).catch(() => []))
        this.set({ status }, n);
    },
  });
  new Counter({
    name: 'webhook_attempts_total',
    help: 'Webhook attempts made by this process, by outcome',
    labelNames: ['outcome'] as const,
    registers,
    collect() {
      this.reset();
      this.inc({ outcome: 'success' }, worker.sent);
      this.inc({ outcome: 'failure' }, worker.failedAttempts);
    },
  });
}
