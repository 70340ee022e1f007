/**
 * A tiny real cluster for cluster-bus.test.ts (run as `node --import tsx test/sessions/cluster-fixture.ts`):
 * the primary starts the relay and forks two workers, each with a ClusterBus. The primary tells each worker
 * in turn to publish ROUNDS events; every worker reports every event its bus delivers. The primary prints
 * one JSON line (who heard what, and the round trips primary → publisher → relay → other worker → primary)
 * and exits 0, or prints an error and exits 1 after 20 s. With FIXTURE_ROLE=orphan it is instead a child
 * with an IPC channel to a parent that runs no relay: it reports whether its ClusterBus became healthy
 * (it must not) and exits.
 */
import cluster, { type Worker } from 'node:cluster';
import { ClusterBus, startClusterRelay } from '../../src/sessions/cluster-bus.js';
import { createSessionBus } from '../../src/sessions/index.js';

const ROUNDS = 10;
const ORPHAN = process.env.FIXTURE_ROLE === 'orphan';

interface Heard {
  fixture: 'heard';
  worker: number;
  id: string;
}

if (ORPHAN) {
  const bus = new ClusterBus({ info: () => undefined, warn: () => undefined, error: () => undefined });
  await bus.started(300);
  process.send!({ fixture: 'orphan', healthy: bus.healthy() }, () => process.exit(0));
} else if (cluster.isPrimary) {
  const fail = setTimeout(() => {
    console.error('cluster fixture timed out');
    process.exit(1);
  }, 20_000);
  startClusterRelay();
  startClusterRelay(); // idempotent: still one relay, or every event would arrive twice
  const workers: Worker[] = [];
  const heard: Record<string, number[]> = {};
  let ready = 0;
  let waiting: { id: string; from: number; resolve: () => void } | null = null;
  const roundTrips: number[] = [];
  for (let i = 0; i < 2; i++) {
    const w = cluster.fork({ FIXTURE_WORKER: String(i) });
    workers.push(w);
    w.on('message', (msg: { fixture?: string; id?: string; worker?: number }) => {
      if (msg.fixture === 'ready' && ++ready === 2) void run();
      if (msg.fixture === 'heard') {
        (heard[msg.id!] ??= []).push(msg.worker!);
        if (waiting && msg.id === waiting.id && msg.worker !== waiting.from) waiting.resolve();
      }
    });
  }

  async function run(): Promise<void> {
    for (let round = 0; round < ROUNDS * 2; round++) {
      const from = round % 2;
      const id = `e${round}`;
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        waiting = { id, from, resolve };
        workers[from]!.send({ fixture: 'publish', id });
      });
      roundTrips.push(performance.now() - t0);
    }
    await new Promise((r) => setTimeout(r, 100)); // an echo or a double relay would have arrived by now
    for (const w of workers) w.kill();
    clearTimeout(fail);
    console.log(JSON.stringify({ heard, roundTrips }));
    process.exit(0);
  }
} else {
  const index = Number(process.env.FIXTURE_WORKER);
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  // what a worker of `WEB_CONCURRENCY=2` on SQLite without Redis gets
  const bus = await createSessionBus({
    dialect: 'sqlite',
    database: { db: null as never },
    config: { DATABASE_URL: 'sqlite:///:memory:', WEB_CONCURRENCY: 2 },
    log: quiet,
    startTimeoutMs: 5000,
  });
  if (bus.kind !== 'cluster')
    throw new Error(`a cluster worker on SQLite must get the cluster bus, not ${bus.kind}`);
  if (!bus.healthy()) throw new Error('a connected worker with a relay must be healthy');
  bus.subscribe((event) => {
    if (!('id' in event)) return;
    const msg: Heard = { fixture: 'heard', worker: index, id: event.id };
    process.send!(msg);
  });
  process.on('message', (msg: { fixture?: string; id?: string }) => {
    if (msg.fixture === 'publish') void bus.publish({ t: 'session', id: msg.id! });
  });
  process.send!({ fixture: 'ready' });
}
