/**
 * What a serving process runs for SMDP_MODE=es2plus besides the API: the callback listener on ES2_PORT
 * and, in the process that runs background jobs, the reconciler of orders stuck in `provisioning`
 * (every SMDP_RECONCILE_INTERVAL_S; several instances may run it: each row is claimed by one).
 */
import type { FastifyInstance } from 'fastify';
import { configWarnings } from '../../../config.js';
import { startCallbackListener, type CallbackListener } from './listener.js';

export interface Es2plusRuntime {
  listener: CallbackListener;
  stop(): Promise<void>;
}

export async function startEs2plus(
  app: FastifyInstance,
  runReconciler: boolean,
): Promise<Es2plusRuntime | undefined> {
  const config = app.ctx.config;
  const es2 = app.services.esims.es2plus;
  if (config.SMDP_MODE !== 'es2plus' || !es2) return undefined;
  for (const w of configWarnings(config)) app.log.warn(w);
  const listener = await startCallbackListener(app, es2.callbacks, config);
  app.log.info({ url: listener.url }, 'ES2+ callback listener ready');
  let timer: NodeJS.Timeout | undefined;
  const everyMs = config.SMDP_RECONCILE_INTERVAL_S * 1000;
  if (runReconciler && everyMs > 0) {
    let running = false;
    timer = setInterval(() => {
      if (running) return;
      running = true;
      es2.provisioner
        .reconcile()
        .then((r) => {
          if (r.completed + r.cancelled + r.pending > 0) app.log.info(r, 'es2+ reconcile');
        })
        .catch((err: Error) => app.log.warn({ err: err.message }, 'es2+ reconcile failed'))
        .finally(() => {
          running = false;
        });
    }, everyMs);
    timer.unref();
  }
  return {
    listener,
    async stop() {
      if (timer) clearInterval(timer);
      await listener.close();
    },
  };
}
