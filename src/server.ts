/**
 * Process entry: load config (a bad value stops here with one line), migrate, bootstrap the admin, then
 * serve: in this process, or with WEB_CONCURRENCY=N in N cluster workers sharing the port. SIGTERM/SIGINT
 * stop accepting, finish in-flight requests and close the pools.
 */
import cluster from 'node:cluster';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase } from './db/index.js';
import { migrateToLatest, migrationState } from './db/migrate.js';
import { createLogger } from './logger.js';
import { startJobs } from './jobs.js';
import { startEs2plus } from './modules/esims/es2plus/runtime.js';
import { startClusterRelay } from './sessions/cluster-bus.js';
import { ensureAdminFromOutside, hashAdminPassword } from './modules/users/bootstrap.js';

// performance.now() counts from the process's start: here, after every static import has loaded
const phases: Record<string, number> = { load: Math.round(performance.now()) };
function phase(name: string, since: number): number {
  const now = performance.now();
  phases[name] = Math.round(now - since);
  return now;
}

/** Migrations and the admin bootstrap: once, before any worker serves. */
async function prepare(config: Config): Promise<void> {
  const t = performance.now();
  const log = createLogger(config);
  const database = openDatabase(config.DATABASE_URL, { poolMax: 2, batchSchemaChanges: true });
  const { ADMIN_EMAIL: email, ADMIN_PASSWORD: password } = config;
  let passwordHash: Promise<string> | undefined;
  try {
    const state = await migrationState(database.db, database.dialect);
    // a fresh database has no admin yet: its hash (~250 ms of bcrypt on libuv's thread pool) runs while
    // the migrations do instead of after them; on a populated one nothing is hashed unless needed
    if (state.fresh && email && password) {
      passwordHash = hashAdminPassword(config, password);
      passwordHash.catch(() => undefined); // awaited by ensureAdmin; a failed migration leaves it unread
    }
    if (!state.current) {
      const result = await migrateToLatest(database.db);
      const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName);
      if (applied?.length) log.info({ applied }, 'migrations applied');
    }
    if (email && password) {
      const { created } = await ensureAdminFromOutside(
        database,
        config,
        email,
        password,
        false,
        passwordHash,
      );
      log.info({ email, created }, 'admin bootstrap');
    }
  } finally {
    await database.close();
  }
  phase('prepare', t);
}

/** `prepared`: the migrations and the admin bootstrap, when they run while the app is built. */
async function serve(config: Config, runJobs: boolean, prepared?: Promise<void>): Promise<void> {
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

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  if (cluster.isPrimary) {
    if (config.WEB_CONCURRENCY <= 1) {
      // one process: the app is built while the admin's bcrypt hash runs on libuv's thread pool
      const prepared = prepare(config);
      prepared.catch(() => undefined); // reported by serve's await (or by main's catch if build fails)
      return serve(config, true, prepared);
    }
    await prepare(config);
    // worker index by cluster id: a restarted worker keeps its index (index 0 runs the jobs)
    const indexOf = new Map<number, number>();
    const bornAt = new Map<number, number>();
    const fork = (index: number) => {
      const worker = cluster.fork({ KSWIFI_WORKER: String(index) });
      indexOf.set(worker.id, index);
      bornAt.set(worker.id, Date.now());
    };
    for (let i = 0; i < config.WEB_CONCURRENCY; i++) fork(i);
    startClusterRelay(); // the workers' session invalidations (SQLite without Redis) go through here
    let stopping = false;
    let exitCode = 0;
    const stop = () => {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {});
      if (workers.length === 0) process.exit(exitCode); // all of them were between a death and a restart
      for (const w of workers) w?.process.kill('SIGTERM');
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    cluster.on('exit', (worker, code, signal) => {
      const index = indexOf.get(worker.id) ?? 0;
      const lived = Date.now() - (bornAt.get(worker.id) ?? 0);
      indexOf.delete(worker.id);
      bornAt.delete(worker.id);
      if (stopping) {
        // a worker that failed to drain (its grace timeout) makes the whole stop fail, as without cluster
        if (code !== 0) exitCode = 1;
        if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(exitCode);
        return;
      }
      // a worker that dies (an unexpected error, the OOM killer) is replaced under the same index; one
      // that dies right after starting is replaced after a pause, so a crash loop does not spin the CPU
      const pause = lived < 5000 ? 1000 : 0;
      console.error(`worker ${worker.process.pid} exited with ${code ?? signal}; restarting`);
      setTimeout(() => {
        if (!stopping) fork(index);
      }, pause);
    });
    return;
  }
  // background jobs (the expiry sweep) run in one worker only
  await serve(config, process.env.KSWIFI_WORKER === '0');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? `start failed: ${err.message}` : err);
  process.exit(1);
});
