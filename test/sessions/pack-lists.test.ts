/**
 * PackListCache alone, over a fake bus and a manual clock (like cache.test.ts): hits, prefixes of a larger
 * page, invalidation by each event type, a load racing an event, the bypass while the bus is unhealthy,
 * the TTL, the LRU bound in rows and the counters. The write side (`packsChanged`) is in
 * packs-changed.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/lib/clock.js';
import type { InvalidationEvent } from '../../src/sessions/bus.js';
import { PackListCache } from '../../src/sessions/pack-lists.js';
import { FakeBus } from '../fixtures/fake-bus.js';

interface Row {
  id: string;
}

/** Each user's list, newest first, and a loader that counts its calls and reads `limit + 1` rows. */
function table() {
  const lists = new Map<string, Row[]>();
  let loads = 0;
  return {
    lists,
    put: (user: string, n: number) =>
      lists.set(
        user,
        Array.from({ length: n }, (_, i) => ({ id: `${user}-${n - i}` })),
      ),
    loads: () => loads,
    load: (user: string) => async (limit: number) => {
      loads++;
      return (lists.get(user) ?? []).slice(0, limit + 1);
    },
  };
}

function setup(opts: { maxRows?: number; ttlMs?: number } = {}) {
  const bus = new FakeBus();
  const clock = new ManualClock();
  const cache = new PackListCache<Row>(bus, { ...opts, clock });
  return { bus, clock, cache, t: table() };
}

const ids = (rows: Row[]) => rows.map((r) => r.id);

describe('PackListCache', () => {
  test('a second read is a hit, with the same rows', async () => {
    const { cache, t } = setup();
    t.put('u1', 3);
    const first = await cache.firstPage('u1', 10, t.load('u1'));
    const second = await cache.firstPage('u1', 10, t.load('u1'));
    assert.deepEqual(ids(second), ['u1-3', 'u1-2', 'u1-1']);
    assert.deepEqual(second, first);
    assert.equal(t.loads(), 1);
    assert.deepEqual(cache.stats(), { hits: 1, misses: 1, bypasses: 0, invalidations: 0, users: 1 });
  });

  test('a smaller page is the prefix of a larger one; a larger page reloads unless the list was whole', async () => {
    const { cache, t } = setup();
    t.put('u1', 10);
    await cache.firstPage('u1', 5, t.load('u1')); // rows 10..5 (limit + 1 = 6 of 10)
    assert.deepEqual(ids(await cache.firstPage('u1', 2, t.load('u1'))), ['u1-10', 'u1-9', 'u1-8']);
    assert.equal((await cache.firstPage('u1', 5, t.load('u1'))).length, 6);
    assert.equal(t.loads(), 1, 'limits 2 and 5 were served from the cached 6 rows');
    const larger = await cache.firstPage('u1', 8, t.load('u1'));
    assert.equal(t.loads(), 2, 'limit 8 needs rows the cache does not hold');
    assert.equal(larger.length, 9);
    assert.equal((await cache.firstPage('u1', 3, t.load('u1'))).length, 4);
    assert.equal(t.loads(), 2, 'the larger page replaced the entry');

    t.put('u2', 3);
    await cache.firstPage('u2', 5, t.load('u2')); // 3 rows < limit + 1: the whole list
    assert.deepEqual(ids(await cache.firstPage('u2', 100, t.load('u2'))), ['u2-3', 'u2-2', 'u2-1']);
    assert.equal(t.loads(), 3, 'a whole list answers any larger limit');
  });

  test("a packs event for one user drops that user's list only", async () => {
    const { bus, cache, t } = setup();
    t.put('u1', 2);
    t.put('u2', 2);
    await cache.firstPage('u1', 10, t.load('u1'));
    await cache.firstPage('u2', 10, t.load('u2'));
    t.put('u1', 3);
    t.put('u2', 3);
    await bus.publish({ t: 'packs', ids: ['u1', 'nobody'] });
    assert.equal((await cache.firstPage('u1', 10, t.load('u1'))).length, 3, 'u1 reloaded');
    assert.equal((await cache.firstPage('u2', 10, t.load('u2'))).length, 2, 'u2 still cached');
    assert.equal(t.loads(), 3);
    assert.equal(cache.stats().invalidations, 1);
  });

  for (const t0 of ['packs-all', 'all'] as const) {
    test(`a ${t0} event drops every list`, async () => {
      const { bus, cache, t } = setup();
      for (const u of ['u1', 'u2']) {
        t.put(u, 1);
        await cache.firstPage(u, 10, t.load(u));
      }
      assert.equal(cache.stats().users, 2);
      await bus.publish({ t: t0 });
      assert.equal(cache.stats().users, 0);
      for (const u of ['u1', 'u2']) await cache.firstPage(u, 10, t.load(u));
      assert.equal(t.loads(), 4);
    });
  }

  test('user and session events leave the lists alone', async () => {
    const { bus, cache, t } = setup();
    t.put('u1', 1);
    await cache.firstPage('u1', 10, t.load('u1'));
    await bus.publish({ t: 'user', id: 'u1' });
    await bus.publish({ t: 'user-sessions', id: 'u1' });
    await bus.publish({ t: 'session', id: 'f1' });
    assert.equal(cache.stats().users, 1);
    assert.equal(cache.stats().invalidations, 0);
  });

  const racing: InvalidationEvent[] = [{ t: 'packs', ids: ['u1'] }, { t: 'packs-all' }];
  for (const event of racing) {
    test(`a load during which ${event.t} came is returned but not kept`, async () => {
      const { bus, cache, t } = setup();
      t.put('u1', 2);
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const slow = cache.firstPage('u1', 10, async (limit) => {
        const rows = await t.load('u1')(limit); // read before the change...
        await gate; // ...which is announced while the load is still in flight
        return rows;
      });
      await bus.publish(event);
      release();
      assert.equal((await slow).length, 2, 'the caller gets what was read');
      assert.equal(cache.stats().users, 0, 'nothing kept');
      t.put('u1', 3);
      assert.equal((await cache.firstPage('u1', 10, t.load('u1'))).length, 3);
      assert.equal(t.loads(), 2);
      assert.equal((await cache.firstPage('u1', 10, t.load('u1'))).length, 3);
      assert.equal(t.loads(), 2, 'a load with no event in between is kept');
    });
  }

  test('while the bus is unhealthy every read goes to the loader and nothing is kept', async () => {
    const { bus, cache, t } = setup();
    t.put('u1', 2);
    await cache.firstPage('u1', 10, t.load('u1'));
    bus.set(false); // hands out { t: 'all' }
    assert.equal(cache.trusted(), false);
    assert.equal(cache.stats().users, 0, 'forgotten when the bus went down');
    t.put('u1', 3);
    for (let i = 0; i < 3; i++) assert.equal((await cache.firstPage('u1', 10, t.load('u1'))).length, 3);
    assert.equal(t.loads(), 4);
    assert.equal(cache.stats().bypasses, 3);
    assert.equal(cache.stats().users, 0);

    // a load that began healthy and ended while the bus was down is not kept either
    bus.set(true);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = cache.firstPage('u1', 10, async (limit) => {
      await gate;
      return t.load('u1')(limit);
    });
    bus.set(false);
    release();
    await slow;
    bus.set(true);
    assert.equal(cache.stats().users, 0);
    await cache.firstPage('u1', 10, t.load('u1'));
    await cache.firstPage('u1', 10, t.load('u1'));
    assert.equal(cache.stats().users, 1, 'cached again once healthy');
  });

  test('an entry older than the TTL is reloaded; TTL 0 keeps nothing', async () => {
    const { cache, clock, t } = setup({ ttlMs: 30_000 });
    t.put('u1', 1);
    await cache.firstPage('u1', 10, t.load('u1'));
    clock.advance(29_999);
    await cache.firstPage('u1', 10, t.load('u1'));
    assert.equal(t.loads(), 1, 'still fresh');
    t.put('u1', 2);
    clock.advance(1);
    assert.equal((await cache.firstPage('u1', 10, t.load('u1'))).length, 2);
    assert.equal(t.loads(), 2);

    const off = setup({ ttlMs: 0 });
    off.t.put('u1', 1);
    await off.cache.firstPage('u1', 10, off.t.load('u1'));
    await off.cache.firstPage('u1', 10, off.t.load('u1'));
    assert.equal(off.t.loads(), 2);
    assert.equal(off.cache.stats().users, 0);
  });

  test('LRU bound in rows: the least recently used list goes first; a list over the bound is not kept', async () => {
    const { cache, t } = setup({ maxRows: 12 });
    for (const u of ['a', 'b', 'c']) t.put(u, 3); // each entry weighs 3 rows + 1
    for (const u of ['a', 'b', 'c']) await cache.firstPage(u, 10, t.load(u));
    assert.equal(cache.stats().users, 3);
    await cache.firstPage('a', 10, t.load('a')); // a is the most recent now; b the least
    t.put('d', 1);
    await cache.firstPage('d', 10, t.load('d')); // 12 + 2 > 12: b goes
    const before = t.loads();
    for (const u of ['a', 'c', 'd']) await cache.firstPage(u, 10, t.load(u));
    assert.equal(t.loads(), before, 'a, c and d were kept');
    await cache.firstPage('b', 10, t.load('b'));
    assert.equal(t.loads(), before + 1, 'b was evicted');

    t.put('big', 20);
    await cache.firstPage('big', 15, t.load('big'));
    await cache.firstPage('big', 15, t.load('big'));
    assert.equal(t.loads(), before + 3, '16 rows never fit in 12');
  });

  test('close() stops listening and forgets everything', async () => {
    const { bus, cache, t } = setup();
    t.put('u1', 1);
    await cache.firstPage('u1', 10, t.load('u1'));
    cache.close();
    assert.equal(cache.stats().users, 0);
    await bus.publish({ t: 'packs', ids: ['u1'] });
    assert.equal(cache.stats().invalidations, 0, 'no longer subscribed');
  });
});
