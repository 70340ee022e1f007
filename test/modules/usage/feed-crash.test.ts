/**
 * The usage feed across real processes: three service instances (child processes) on one PostgreSQL share
 * the feed's durable consumer; one is killed with SIGKILL midway. Every pack's used bytes must still equal
 * the records sent to the byte, each unknown ICCID must be one dead letter, and nothing is counted twice
 * (the killed instance's unacknowledged messages are redelivered to the others).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { openDatabase, type DatabaseHandle } from '../../../src/db/index.js';
import { migrateToLatest } from '../../../src/db/migrate.js';
import { DAY_MS } from '../../../src/lib/clock.js';
import type { UsageInput } from '../../../src/modules/usage/engine.js';
import { publishUsage } from '../../../src/modules/usage/feed/publish.js';
import { feedNames, NATS_URL, natsAvailable } from '../../fixtures/nats.js';
import { startServer, stopServer, type ServerProcess } from '../../fixtures/server-process.js';
import { assertLedger, eventId, newIccid, seedEsim, seedPack } from '../../fixtures/usage.js';
import { freshDatabaseUrl, pgAvailable, uniqueEmail } from '../../helper.js';

const RECORDS = 30_000;
const skip = !natsAvailable ? 'NATS not reachable (outside CI)' : !pgAvailable ? 'no PostgreSQL' : false;

describe('usage feed: three instances, one killed midway [postgres]', { skip }, () => {
  const names = feedNames();
  let database: DatabaseHandle;
  let drop: () => Promise<void>;
  let url: string;
  const servers: ServerProcess[] = [];
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  before(async () => {
    ({ url, drop } = await freshDatabaseUrl('postgres'));
    database = openDatabase(url, { poolMax: 4 });
    await migrateToLatest(database.db);
    nc = await connect({ servers: NATS_URL });
    jsm = await jetstreamManager(nc);
  });
  after(async () => {
    for (const s of servers) await stopServer(s);
    for (const s of [names.stream, `${names.stream}_DEAD`])
      await jsm?.streams.delete(s).catch(() => undefined);
    await nc?.close();
    await database?.close();
    await drop?.();
  });

  test('every pack ends at the exact bytes sent, and each unknown ICCID is one dead letter', async () => {
    const env = {
      USAGE_FEED_NATS_URL: NATS_URL,
      USAGE_FEED_STREAM: names.stream,
      USAGE_FEED_CONSUMER: names.consumer,
      USAGE_FEED_SUBJECT_PREFIX: names.prefix,
      USAGE_FEED_NAK_DELAY_MS: '200',
      DB_POOL_MAX: '4',
    };
    for (let i = 0; i < 3; i++) servers.push(await startServer(url, { env, name: `instance ${i + 1}` }));

    const register = await fetch(`${servers[0]!.base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: uniqueEmail('feed'), password: 'correct horse 1' }),
    });
    assert.equal(register.status, 201, await register.clone().text());
    const userId = ((await register.json()) as { user: { id: string } }).user.id;
    const esims = [];
    for (let i = 0; i < 20; i++) {
      const e = await seedEsim(database.db, userId);
      const pack = await seedPack(database.db, {
        userId,
        esimId: e.id,
        status: 'active',
        totalBytes: 1_000_000_000_000,
        createdAt: Date.now() - DAY_MS,
      });
      esims.push({ ...e, pack });
    }
    const at = new Date(Date.now() - 60_000).toISOString();
    const known: UsageInput[] = [];
    const unknown: UsageInput[] = [];
    for (let i = 0; i < RECORDS; i++) {
      const isUnknown = i % 20 === 11;
      const iccid = isUnknown ? newIccid() : esims[i % esims.length]!.iccid;
      (isUnknown ? unknown : known).push({
        event_id: eventId('crash'),
        iccid,
        bytes: 1 + (i % 5000),
        occurred_at: at,
      });
    }
    // 10 % of the records sent twice, in other messages
    const sent = [...known, ...unknown];
    const again = sent.filter((_, i) => i % 10 === 4).map((r) => ({ ...r }));
    const js = jetstream(nc);
    const subject = `${names.prefix}.records.crash`;
    const publishing = (async () => {
      await publishUsage(js, subject, sent, 100);
      await publishUsage(js, subject, again, 1);
    })();

    const count = async () =>
      Number(
        (
          await database.db
            .selectFrom('usage_records')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const deadline = Date.now() + 120_000;
    while ((await count()) < known.length / 3) {
      if (Date.now() > deadline) throw new Error('the feed made no progress');
      await sleep(20);
    }
    await stopServer(servers[1], 'SIGKILL');
    await publishing;

    const dead = async () => {
      const info = await jsm.streams.info(`${names.stream}_DEAD`, { subjects_filter: '>' });
      return info.state.subjects ?? {};
    };
    while (
      (await count()) < known.length ||
      ((await dead())[`${names.prefix}.dead.UNKNOWN_ICCID`] ?? 0) < unknown.length
    ) {
      if (Date.now() > deadline) throw new Error(`timed out: ${await count()} of ${known.length} records`);
      await sleep(100);
    }
    await sleep(1000); // a late double debit would show now

    const packs = await database.db.selectFrom('packs').select(['id', 'used_bytes']).execute();
    const used = new Map(packs.map((p) => [p.id, Number(p.used_bytes)]));
    for (const e of esims) {
      const expected = known.filter((r) => r.iccid === e.iccid).reduce((s, r) => s + r.bytes, 0);
      assert.equal(used.get(e.pack), expected, `pack of ${e.iccid}`);
    }
    const ledger = await assertLedger(database.db);
    assert.equal(ledger.records, known.length);
    assert.equal(
      ledger.bytes,
      known.reduce((s, r) => s + r.bytes, 0),
    );
    assert.deepEqual(await dead(), { [`${names.prefix}.dead.UNKNOWN_ICCID`]: unknown.length });
  });
});
