/**
 * SessionCache alone, over a fake bus: the LRU bounds, the safety TTL (a manual clock), invalidation by
 * each event type, the bypass while the bus is unhealthy, the clear on its recovery, and a load racing an
 * event not caching what it read.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/lib/clock.js';
import { LocalBus, type InvalidationEvent } from '../../src/sessions/bus.js';
import { SessionCache } from '../../src/sessions/cache.js';
import { FakeBus } from '../fixtures/fake-bus.js';

interface User {
  id: string;
  status: string;
}

/** A loader that counts its calls and answers from a mutable "table". */
function table() {
  const rows = new Map<string, User>();
  const live = new Map<string, boolean>();
  let loads = 0;
  return {
    rows,
    live,
    loads: () => loads,
    user: (id: string) => async () => {
      loads++;
      const row = rows.get(id);
      return row ? { ...row } : undefined;
    },
    session: (sid: string) => async () => {
      loads++;
      return live.get(sid) ?? false;
    },
  };
}

function setup(opts: { maxUsers?: number; maxSessions?: number; ttlMs?: number } = {}) {
  const bus = new FakeBus();
  const clock = new ManualClock();
  const cache = new SessionCache<User>(bus, { ...opts, clock });
  return { bus, clock, cache, t: table() };
}

describe('SessionCache', () => {
  test('a second read is a hit; an unknown user is never cached', async () => {
    const { cache, t } = setup();
    t.rows.set('u1', { id: 'u1', status: 'active' });
    assert.deepEqual(await cache.getUser('u1', t.user('u1')), { id: 'u1', status: 'active' });
    assert.deepEqual(await cache.getUser('u1', t.user('u1')), { id: 'u1', status: 'active' });
    assert.equal(t.loads(), 1);
    assert.equal(await cache.getUser('nobody', t.user('nobody')), undefined);
    assert.equal(await cache.getUser('nobody', t.user('nobody')), undefined);
    assert.equal(t.loads(), 3);
    const s = cache.stats();
    assert.equal(s.hits, 1);
    assert.equal(s.misses, 3);
    assert.equal(s.users, 1);
  });

  test('LRU bound: the least recently used entry goes first', async () => {
    const { cache, t } = setup({ maxUsers: 3, maxSessions: 2 });
    for (const id of ['a', 'b', 'c']) t.rows.set(id, { id, status: 'active' });
    t.rows.set('d', { id: 'd', status: 'active' });
    for (const id of ['a', 'b', 'c']) await cache.getUser(id, t.user(id));
    await cache.getUser('a', t.user('a')); // a is now the most recent; b the least
    await cache.getUser('d', t.user('d'));
    assert.equal(cache.stats().users, 3);
    const before = t.loads();
    await cache.getUser('a', t.user('a'));
    await cache.getUser('c', t.user('c'));
    await cache.getUser('d', t.user('d'));
    assert.equal(t.loads(), before, 'a, c and d were kept');
    await cache.getUser('b', t.user('b'));
    assert.equal(t.loads(), before + 1, 'b was evicted');

    for (const sid of ['s1', 's2', 's3']) await cache.isSessionLive('a', sid, t.session(sid));
    assert.equal(cache.stats().sessions, 2);
  });

  test('the safety TTL: an entry is reloaded once it is older than ttlMs', async () => {
    const { cache, clock, t } = setup({ ttlMs: 30_000 });
    t.rows.set('u1', { id: 'u1', status: 'active' });
    t.live.set('s1', true);
    await cache.getUser('u1', t.user('u1'));
    await cache.isSessionLive('u1', 's1', t.session('s1'));
    clock.advance(29_999);
    await cache.getUser('u1', t.user('u1'));
    await cache.isSessionLive('u1', 's1', t.session('s1'));
    assert.equal(t.loads(), 2, 'still fresh');
    t.rows.set('u1', { id: 'u1', status: 'suspended' });
    t.live.set('s1', false);
    clock.advance(1);
    assert.equal((await cache.getUser('u1', t.user('u1')))?.status, 'suspended');
    assert.equal(await cache.isSessionLive('u1', 's1', t.session('s1')), false);
    assert.equal(t.loads(), 4);
  });

  test('a user event drops that user only', async () => {
    const { bus, cache, t } = setup();
    t.rows.set('u1', { id: 'u1', status: 'active' });
    t.rows.set('u2', { id: 'u2', status: 'active' });
    await cache.getUser('u1', t.user('u1'));
    await cache.getUser('u2', t.user('u2'));
    t.rows.set('u1', { id: 'u1', status: 'suspended' });
    await bus.publish({ t: 'user', id: 'u1' });
    assert.equal((await cache.getUser('u1', t.user('u1')))?.status, 'suspended');
    await cache.getUser('u2', t.user('u2'));
    assert.equal(t.loads(), 3);
  });

  test('a session event drops that session; a user-sessions event drops all of that user', async () => {
    const { bus, cache, t } = setup();
    for (const sid of ['a1', 'a2', 'b1']) t.live.set(sid, true);
    await cache.isSessionLive('ua', 'a1', t.session('a1'));
    await cache.isSessionLive('ua', 'a2', t.session('a2'));
    await cache.isSessionLive('ub', 'b1', t.session('b1'));
    assert.equal(t.loads(), 3);

    t.live.set('a1', false);
    await bus.publish({ t: 'session', id: 'a1' });
    assert.equal(await cache.isSessionLive('ua', 'a1', t.session('a1')), false);
    assert.equal(await cache.isSessionLive('ua', 'a2', t.session('a2')), true);
    assert.equal(t.loads(), 4);

    t.live.set('a2', false);
    await bus.publish({ t: 'user-sessions', id: 'ua' });
    assert.equal(await cache.isSessionLive('ua', 'a2', t.session('a2')), false);
    assert.equal(await cache.isSessionLive('ua', 'a1', t.session('a1')), false);
    assert.equal(await cache.isSessionLive('ub', 'b1', t.session('b1')), true);
    assert.equal(t.loads(), 6, 'a1 and a2 were reloaded, b1 was kept');
    assert.equal(cache.stats().invalidations, 2);
  });

  test('a session cached for another user is not an answer', async () => {
    const { cache, t } = setup();
    t.live.set('s', true);
    await cache.isSessionLive('u1', 's', t.session('s'));
    await cache.isSessionLive('u2', 's', t.session('s'));
    assert.equal(t.loads(), 2);
  });

  test('an all event clears everything', async () => {
    const { bus, cache, t } = setup();
    t.rows.set('u1', { id: 'u1', status: 'active' });
    t.live.set('s1', true);
    await cache.getUser('u1', t.user('u1'));
    await cache.isSessionLive('u1', 's1', t.session('s1'));
    await bus.publish({ t: 'all' });
    assert.deepEqual([cache.stats().users, cache.stats().sessions], [0, 0]);
  });

  test('unhealthy bus: every read goes to load and nothing is kept; recovery starts empty', async () => {
    const { bus, cache, t } = setup();
    t.rows.set('u1', { id: 'u1', status: 'active' });
    t.live.set('s1', true);
    await cache.getUser('u1', t.user('u1'));
    await cache.isSessionLive('u1', 's1', t.session('s1'));
    assert.equal(t.loads(), 2);

    bus.set(false);
    assert.equal(cache.trusted(), false);
    assert.deepEqual([cache.stats().users, cache.stats().sessions], [0, 0], 'cleared on going down');
    t.rows.set('u1', { id: 'u1', status: 'suspended' }); // an event nobody hears
    t.live.set('s1', false);
    for (let i = 0; i < 3; i++) {
      assert.equal((await cache.getUser('u1', t.user('u1')))?.status, 'suspended');
      assert.equal(await cache.isSessionLive('u1', 's1', t.session('s1')), false);
    }
    assert.equal(t.loads(), 8);
    assert.equal(cache.stats().bypasses, 6);
    assert.deepEqual([cache.stats().users, cache.stats().sessions], [0, 0]);

    bus.set(true);
    assert.equal(cache.trusted(), true);
    await cache.getUser('u1', t.user('u1'));
    await cache.getUser('u1', t.user('u1'));
    assert.equal(t.loads(), 9, 'one miss, then a hit');
  });

  test('recovery clears what was cached before the outage (events may have been missed)', async () => {
    const bus = new FakeBus();
    const seen: InvalidationEvent[] = [];
    bus.subscribe((e) => seen.push(e));
    const cache = new SessionCache<User>(bus);
    const t = table();
    t.rows.set('u1', { id: 'u1', status: 'active' });
    await cache.getUser('u1', t.user('u1'));
    bus.set(false);
    bus.set(true);
    assert.deepEqual(seen, [{ t: 'all' }, { t: 'all' }]);
    assert.equal(cache.stats().users, 0);
  });

  test('a load that an event overtook returns its value but does not keep it', async () => {
    const { bus, cache, t } = setup();
    t.rows.set('u1', { id: 'u1', status: 'active' });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const slow = async () => {
      const row = await t.user('u1')(); // read before the change...
      await gate; // ...and the change's event arrives before the load returns
      return row;
    };
    const pending = cache.getUser('u1', slow);
    await new Promise((r) => setImmediate(r));
    t.rows.set('u1', { id: 'u1', status: 'suspended' });
    await bus.publish({ t: 'user', id: 'u1' });
    release();
    assert.equal((await pending)?.status, 'active');
    assert.equal((await cache.getUser('u1', t.user('u1')))?.status, 'suspended');
  });

  test('a load during which the bus went down is not kept either', async () => {
    const { bus, cache, t } = setup();
    t.rows.set('u1', { id: 'u1', status: 'active' });
    const pending = cache.getUser('u1', async () => {
      const row = await t.user('u1')();
      bus.set(false);
      bus.set(true);
      return row;
    });
    await pending;
    assert.equal(cache.stats().users, 0);
  });

  test('pack-list events leave the session cache alone: a load they overtake is kept, nothing is dropped', async () => {
    const { bus, cache, t } = setup();
    t.rows.set('u1', { id: 'u1', status: 'active' });
    t.rows.set('u2', { id: 'u2', status: 'active' });
    await cache.getUser('u2', t.user('u2'));
    await cache.getUser('u1', async () => {
      const row = await t.user('u1')();
      await bus.publish({ t: 'packs', ids: ['u1', 'u2'] });
      await bus.publish({ t: 'packs-all' });
      return row;
    });
    assert.deepEqual([cache.stats().users, cache.stats().invalidations], [2, 0]);
  });

  test('close unsubscribes; LocalBus is always healthy and delivers locally', async () => {
    const bus = new LocalBus();
    assert.equal(bus.healthy(), true);
    const cache = new SessionCache<User>(bus);
    const t = table();
    t.rows.set('u1', { id: 'u1', status: 'active' });
    await cache.getUser('u1', t.user('u1'));
    cache.close();
    await bus.publish({ t: 'user', id: 'u1' });
    assert.equal(cache.stats().invalidations, 0);
  });
});
