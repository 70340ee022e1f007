/**
 * SessionEvents.packs: this process forgets at once; the other instances get the changes of one window
 * merged (one channel event per 100 users, `packs-all` past 500), and close sends what still waits.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import {
  PACKS_EVENT_MAX_IDS,
  parseEvent,
  type InvalidationEvent,
  type PublishTo,
} from '../../src/sessions/bus.js';
import { PACKS_SEND_DELAY_MS, SessionEvents } from '../../src/sessions/events.js';

function recordingBus() {
  const sent: { event: InvalidationEvent; to: PublishTo }[] = [];
  const bus = {
    publish: (event: InvalidationEvent, to: PublishTo = 'all') => {
      sent.push({ event, to });
      return Promise.resolve();
    },
  };
  return { bus, sent };
}

const ids = (n: number, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

test('when packs change in two transactions, then here hears each at once and the others one merged event', async () => {
  const { bus, sent } = recordingBus();
  const events = new SessionEvents(bus);
  events.packs(['a', 'b', 'a']);
  events.packs(['b', 'c']);
  assert.deepEqual(sent, [
    { event: { t: 'packs', ids: ['a', 'b'] }, to: 'here' },
    { event: { t: 'packs', ids: ['b', 'c'] }, to: 'here' },
  ]);
  await sleep(PACKS_SEND_DELAY_MS * 5);
  assert.deepEqual(sent.slice(2), [{ event: { t: 'packs', ids: ['a', 'b', 'c'] }, to: 'others' }]);
});

test('when more users changed than one event holds, then the others get events of 100, or packs-all past 500', async () => {
  const { bus, sent } = recordingBus();
  const events = new SessionEvents(bus);
  events.packs(ids(250));
  await events.flushPacks();
  const remote = sent.filter((s) => s.to === 'others');
  assert.deepEqual(
    remote.map((s) => (s.event.t === 'packs' ? s.event.ids.length : s.event.t)),
    [100, 100, 50],
  );
  sent.length = 0;
  events.packs(ids(501, 'v'));
  await events.flushPacks();
  assert.deepEqual(
    sent.filter((s) => s.to === 'others').map((s) => s.event),
    [{ t: 'packs-all' }],
  );
});

test('when flushed before the window ends (the app closing), then what waited is sent once and the timer is gone', async () => {
  const { bus, sent } = recordingBus();
  const events = new SessionEvents(bus);
  events.packs(['x']);
  await events.flushPacks();
  await sleep(PACKS_SEND_DELAY_MS * 3);
  assert.equal(sent.filter((s) => s.to === 'others').length, 1);
  assert.equal(SessionEvents.none.packs(['y']), undefined); // no bus: nothing, no throw
});

test('when a packs event comes off the wire, then only a well-formed one is taken', () => {
  assert.deepEqual(parseEvent({ t: 'packs', ids: ['a', 'b'], o: 'x' }), { t: 'packs', ids: ['a', 'b'] });
  assert.deepEqual(parseEvent({ t: 'packs-all' }), { t: 'packs-all' });
  assert.equal(parseEvent({ t: 'packs', ids: [] }), null);
  assert.equal(parseEvent({ t: 'packs', ids: 'a' }), null);
  assert.equal(parseEvent({ t: 'packs', ids: ['a', 7] }), null);
  assert.equal(parseEvent({ t: 'packs', ids: ['a', ''] }), null);
  assert.equal(parseEvent({ t: 'packs', ids: ['x'.repeat(65)] }), null);
  assert.equal(parseEvent({ t: 'packs', ids: ids(PACKS_EVENT_MAX_IDS + 1) }), null);
  assert.equal(parseEvent({ t: 'packs', ids: ids(PACKS_EVENT_MAX_IDS) })?.t, 'packs');
});
