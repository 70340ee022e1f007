/**
 * Background jobs of a serving process (one per deployment of workers). Each domain module that needs a
 * periodic job adds it here; returns a function that stops them all.
 */
import type { FastifyInstance } from 'fastify';
import { runSweep } from './modules/packs/sweep.js';

/** How often the mail worker looks for due mail (services also wake it after queuing). */
const MAIL_POLL_MS = 1000;

export function startJobs(app: FastifyInstance): () => void {
  const timers: NodeJS.Timeout[] = [];
  const sweepMs = app.ctx.config.SWEEP_INTERVAL_S * 1000;
  if (sweepMs > 0) timers.push(every(sweepMs, () => sweepOnce(app)));
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

/** Pack expiry, expiry notices and idempotency-key cleanup (src/modules/packs/sweep.ts). */
async function sweepOnce(app: FastifyInstance): Promise<void> {
  try {
    const result = await runSweep(app.ctx.db, app.ctx.clock.now());
    if (result.expired + result.expiring + result.keys_cleared > 0) app.log.info(result, 'sweep');
  } catch (err) {
    app.log.warn({ err: (err as Error).message }, 'sweep failed; retried at the next interval');
  }
}
