/**
 * Background jobs of a serving process (one per deployment of workers). Each domain module that needs a
 * periodic job adds it here; returns a function that stops them all.
 */
import type { FastifyInstance } from 'fastify';
import { clearOldEsimKeys } from './modules/esims/sweep.js';
import { pruneOutboxes } from './modules/events/retention.js';
import { expireAbandonedCheckouts, runSweep } from './modules/packs/sweep.js';

/** How often the mail worker looks for due mail (services also wake it after queuing). */
const MAIL_POLL_MS = 1000;

export function startJobs(app: FastifyInstance): () => void {
  const timers: NodeJS.Timeout[] = [];
  const sweepMs = app.ctx.config.SWEEP_INTERVAL_S * 1000;
  if (sweepMs > 0) timers.push(every(sweepMs, () => sweepOnce(app)));
  const refundMs = app.ctx.config.REFUND_INTERVAL_S * 1000;
  if (refundMs > 0 && app.services.payments.enabled) {
    timers.push(every(refundMs, () => sendRefunds(app)));
  }
  // the mail worker: sends what committed transactions queued (src/modules/mail/worker.ts)
  const mailWorker = app.services.mail.worker;
  mailWorker.start(MAIL_POLL_MS);
  return () => {
    timers.forEach((t) => clearInterval(t));
    void mailWorker.stop();
  };
}

/** Runs `job` every `ms`, never two at once; unref'd so a timer alone never keeps the process alive. */
function every(ms: number, job: () => Promise<void>): NodeJS.Timeout {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void job().finally(() => {
      running = false;
    });
  }, ms);
  timer.unref();
  return timer;
}

/**
 * Pack expiry, expiry notices, idempotency-key cleanup and abandoned checkouts (src/modules/packs/sweep.ts),
 * the eSIM creations' idempotency keys (src/modules/esims/sweep.ts) and the outboxes' retention
 * (src/modules/events/retention.ts).
 */
async function sweepOnce(app: FastifyInstance): Promise<void> {
  try {
    const now = app.ctx.clock.now();
    const result = await runSweep(app.ctx.db, now);
    const checkouts = await expireAbandonedCheckouts(app.ctx.db, now, app.ctx.config.CHECKOUT_TTL_S * 1000);
    const esimKeys = await clearOldEsimKeys(app.ctx.db, now);
    const pruned = await pruneOutboxes(app.ctx.db, now, app.ctx.config.OUTBOX_RETENTION_DAYS);
    const done = { ...result, checkouts_expired: checkouts, esim_keys_cleared: esimKeys, pruned };
    if (Object.values({ ...result, checkouts, esimKeys, ...pruned }).some((n) => n > 0))
      app.log.info(done, 'sweep');
  } catch (err) {
    app.log.warn({ err: (err as Error).message }, 'sweep failed; retried at the next interval');
  }
}

/** Refunds due in the outbox (src/modules/payments/refunds.ts); a failed pass is retried at the next one. */
async function sendRefunds(app: FastifyInstance): Promise<void> {
  try {
    const sent = await app.services.payments.refunds.runOnce();
    if (sent.size > 0) app.log.info({ refunds: Object.fromEntries(sent) }, 'refund outbox');
  } catch (err) {
    app.log.warn({ err: (err as Error).message }, 'refund outbox pass failed; retried at the next interval');
  }
}
