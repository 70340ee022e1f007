/**
 * Riding through a database outage. The real server runs as a child process on a fresh
 * PostgreSQL database, behind a TCP proxy in this process, while 8 clients read and ingest usage:
 * - every backend of the test database is terminated (pg_terminate_backend) in three waves mid-load;
 * - then a restart is simulated at the proxy: every connection is cut and new ones are refused for a
 *   while (what `pg_ctlcluster … restart` does), during which /ready answers 503.
 * The process must live, answer 503 problem+json with Retry-After (never 500) and recover by itself, and
 * the usage ledger must be exact (every batch is resent with the same event_ids until it is answered).
 * Also: an app whose database does not answer at all answers /ready and its database routes with 503.
 * PostgreSQL only for the load test (skipped when unreachable outside CI; mandatory with CI=true).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { buildApp } from '../../src/app.js';
import { classifyDbError } from '../../src/db/errors.js';
import { DAY_MS, iso } from '../../src/lib/clock.js';
import { startServer, stopServer, type ServerProcess } from '../fixtures/server-process.js';
import { PG_ADMIN_URL, createEnv, pgAvailable, problemOf, testConfig, type TestEnv } from '../helper.js';
import {
  assertLedger,
  eventId,
  insertApiKey,
  seedEsim,
  seedPack,
  type IngestAnswer,
} from '../fixtures/usage.js';

const INGESTORS = 5;
const READERS = 3;
const BATCH = 150; // more than one 100-record chunk per batch: a batch can be half committed when cut

/**
 * A TCP proxy to PostgreSQL that can play a restart: `cut()` destroys every open connection and refuses
 * new ones (ECONNREFUSED) until `restore()`.
 */
class RestartableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(
    private readonly upstreamHost: string,
    private readonly upstreamPort: number,
  ) {}

  async listen(port = 0): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.upstreamPort, this.upstreamHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? once(server, 'close') : Promise.resolve();
    server?.close();
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  restore(): Promise<void> {
    return this.listen(this.port);
  }
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

async function send(url: string, init: RequestInit = {}): Promise<Answer | null> {
  try {
    const res = await fetch(url, init);
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch {
    return null; // the connection failed: the server is gone (asserted against below)
  }
}

/** What the clients saw, besides 200s. */
class Tally {
  ok = 0;
  unavailable = 0;
  networkErrors = 0;
  unexpected: string[] = [];

  note(what: string, res: Answer | null): void {
    if (!res) {
      this.networkErrors++;
      return;
    }
    if (res.status === 200 || res.status === 201) {
      this.ok++;
      return;
    }
    if (res.status === 503) {
      const type = res.headers.get('content-type') ?? '';
      const body = JSON.parse(res.text) as { code?: string; status?: number };
      if (
        type.startsWith('application/problem+json') &&
        res.headers.get('retry-after') &&
        body.status === 503 &&
        body.code === 'DATABASE_UNAVAILABLE'
      ) {
        this.unavailable++;
        return;
      }
    }
    this.unexpected.push(
      `${what}: ${res.status} ${res.headers.get('content-type')} ${res.text.slice(0, 300)}`,
    );
  }
}

const skip = pgAvailable ? false : 'PostgreSQL not reachable (outside CI)';

describe('database outage under load [postgres]', { skip }, () => {
  let env: TestEnv | undefined;
  let proxy: RestartableProxy | undefined;
  let child: ServerProcess | undefined;
  let admin: pg.Client | undefined;

  before(async () => {
    env = await createEnv('postgres');
    const upstream = new URL(PG_ADMIN_URL);
    proxy = new RestartableProxy(upstream.hostname, Number(upstream.port || 5432));
    await proxy.listen();
    admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    admin.on('error', () => undefined);
    await admin.connect();
  });
  after(async () => {
    await stopServer(child);
    await proxy?.cut();
    await admin?.end().catch(() => undefined);
    await env?.close();
  });

  test('when the database drops every connection mid-load, then the process lives, answers 503 then 200, and the ledger is exact', async () => {
    const { db } = env!;
    const viaProxy = new URL(env!.url);
    viaProxy.host = `127.0.0.1:${proxy!.port}`;
    child = await startServer(viaProxy.toString());
    const { base } = child;
    const dbName = new URL(env!.url).pathname.slice(1);

    // a user with eSIMs and packs (some overage is expected and exercised), and a feed API key
    const reg = await send(`${base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `outage.${process.pid}@example.test`, password: 'correct horse 1' }),
    });
    assert.equal(reg?.status, 201, reg?.text);
    const user = JSON.parse(reg!.text) as { user: { id: string }; tokens: { access_token: string } };
    const bearer = { authorization: `Bearer ${user.tokens.access_token}` };
    const now = Date.now();
    const iccids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const esim = await seedEsim(db, user.user.id);
      iccids.push(esim.iccid);
      const seed = { userId: user.user.id, esimId: esim.id, createdAt: now - DAY_MS };
      await seedPack(db, { ...seed, status: 'active', totalBytes: 20_000_000 });
      await seedPack(db, { ...seed, status: 'pending', totalBytes: 5_000_000 });
    }
    const key = await insertApiKey(db);

    const tally = new Tally();
    const stored = new Map<string, number>(); // event_id → bytes, for every batch answered 200
    let acceptedTotal = 0;
    let duplicatesTotal = 0;
    let batches = 0;
    let stop = false;
    let n = 0;

    const ingestor = async () => {
      while (!stop) {
        const batch = Array.from({ length: BATCH }, () => {
          n++;
          return {
            event_id: eventId('outage'),
            iccid: iccids[n % iccids.length]!,
            bytes: 1000 + (n % 5000),
            occurred_at: iso(Date.now() - 60_000),
          };
        });
        const body = JSON.stringify({ records: batch });
        // resent, unchanged, until answered: the same event_ids make a retry idempotent
        for (let attempt = 0; ; attempt++) {
          const res = await send(`${base}/api/v1/usage/records`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': key },
            body,
          });
          tally.note('ingest', res);
          if (res?.status === 200) {
            const out = JSON.parse(res.text) as IngestAnswer;
            assert.deepEqual(out.rejected, []);
            assert.equal(out.accepted + out.duplicates, batch.length);
            acceptedTotal += out.accepted;
            duplicatesTotal += out.duplicates;
            for (const r of batch) stored.set(r.event_id, r.bytes);
            batches++;
            break;
          }
          if (!res || attempt > 300) return; // the server is gone or never recovers: asserted below
          await sleep(25);
        }
      }
    };
    const reader = async (i: number) => {
      while (!stop) {
        const path = i % 2 ? '/api/v1/users/me' : '/api/v1/usage?limit=20';
        tally.note(`GET ${path}`, await send(`${base}${path}`, { headers: bearer }));
        await sleep(5);
      }
    };
    const clients = [
      ...Array.from({ length: INGESTORS }, ingestor),
      ...Array.from({ length: READERS }, (_, i) => reader(i)),
    ];

    const waitFor = async (what: string, ok: () => boolean, ms = 10_000) => {
      const deadline = Date.now() + ms;
      while (!ok()) {
        if (!child!.alive())
          throw new Error(`the server process died waiting for ${what}: ${child!.stdout().slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(10);
      }
    };
    let unavailableBeforeCut: number | undefined;
    let readyAgainMs = -1;
    let readyDuringCut: Answer | null | undefined;
    let terminated = 0;
    try {
      await waitFor('the first batches', () => batches >= 5);

      // three waves of pg_terminate_backend on the test database, each a burst of five
      for (let wave = 0; wave < 3; wave++) {
        for (let shot = 0; shot < 5; shot++) {
          const { rows } = await admin!.query<{ killed: boolean }>(
            'select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
            [dbName],
          );
          terminated += rows.filter((r) => r.killed).length;
          await sleep(30);
        }
        const before = batches;
        await waitFor('ingestion to resume after a wave', () => batches >= before + 3);
      }

      // a restart: every connection cut, new ones refused for 1.5 s; /ready says 503 meanwhile
      unavailableBeforeCut = tally.unavailable;
      await proxy!.cut();
      await sleep(200);
      readyDuringCut = await send(`${base}/ready`);
      await sleep(1300);
      await proxy!.restore();
      const restored = Date.now();
      for (;;) {
        const res = await send(`${base}/ready`);
        if (res?.status === 200) {
          readyAgainMs = Date.now() - restored;
          break;
        }
        if (Date.now() - restored > 10_000 || !res) break;
        await sleep(50);
      }
      const before = batches;
      await waitFor('ingestion to resume after the restart', () => batches >= before + 3);
    } finally {
      stop = true;
      await Promise.all(clients);
    }

    // the process lived through it all and never treated the outage as a crash
    assert.ok(child.alive(), `the server process is alive (stderr: ${child.stderr()})`);
    assert.doesNotMatch(child.stdout(), /shutting down/);
    assert.ok(terminated > 0, 'pg_terminate_backend hit live backends');
    assert.equal(tally.networkErrors, 0, 'every request was answered');
    assert.deepEqual(tally.unexpected, [], 'no 500 and no other failure: only 200 or 503');
    assert.ok(
      (unavailableBeforeCut ?? 0) > 0,
      'terminated backends were answered with 503 problem+json and Retry-After',
    );
    assert.ok(tally.unavailable > (unavailableBeforeCut ?? 0), 'so was the restart');
    assert.equal(readyDuringCut?.status, 503, readyDuringCut?.text);
    assert.equal(readyDuringCut?.headers.get('retry-after'), '2');
    assert.deepEqual(JSON.parse(readyDuringCut!.text), { status: 'unavailable', database: 'unreachable' });
    assert.ok(readyAgainMs >= 0 && readyAgainMs < 5000, `/ready was 200 again ${readyAgainMs} ms after`);
    const ready = await send(`${base}/ready`);
    assert.equal(ready?.status, 200);

    // the ledger is exact: every answered event stored once, nothing else, every byte accounted for
    const ledger = await assertLedger(db);
    const rows = await db.selectFrom('usage_records').select(['event_id', 'bytes']).execute();
    assert.equal(rows.length, stored.size, 'one record per answered event_id');
    assert.equal(acceptedTotal + duplicatesTotal, stored.size);
    for (const r of rows) assert.equal(stored.get(r.event_id), Number(r.bytes), `record ${r.event_id}`);
    const sentBytes = [...stored.values()].reduce((s, b) => s + b, 0);
    assert.equal(ledger.bytes, sentBytes);
    const packs = await db.selectFrom('packs').select('used_bytes').execute();
    const used = packs.reduce((s, p) => s + Number(p.used_bytes), 0);
    assert.equal(used + ledger.overage, sentBytes, 'pack usage + overage = bytes ingested');
    const debits = await db
      .selectFrom('usage_debits')
      .select((eb) => eb.fn.sum<number>('bytes').as('sum'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(debits.sum ?? 0), used, 'debits = pack usage');
    console.log(
      `# ${batches} batches (${stored.size} records, ${duplicatesTotal} found committed on resend), ` +
        `${tally.unavailable} answers 503 (${unavailableBeforeCut} before the restart), ${terminated} backends terminated, /ready 200 ${readyAgainMs} ms after the restart`,
    );
  });
});

describe('database unreachable', () => {
  test('when no database answers, then /ready and database routes answer 503 with Retry-After, not 500', async () => {
    const app = await buildApp(testConfig('postgres://postgres@127.0.0.1:1/kswifi_nowhere'));
    try {
      const ready = await app.inject({ method: 'GET', url: '/ready' });
      assert.equal(ready.statusCode, 503);
      assert.equal(ready.headers['retry-after'], '2');
      assert.deepEqual(ready.json(), { status: 'unavailable', database: 'unreachable' });

      const calls = [
        {
          method: 'POST' as const,
          url: '/api/v1/usage/records',
          headers: { 'x-api-key': 'ksk_0123456789abcdef0123456789abcdef' },
          payload: { records: [] },
        },
        {
          method: 'POST' as const,
          url: '/api/v1/auth/login',
          payload: { email: 'nobody@example.test', password: 'correct horse 1' },
        },
      ];
      for (const call of calls) {
        const res = await app.inject(call);
        assert.equal(res.statusCode, 503, `${call.url}: ${res.body}`);
        assert.equal(res.headers['retry-after'], '2');
        const problem = problemOf(res);
        assert.equal(problem.code, 'DATABASE_UNAVAILABLE');
        assert.doesNotMatch(problem.detail, /ECONNREFUSED|127\.0\.0\.1/, 'no internals in the detail');
      }
    } finally {
      await app.close();
    }
  });

  test('when a database error is a lost connection, then it is a 503; other errors stay unexpected', () => {
    const lost = [
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('terminating connection due to crash of another server process'), {
        code: '57P02',
      }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
      new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })]),
    ];
    for (const err of lost) {
      const p = classifyDbError(err);
      assert.equal(p?.status, 503, err.message);
      assert.equal(p?.code, 'DATABASE_UNAVAILABLE');
      assert.ok(p?.headers?.['retry-after']);
    }
    for (const err of [new Error('boom'), Object.assign(new Error('syntax'), { code: '42601' })]) {
      assert.equal(classifyDbError(err), undefined, err.message);
    }
  });
});
