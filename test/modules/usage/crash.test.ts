// A crash during ingestion: the real server runs as a child process, is SIGKILLed while large batches are
// in flight, and the database must hold only whole records; resending everything then completes the work
// exactly once.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DAY_MS, iso } from '../../../src/lib/clock.js';
import { forEachDialect, registerUser } from '../../helper.js';
import {
  assertLedger,
  eventId,
  ingest,
  insertApiKey,
  seedEsim,
  seedPack,
  type FeedRecord,
  type IngestAnswer,
  type SeededEsim,
} from '../../fixtures/usage.js';
import { freePort } from '../../fixtures/server-process.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CLIENTS = 4;
const BATCH = 1000;

function startServer(databaseUrl: string, port: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      JWT_SECRET: 'crash-test-secret-crash-test-secret-0123',
      RATE_LIMIT_MAX: '1000000',
      SWEEP_INTERVAL_S: '0',
      BCRYPT_ROUNDS: '4',
    },
  });
}

async function waitReady(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

forEachDialect('usage ingestion killed mid-way', ({ env }) => {
  test('when the server is killed during ingestion, then only whole records remain and a resend completes them once', async () => {
    const { db, clock, app, url } = env();
    const now = clock.now();
    const user = await registerUser(app);
    const esims: SeededEsim[] = [];
    for (let i = 0; i < 10; i++) {
      const esim = await seedEsim(db, user.id);
      esims.push(esim);
      const base = { userId: user.id, esimId: esim.id, createdAt: now - DAY_MS };
      await seedPack(db, { ...base, status: 'active', totalBytes: 3_000_000 + i * 100_000 });
      await seedPack(db, { ...base, status: 'pending', totalBytes: 1_000_000 });
    }
    const key = await insertApiKey(db);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = startServer(url, port);
    const sent: FeedRecord[] = [];
    const answered: IngestAnswer[] = [];
    let n = 0;
    try {
      await waitReady(base, child);
      const exited = new Promise((r) => child.once('exit', r));
      const client = async () => {
        while (child.exitCode === null && child.signalCode === null) {
          const batch = Array.from({ length: BATCH }, () => ({
            event_id: eventId('crash'),
            iccid: esims[n++ % esims.length]!.iccid,
            bytes: 1000 + (n % 5000),
            occurred_at: iso(Date.now() - 60_000),
          }));
          sent.push(...batch);
          try {
            const res = await fetch(`${base}/api/v1/usage/records`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-api-key': key },
              body: JSON.stringify({ records: batch }),
            });
            if (res.status === 200) answered.push((await res.json()) as IngestAnswer);
          } catch {
            return; // the server is gone
          }
        }
      };
      const clients = Array.from({ length: CLIENTS }, client);
      // kill once a few batches have been answered, with more in flight
      while (answered.length < 3) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
      child.kill('SIGKILL');
      await exited;
      await Promise.all(clients);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }

    const stored = await assertLedger(db);
    const acknowledged = answered.reduce((s, a) => s + a.accepted, 0);
    assert.ok(acknowledged > 0, 'some batches were answered before the kill');
    assert.ok(stored.records >= acknowledged, 'every acknowledged record survived');
    assert.ok(stored.records < sent.length, 'the kill interrupted the ingestion');
    const storedIds = new Set(
      (await db.selectFrom('usage_records').select('event_id').execute()).map((r) => r.event_id),
    );
    for (const a of answered) for (const r of a.results) assert.ok(storedIds.has(r.event_id));

    // the feed resends everything: what was stored is a duplicate, the rest is ingested now, once
    clock.set(Date.now());
    let accepted = 0;
    let duplicates = 0;
    for (let i = 0; i < sent.length; i += BATCH) {
      const out = await ingest(app, key, sent.slice(i, i + BATCH));
      accepted += out.accepted;
      duplicates += out.duplicates;
    }
    assert.equal(duplicates, stored.records);
    assert.equal(accepted + duplicates, sent.length);
    const after = await assertLedger(db);
    assert.equal(after.records, sent.length);
    assert.equal(
      after.bytes,
      sent.reduce((s, r) => s + r.bytes, 0),
    );
  });
});
