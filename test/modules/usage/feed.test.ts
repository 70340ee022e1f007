/**
 * The NATS JetStream usage feed, with a real NATS server and two app instances sharing one durable
 * consumer on one database (both dialects): every record is debited exactly once (duplicates sent as
 * separate messages, and arrays mixed with single records), refusals and unreadable messages land in the
 * dead-letter subjects once each, and the instances' counts add up to the records taken.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { FastifyInstance } from 'fastify';
import { DAY_MS } from '../../../src/lib/clock.js';
import type { UsageInput } from '../../../src/modules/usage/engine.js';
import { publishUsage } from '../../../src/modules/usage/feed/publish.js';
import { feedNames, NATS_URL, natsAvailable } from '../../fixtures/nats.js';
import { assertLedger, eventId, newIccid, packRow, seedEsim, seedPack } from '../../fixtures/usage.js';
import { createEnv, DIALECTS, pgAvailable, registerUser, type TestEnv } from '../../helper.js';

async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function recordCount(env: TestEnv): Promise<number> {
  const r = await env.db
    .selectFrom('usage_records')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function deadBySubject(jsm: JetStreamManager, stream: string): Promise<Record<string, number>> {
  const info = await jsm.streams.info(`${stream}_DEAD`, { subjects_filter: '>' });
  return info.state.subjects ?? {};
}

for (const dialect of DIALECTS) {
  const skip = !natsAvailable
    ? 'NATS not reachable (outside CI)'
    : dialect === 'postgres' && !pgAvailable
      ? 'no PostgreSQL'
      : false;
  describe(`usage feed over NATS JetStream, two instances [${dialect}]`, { skip }, () => {
    const names = feedNames();
    let env: TestEnv;
    let second: FastifyInstance;
    let nc: NatsConnection;
    let js: JetStreamClient;
    let jsm: JetStreamManager;
    before(async () => {
      env = await createEnv(dialect, {
        USAGE_FEED_NATS_URL: NATS_URL,
        USAGE_FEED_STREAM: names.stream,
        USAGE_FEED_CONSUMER: names.consumer,
        USAGE_FEED_SUBJECT_PREFIX: names.prefix,
        USAGE_FEED_BATCH: '200',
        USAGE_FEED_NAK_DELAY_MS: '200',
      });
      second = await env.newApp();
      nc = await connect({ servers: NATS_URL });
      js = jetstream(nc);
      jsm = await jetstreamManager(nc);
      await waitFor('both feeds to consume', async () =>
        [env.app, second].every((a) => a.services.usageFeed?.state() === 'ok'),
      );
    });
    after(async () => {
      await env?.close();
      for (const s of [names.stream, `${names.stream}_DEAD`])
        await jsm?.streams.delete(s).catch(() => undefined);
      await nc?.close();
    });

    test('every record is debited once, refusals are dead letters once, and the instances share the work', async () => {
      const { app, db, clock } = env;
      const user = await registerUser(app);
      const esims = [];
      for (let i = 0; i < 3; i++) {
        const e = await seedEsim(db, user.id);
        const pack = await seedPack(db, {
          userId: user.id,
          esimId: e.id,
          status: 'active',
          totalBytes: 10_000_000_000,
          createdAt: clock.now() - DAY_MS,
        });
        esims.push({ ...e, pack });
      }
      const at = new Date(clock.now() - 60_000).toISOString();
      const known: UsageInput[] = [];
      const unknown: UsageInput[] = [];
      for (let i = 0; i < 1000; i++) {
        const isUnknown = i % 20 === 7; // 5 %
        const iccid = isUnknown ? newIccid() : esims[i % 3]!.iccid;
        const r = { event_id: eventId('feed'), iccid, bytes: 1000 + i, occurred_at: at };
        (isUnknown ? unknown : known).push(r);
      }
      const all = [...known, ...unknown].sort(() => Math.random() - 0.5);
      const subject = `${names.prefix}.records.test`;
      // half one record per message, half in arrays of 50
      await publishUsage(js, subject, all.slice(0, 500), 1);
      await publishUsage(js, subject, all.slice(500), 50);
      // 10 % sent again as new messages (another Nats-Msg-Id, so only the event_id can catch them)
      for (const r of all.filter((_, i) => i % 10 === 3)) {
        await js.publish(subject, JSON.stringify(r), { msgID: `again:${r.event_id}` });
      }
      await js.publish(subject, 'this is not json', { msgID: 'garbage-1' });
      await js.publish(
        subject,
        JSON.stringify([{ event_id: 'bad-1', iccid: esims[0]!.iccid, bytes: -5, occurred_at: at }]),
        { msgID: 'bad-record-1' },
      );

      await waitFor('every record and dead letter', async () => {
        const dead = await deadBySubject(jsm, names.stream);
        const deadTotal = Object.values(dead).reduce((s, n) => s + n, 0);
        return (await recordCount(env)) === known.length && deadTotal === unknown.length + 2;
      });
      await sleep(500); // anything still to come (a double debit) would show now

      for (const e of esims) {
        const expected = known.filter((r) => r.iccid === e.iccid).reduce((s, r) => s + r.bytes, 0);
        assert.equal(Number((await packRow(db, e.pack)).used_bytes), expected, `pack of ${e.iccid}`);
      }
      const ledger = await assertLedger(db);
      assert.equal(ledger.records, known.length);
      assert.equal(ledger.overage, 0);
      assert.deepEqual(await deadBySubject(jsm, names.stream), {
        [`${names.prefix}.dead.UNKNOWN_ICCID`]: unknown.length,
        [`${names.prefix}.dead.INVALID_MESSAGE`]: 1,
        [`${names.prefix}.dead.INVALID_RECORD`]: 1,
      });
      const feeds = [app, second].map((a) => a.services.usageFeed!);
      assert.equal(
        feeds.reduce((s, f) => s + f.counts.accepted, 0),
        known.length,
        'the instances together accepted each record once',
      );
      await waitFor('the consumer to have nothing pending', async () => (await feeds[0]!.lag()) === 0);

      const ready = await app.inject({ method: 'GET', url: '/ready' });
      assert.equal(ready.json<{ usage_feed: string }>().usage_feed, 'ok');
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /usage_feed_up 1/);
      assert.match(metrics.body, /usage_feed_lag_messages 0/);
    });
  });
}
