/**
 * Process entry: load config (a bad value stops here with one line), migrate, bootstrap the admin, then
 * serve (serve.ts): in this process, or with WEB_CONCURRENCY=N in N cluster workers sharing the port.
 * Only what the migrations need is loaded before they start; the app itself is loaded (a dynamic import)
 * while the database works on them, and a cluster primary, which serves nothing, never loads it.
 */
import cluster from 'node:cluster';
import { ConfigError, loadConfig, type Config } from './config.js';
import { openDatabase } from './db/index.js';
import { migrateToLatest, migrationState } from './db/migrate.js';
import { createLogger } from './logger.js';
import { hashAdminPassword } from './modules/auth/passwords.js';
import { startClusterRelay } from './sessions/cluster-bus.js';
import type * as ServeModule from './serve.js';

// performance.now() counts from the process's start: here, after every static import has loaded
const phases: Record<string, number> = { load: Math.round(performance.now()) };
function phase(name: string, since: number): number {
  const now = performance.now();
  phases[name] = Math.round(now - since);
  return now;
}

/** The app and its serving loop (serve.ts), timed as the phase `import`. */
async function loadServe(): Promise<typeof ServeModule> {
  const t = performance.now();
  const loaded = await import('./serve.js');
  phase('import', t);
  return loaded;
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
      const { ensureAdminFromOutside } = await import('./modules/users/bootstrap.js');
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
      // the migrations start first: the app loads and is built while the database works on them
      const prepared = prepare(config);
      prepared.catch(() => undefined); // reported by serve's await (or by main's catch if build fails)
      const { serve } = await loadServe();
      return serve(config, true, phase, phases, prepared);
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
  const { serve } = await loadServe();
  await serve(config, process.env.KSWIFI_WORKER === '0', phase, phases);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? `start failed: ${err.message}` : err);
  process.exit(1);
});
