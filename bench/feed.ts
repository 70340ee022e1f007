/**
 * End-to-end rate of the NATS usage feed: bench/cluster.sh starts HAProxy and N instances (the feed on) on
 * a fresh PostgreSQL database with Redis and the local NATS; records for many eSIMs are published in
 * messages of --per-message records; the rate is records committed per second from the first publish to
 * the last commit, with the consumer lag sampled every second. Ends with the exactness check: the packs'
 * used bytes equal the bytes published, to the byte.
 *   npx tsx bench/feed.ts [--instances 3] [--records 300000] [--per-message 100] [--esims 1000] [--skip-build]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { openDatabase } from '../src/db/index.js';
import type { UsageInput } from '../src/modules/usage/engine.js';
import { publishUsage } from '../src/modules/usage/feed/publish.js';
import { seedFleet } from '../test/fixtures/usage.js';
import { cpuSample, cpuShares, freePort, sleep } from './proc.js';

const { values: opt } = parseArgs({
  options: {
    instances: { type: 'string', default: '3' },
    records: { type: 'string', default: '300000' },
    'per-message': { type: 'string', default: '100' },
    esims: { type: 'string', default: '1000' },
    'skip-build': { type: 'boolean', default: false },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
  },
});
const INSTANCES = Number(opt.instances);
const RECORDS = Number(opt.records);
const PER_MESSAGE = Number(opt['per-message']);
const ESIMS = Number(opt.esims);
const NATS = 'nats://127.0.0.1:4222';
const tag = `fb${Date.now().toString(36)}`;
const dbName = `kswifi_feedbench_${tag}`;
const dbUrl = `${opt.pg}/${dbName}`;

async function admin(query: string): Promise<void> {
  const c = new pg.Client({ connectionString: `${opt.pg}/postgres` });
  await c.connect();
  await c.query(query);
  await c.end();
}

async function main(): Promise<void> {
  await admin(`create database ${dbName}`);
  const dir = mkdtempSync(join(os.tmpdir(), 'kswifi-feedbench-'));
  const ports: number[] = [];
  for (let i = 0; i < INSTANCES; i++) ports.push(await freePort());
  const env = {
    ...process.env,
    CLUSTER_DIR: dir,
    INSTANCES: String(INSTANCES),
    INSTANCE_PORTS: ports.join(' '),
    LB_PORT: String(await freePort()),
    DATABASE_URL: dbUrl,
    USAGE_FEED_NATS_URL: NATS,
    USAGE_FEED_STREAM: `USAGE_${tag.toUpperCase()}`,
    USAGE_FEED_CONSUMER: `c_${tag}`,
    USAGE_FEED_SUBJECT_PREFIX: `${tag}.usage`,
    LOG_LEVEL: 'warn',
    SWEEP_INTERVAL_S: '0',
    NODE_ENV: 'production',
    ...(opt['skip-build'] ? { SERVER_CMD: 'node dist/server.mjs' } : {}),
  };
  const cluster = (cmd: string) => execFileSync('bench/cluster.sh', [cmd], { env, stdio: 'inherit' });
  const database = openDatabase(dbUrl, { poolMax: 4 });
  const nc = await connect({ servers: NATS });
  const jsm = await jetstreamManager(nc);
  try {
    cluster('start');
    // one user, ESIMS eSIMs, each with an active pack large enough never to run out
    const now = Date.now();
    const iccids = await seedFleet(database.db, ESIMS, now);
    const at = new Date(now - 60_000).toISOString();
    const records: UsageInput[] = [];
    let expected = 0;
    for (let i = 0; i < RECORDS; i++) {
      const bytes = 1 + (i % 9973);
      expected += bytes;
      records.push({ event_id: `${tag}-${i}`, iccid: iccids[i % ESIMS]!, bytes, occurred_at: at });
    }
    const count = async () =>
      Number(
        (
          await database.db
            .selectFrom('usage_records')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    let maxLag = 0;
    const lagSamples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const info = await jsm.consumers
          .info(env.USAGE_FEED_STREAM, env.USAGE_FEED_CONSUMER)
          .catch(() => null);
        if (info) {
          const lag = info.num_pending + info.num_ack_pending;
          lagSamples.push(lag);
          maxLag = Math.max(maxLag, lag);
        }
        await sleep(1000);
      }
    })();
    const cpu0 = cpuSample();
    const t0 = performance.now();
    const published = await publishUsage(jetstream(nc), `${tag}.usage.records.bench`, records, PER_MESSAGE);
    const tPublished = performance.now();
    while ((await count()) < RECORDS) await sleep(100);
    const tDone = performance.now();
    // where the CPU went from the first publish to the last commit (2 cores = 100 %)
    const cpu = cpuShares(cpu0, 6);
    sampling = false;
    await sampler;
    const used = await database.db
      .selectFrom('packs')
      .select((eb) => eb.fn.sum<number>('used_bytes').as('s'))
      .executeTakeFirstOrThrow();
    const exact = Number(used.s) === expected;
    const s = (ms: number) => (ms / 1000).toFixed(2);
    console.log(
      JSON.stringify(
        {
          instances: INSTANCES,
          records: RECORDS,
          per_message: PER_MESSAGE,
          messages: published.messages,
          esims: ESIMS,
          publish_s: s(tPublished - t0),
          publish_rate: Math.round(RECORDS / ((tPublished - t0) / 1000)),
          end_to_end_s: s(tDone - t0),
          end_to_end_rate: Math.round(RECORDS / ((tDone - t0) / 1000)),
          max_lag_messages: maxLag,
          cpu_busy_pct: cpu.busy_pct,
          cpu_by_command_pct: cpu.by_command_pct,
          lag_samples: lagSamples,
          exact,
        },
        null,
        2,
      ),
    );
    if (!exact) process.exitCode = 1;
  } finally {
    try {
      cluster('stop');
    } catch {
      // already down
    }
    for (const s of [env.USAGE_FEED_STREAM, `${env.USAGE_FEED_STREAM}_DEAD`])
      await jsm.streams.delete(s).catch(() => undefined);
    await nc.close();
    await database.close();
    await admin(`drop database if exists ${dbName} with (force)`);
  }
}

await main();
