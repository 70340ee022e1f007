/**
 * RedisBus against real Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379; mandatory with CI=true,
 * skipped with a message otherwise, as test/http/rate-limit.test.ts does): two instances, an event crosses
 * within 100 ms; `CLIENT KILL` of a subscriber connection makes it unhealthy, then healthy again after it
 * reconnected and re-subscribed, with its cache cleared, and events flow. Each run has its own channel.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { InvalidationEvent } from '../../src/sessions/bus.js';
import { SessionCache } from '../../src/sessions/cache.js';
import { redisChannelFor } from '../../src/sessions/index.js';
import { RedisBus } from '../../src/sessions/redis-bus.js';
import { REDIS_URL, redisAvailable } from '../fixtures/redis.js';
import { silentLogger } from '../../src/sessions/bus.js';

async function until(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(2);
  }
}

/** `promise`'s value, or -1 after `ms` (the timer does not outlive the answer). */
async function within(promise: Promise<number>, ms: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((resolve) => (timer = setTimeout(resolve, ms, -1)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function arrival(bus: RedisBus, id: string): Promise<number> {
  return new Promise((resolve) => {
    const off = bus.subscribe((e) => {
      if ('id' in e && e.id === id) {
        off();
        resolve(performance.now());
      }
    });
  });
}

describe('RedisBus (two instances on one Redis)', { skip: !redisAvailable && 'Redis unreachable' }, () => {
  const channel = `${redisChannelFor('sqlite:///test.db')}:${randomUUID()}`;
  let a: RedisBus;
  let b: RedisBus;
  let admin: Redis;

  before(async () => {
    [a, b] = await Promise.all([
      RedisBus.create({ url: REDIS_URL, channel, log: silentLogger, heartbeatMs: 200 }),
      RedisBus.create({ url: REDIS_URL, channel, log: silentLogger, heartbeatMs: 200 }),
    ]);
    await Promise.all([a.started(3000), b.started(3000)]);
    admin = new Redis(REDIS_URL);
  });

  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    admin?.disconnect();
  });

  test('both are healthy once subscribed', () => {
    assert.equal(a.healthy(), true);
    assert.equal(b.healthy(), true);
    assert.equal(a.kind, 'redis');
  });

  test('20 events cross within 100 ms each; the publisher hears its own at once, once', async () => {
    const onA: InvalidationEvent[] = [];
    const onB: InvalidationEvent[] = [];
    a.subscribe((e) => onA.push(e));
    b.subscribe((e) => onB.push(e));
    const latencies: number[] = [];
    for (let i = -3; i < 20; i++) {
      const id = `u-${i}-${randomUUID()}`;
      const arrived = arrival(b, id);
      const t0 = performance.now();
      const sent = a.publish({ t: 'session', id });
      assert.deepEqual(
        onA.at(-1),
        { t: 'session', id },
        'the publishing process is invalidated synchronously',
      );
      await sent;
      const at = await within(arrived, 2000);
      assert.notEqual(at, -1, `event ${i} reached B`);
      if (i >= 0) latencies.push(at - t0);
    }
    await sleep(50);
    assert.equal(onA.length, 23, 'A ignores the echo of its own events');
    assert.equal(onB.length, 23);
    const sorted = [...latencies].sort((x, y) => x - y);
    const max = sorted.at(-1)!;
    console.log(
      `# RedisBus crossing latency over 20 events: p50 ${sorted[10]!.toFixed(2)} ms, max ${max.toFixed(2)} ms`,
    );
    assert.ok(max < 100, `every event crosses within 100 ms (max ${max.toFixed(1)} ms)`);
  });

  test('the heartbeat (PING in subscriber mode) keeps a live channel healthy', async () => {
    const before = b.stats().reconnects;
    await sleep(700); // three heartbeats
    assert.equal(b.healthy(), true);
    assert.equal(b.stats().reconnects, before);
  });

  test('CLIENT KILL of the subscriber: unhealthy (the cache reads through), then back, cleared, and events flow', async () => {
    const cacheB = new SessionCache<{ status: string }>(b);
    const row = { status: 'active' };
    let loads = 0;
    const load = async () => {
      loads++;
      return { ...row };
    };
    await cacheB.getUser('victim', load);
    await cacheB.getUser('victim', load);
    assert.equal(loads, 1, 'cached while healthy');
    const heard: InvalidationEvent[] = [];
    b.subscribe((e) => heard.push(e));

    const list = (await admin.client('LIST')) as string;
    const line = list.split('\n').find((l) => l.includes(` name=${b.connectionName} `));
    assert.ok(line, 'the subscriber is found by its connection name');
    const id = /\bid=(\d+)/.exec(line)![1]!;
    const killed = performance.now();
    await admin.client('KILL', 'ID', id);
    await until('B unhealthy', () => !b.healthy(), 2000);
    const noticed = performance.now() - killed;
    assert.deepEqual(heard.at(-1), { t: 'all' });
    row.status = 'suspended';
    if (!b.healthy()) {
      assert.equal((await cacheB.getUser('victim', load))?.status, 'suspended');
      assert.ok(cacheB.stats().bypasses >= 1);
    }

    await until('B healthy again', () => b.healthy(), 5000);
    const back = performance.now() - killed;
    console.log(
      `# RedisBus: kill noticed after ${noticed.toFixed(1)} ms, subscribed again after ${back.toFixed(1)} ms`,
    );
    assert.equal(b.stats().reconnects, 1);
    assert.deepEqual(heard.at(-1), { t: 'all' }, 'coming back clears');
    assert.equal(cacheB.stats().users, 0);

    const next = `after-${randomUUID()}`;
    const arrived = arrival(b, next);
    await a.publish({ t: 'user', id: next });
    assert.notEqual(await within(arrived, 2000), -1, 'events flow again');
    cacheB.close();
  });

  test('a publish while Redis is unreachable is counted, never thrown, and delivered locally', async () => {
    const bus = await RedisBus.create({
      url: 'redis://127.0.0.1:1',
      channel,
      log: silentLogger,
      heartbeatMs: 0,
    });
    try {
      await bus.started(100);
      assert.equal(bus.healthy(), false);
      const heard: InvalidationEvent[] = [];
      bus.subscribe((e) => heard.push(e));
      await bus.publish({ t: 'user', id: 'x' });
      assert.deepEqual(heard, [{ t: 'user', id: 'x' }]);
      assert.equal(bus.stats().publishFailures, 1);
    } finally {
      await bus.close();
    }
  });
});
