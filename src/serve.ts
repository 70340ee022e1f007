/**
 * Serving, once the process knows it will: build the app, wait for the migrations and the admin
 * bootstrap (`prepared`), start the jobs and listen; SIGTERM/SIGINT stop accepting, finish in-flight
 * requests and close the pools. src/server.ts loads this (and with it the whole app) with a dynamic
 * import, after it has started the migrations: the database works on them while this loads.
 */
import cluster from 'node:cluster';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { startJobs } from './jobs.js';
import { startEs2plus } from './modules/esims/es2plus/runtime.js';

export type Phase = (name: string, since: number) => number;

/** `prepared`: the migrations and the admin bootstrap, when they run while the app is built. */
export async function serve(
  config: Config,
  runJobs: boolean,
  phase: Phase,
  phases: Record<string, number>,
  prepared?: Promise<void>,
): Promise<void> {
  let t = performance.now();
  const app = await buildApp(config);
  phase('build', t);
  // nothing queries a table before ready (the workers start on ready), so building the app need not
  // wait for the migrations; the server listens only once they are done
  await prepared;
  t = performance.now();
  const stopJobs = runJobs ? startJobs(app) : () => undefined;
  // SMDP_MODE=es2plus: the SM-DP+ callback listener (ES2_PORT) and the order reconciler
  const es2plus = await startEs2plus(app, runJobs);
  // A cluster worker stops on the primary's SIGTERM only: Ctrl-C signals the whole process group, and a
  // SIGINT here followed by the primary's SIGTERM would count as a second signal and exit(1) mid-drain.
  if (cluster.isWorker) process.on('SIGINT', () => undefined);
  closeWithGrace({ delay: 10000, skip: cluster.isWorker ? ['SIGINT'] : [] }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    stopJobs();
    await es2plus?.stop();
    // close() closes the idle keep-alive connections once; one that finishes its in-flight request later
    // would hold the server open until the client drops it (the 10 s timeout, then exit 1): close those as
    // they go idle
    const idle = setInterval(() => app.server.closeIdleConnections(), 50);
    try {
      await app.close();
    } finally {
      clearInterval(idle);
    }
  });
  await app.listen({ port: config.PORT, host: config.HOST });
  phase('listen', t);
  app.log.info({ startup_ms: Math.round(performance.now()), phases }, 'ready');
}
