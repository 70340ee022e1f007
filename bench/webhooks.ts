/**
 * Webhook delivery on PostgreSQL with two app instances (two buildApp() instances in this process, each
 * with its own pool and worker, on one fresh database) and a local receiver (test/fixtures/webhook-
 * receiver.ts, a real HTTP server):
 * 1. rate: --events events are committed while the workers are stopped, then both workers start; the rate
 *    is deliveries received per second until the last one, and every webhook-id must arrive once;
 * 2. latency: --samples usage records, each taking a pack from 79 % to 81 % (through the usage engine,
 *    the path of POST /usage/records and the NATS feed), paced at --per-second; the time from the ingest
 *    call to the receiver getting that pack's `pack.usage_threshold` 80 % webhook, p50/p99/max.
 *   npx tsx bench/webhooks.ts [--events 20000] [--samples 500] [--per-second 50]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, transaction } from '../src/db/index.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { DAY_MS } from '../src/lib/clock.js';
import { newId } from '../src/lib/ids.js';
import { eventsRepo } from '../src/modules/events/repository.js';
import { startReceiver, type Received } from '../test/fixtures/webhook-receiver.js';
import { seedEsim, seedPack } from '../test/fixtures/usage.js';

const { values: opt } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    samples: { type: 'string', default: '500' },
    'per-second': { type: 'string', default: '50' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432' },
  },
});
const EVENTS = Number(opt.events);
const SAMPLES = Number(opt.samples);
const PER_SECOND = Number(opt['per-second']);
const MB = 1024 * 1024;
const dbName = `kswifi_whbench_${Date.now().toString(36)}`;
const dbUrl = `${opt.pg}/${dbName}`;

async function admin(query: string): Promise<void> {
  const c = new pg.Client({ connectionString: `${opt.pg}/postgres` });
  await c.connect();
  await c.query(query);
  await c.end();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

async function endpoint(app: FastifyInstance, url: string, types: string[]): Promise<void> {
  await app.services.webhooks.create(
    newId(),
    { url, event_types: types as never },
    { ip: null, userAgent: null },
  );
}

async function rate(apps: FastifyInstance[]) {
  const receiver = await startReceiver('/rate');
  await endpoint(apps[0]!, receiver.url, ['user.suspended']);
  const now = Date.now();
  for (let i = 0; i < EVENTS; i += 500) {
    const batch = Array.from({ length: Math.min(500, EVENTS - i) }, (_, k) => ({
      type: 'user.suspended' as const,
      userId: null,
      at: now,
      data: { n: i + k },
    }));
    await transaction(apps[0]!.ctx.db, (tx) => eventsRepo.emit(tx, batch));
  }
  const started = performance.now();
  for (const a of apps) a.services.webhookWorker!.start();
  await receiver.waitFor(EVENTS, 600_000);
  const seconds = (performance.now() - started) / 1000;
  await sleep(500);
  const ids = receiver.received.map((r) => r.id);
  const result = {
    deliveries: EVENTS,
    seconds: Math.round(seconds * 100) / 100,
    per_second: Math.round(EVENTS / seconds),
    received: ids.length,
    duplicates: ids.length - new Set(ids).size,
    by_instance: apps.map((a) => a.services.webhookWorker!.sent),
  };
  await receiver.close();
  return result;
}

async function latency(apps: FastifyInstance[]) {
  const receiver = await startReceiver('/latency');
  await endpoint(apps[0]!, receiver.url, ['pack.usage_threshold']);
  const db = apps[0]!.ctx.db;
  const userId = newId();
  const now = Date.now();
  await db
    .insertInto('users')
    .values({
      id: userId,
      email: `${dbName}@bench.example`,
      password_hash: 'x',
      full_name: null,
      phone_number: null,
      role: 'user',
      status: 'active',
      created_at: now,
      updated_at: now,
      last_login_at: null,
      deleted_at: null,
    })
    .execute();
  const targets: { iccid: string; packId: string }[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const esim = await seedEsim(db, userId);
    const packId = await seedPack(db, {
      userId,
      esimId: esim.id,
      status: 'active',
      totalBytes: 100 * MB,
      usedBytes: 79 * MB,
      createdAt: now - DAY_MS,
    });
    targets.push({ iccid: esim.iccid, packId });
  }
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  receiver.onReceive = (r: Received) => {
    const body = JSON.parse(r.body) as { data: { threshold: number; pack: { id: string } } };
    const t0 = sentAt.get(body.data.pack.id);
    if (body.data.threshold === 80 && t0 !== undefined) latencies.push(r.at - t0);
  };
  const at = new Date(now - 1000).toISOString();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = targets[i]!;
    const app = apps[i % apps.length]!;
    sentAt.set(t.packId, performance.now());
    const record = { event_id: `wb-${dbName}-${i}`, iccid: t.iccid, bytes: 2 * MB, occurred_at: at };
    pending.push(app.services.usageEngine.ingest([record]));
    await sleep(1000 / PER_SECOND);
  }
  await Promise.all(pending);
  await receiver.waitFor(SAMPLES, 60_000);
  const sorted = latencies.sort((a, b) => a - b);
  await receiver.close();
  return {
    samples: sorted.length,
    p50_ms: Math.round(pct(sorted, 0.5) * 10) / 10,
    p99_ms: Math.round(pct(sorted, 0.99) * 10) / 10,
    max_ms: Math.round(sorted.at(-1)! * 10) / 10,
  };
}

async function main(): Promise<void> {
  await admin(`create database ${dbName}`);
  const database = openDatabase(dbUrl, { poolMax: 2 });
  await migrateToLatest(database.db);
  await database.close();
  const config = loadConfig(
    {
      NODE_ENV: 'development',
      DATABASE_URL: dbUrl,
      LOG_LEVEL: 'warn',
      SWEEP_INTERVAL_S: '0',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_WORKER: 'false',
    },
    false,
  );
  const apps = [await buildApp(config), await buildApp(config)];
  try {
    for (const a of apps) await a.ready();
    const r = await rate(apps);
    console.log(JSON.stringify({ rate: r }));
    const l = await latency(apps);
    console.log(JSON.stringify({ latency_80_percent_to_webhook: l }));
  } finally {
    for (const a of apps) await a.close();
    await admin(`drop database if exists ${dbName} with (force)`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
