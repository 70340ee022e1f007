// The debit rules and the group commit on their own: pure code, no database.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DAY_MS } from '../../../src/lib/clock.js';
import {
  crossedThresholds,
  debitOrder,
  planDebit,
  type DebitPack,
} from '../../../src/modules/usage/debit.js';
import { GroupCommit } from '../../../src/modules/usage/group-commit.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');

function pack(id: string, over: Partial<DebitPack>): DebitPack {
  return {
    id,
    user_id: 'u',
    esim_id: 'e',
    name: id,
    total_bytes: 100,
    used_bytes: 0,
    validity_days: 30,
    status: 'active',
    created_at: NOW - 10 * DAY_MS,
    activated_at: NOW - 10 * DAY_MS,
    expires_at: NOW + DAY_MS,
    ended_at: null,
    ...over,
  };
}

test('when packs are ordered, then active soonest-expiring come first, then pending oldest first; spent ones never', () => {
  const packs = [
    pack('pending-new', {
      status: 'pending',
      created_at: NOW - DAY_MS,
      activated_at: null,
      expires_at: null,
    }),
    pack('active-late', { expires_at: NOW + 9 * DAY_MS }),
    pack('pending-old', {
      status: 'pending',
      created_at: NOW - 5 * DAY_MS,
      activated_at: null,
      expires_at: null,
    }),
    pack('active-soon', { expires_at: NOW + DAY_MS }),
    pack('active-lapsed', { expires_at: NOW }),
    pack('active-full', { used_bytes: 100 }),
    pack('depleted', { status: 'depleted' }),
    pack('cancelled', { status: 'cancelled' }),
  ];
  assert.deepEqual(
    debitOrder(packs, NOW).map((p) => p.id),
    ['active-soon', 'active-late', 'pending-old', 'pending-new'],
  );
});

test('when a record exceeds the packs, then they are filled in order and the rest is overage', () => {
  const packs = [pack('a', { used_bytes: 30 }), pack('b', { expires_at: NOW + 2 * DAY_MS })];
  const plan = planDebit(packs, 250, NOW - 1000, NOW);
  assert.deepEqual(
    plan.debits.map((d) => [d.packId, d.bytes, d.after.used_bytes, d.after.status]),
    [
      ['a', 70, 100, 'depleted'],
      ['b', 100, 100, 'depleted'],
    ],
  );
  assert.equal(plan.overage, 80);
  assert.equal(plan.debits[0]!.after.ended_at, NOW);
  assert.equal(packs[0]!.used_bytes, 30, 'the input packs are not changed');
});

test('when a pending pack takes its first bytes, then it becomes active from the usage time with its validity', () => {
  const p = pack('p', { status: 'pending', validity_days: 7, activated_at: null, expires_at: null });
  const occurred = NOW - 3600_000;
  const [d] = planDebit([p], 10, occurred, NOW).debits;
  assert.equal(d!.after.status, 'active');
  assert.equal(d!.after.activated_at, occurred);
  assert.equal(d!.after.expires_at, occurred + 7 * DAY_MS);
  const ahead = planDebit([p], 10, NOW + 60_000, NOW).debits[0]!;
  assert.equal(ahead.after.activated_at, NOW, 'never activated in the future');
});

test('when a pending pack is used up by one record, then it is activated and depleted', () => {
  const p = pack('p', { status: 'pending', activated_at: null, expires_at: null });
  const [d] = planDebit([p], 100, NOW, NOW).debits;
  assert.equal(d!.after.status, 'depleted');
  assert.equal(d!.after.activated_at, NOW);
  assert.deepEqual(d!.crossed, ['usage_50', 'usage_80', 'usage_100']);
});

test('when usage crosses thresholds, then each is reported once, at its exact boundary', () => {
  assert.deepEqual(crossedThresholds(100, 0, 49), []);
  assert.deepEqual(crossedThresholds(100, 0, 50), ['usage_50']);
  assert.deepEqual(crossedThresholds(100, 50, 79), []);
  assert.deepEqual(crossedThresholds(100, 49, 80), ['usage_50', 'usage_80']);
  assert.deepEqual(crossedThresholds(100, 80, 100), ['usage_100']);
  assert.deepEqual(crossedThresholds(100, 100, 100), []);
  assert.deepEqual(crossedThresholds(3, 1, 2), ['usage_50'], '2/3 is past 50% but not 80%');
  assert.deepEqual(crossedThresholds(0, 0, 0), []);
});

test('when a record has zero bytes or the eSIM has no pack, then nothing is debited', () => {
  assert.deepEqual(planDebit([pack('a', {})], 0, NOW, NOW), { debits: [], overage: 0, late: false });
  assert.deepEqual(planDebit([], 42, NOW, NOW), { debits: [], overage: 42, late: false });
});

// ---- rated by when it happened ---------------------------------------------------------------------

const H = 3600_000;

test('when a record happened before a pack was bought, then that pack does not take it', () => {
  const bought = pack('bought-later', { created_at: NOW - H, activated_at: NOW - H });
  const plan = planDebit([bought], 10, NOW - 2 * H, NOW);
  assert.deepEqual(plan.debits, []);
  assert.equal(plan.overage, 10);
  assert.equal(plan.late, false);
  const pending = pack('pending-later', {
    status: 'pending',
    created_at: NOW - H,
    activated_at: null,
    expires_at: null,
  });
  assert.equal(planDebit([pending], 10, NOW - 2 * H, NOW).overage, 10);
});

test('when a record of a time the pack was valid arrives after it expired, within the late window, then it is debited', () => {
  const expired = pack('x', { status: 'expired', expires_at: NOW - 10 * H, ended_at: NOW - 10 * H });
  const plan = planDebit([expired], 30, NOW - 11 * H, NOW, 72 * H);
  assert.deepEqual(
    plan.debits.map((d) => [d.packId, d.bytes, d.after.status]),
    [['x', 30, 'expired']],
  );
  assert.equal(plan.overage, 0);
  // an active pack the sweep has not expired yet: the same
  const lapsed = pack('y', { expires_at: NOW - 10 * H });
  assert.equal(planDebit([lapsed], 30, NOW - 11 * H, NOW, 72 * H).debits[0]!.bytes, 30);
});

test('when it arrives after the late window, then it is overage flagged late; usage after the expiry is never the pack’s', () => {
  const expired = pack('x', { status: 'expired', expires_at: NOW - 80 * H, ended_at: NOW - 80 * H });
  const late = planDebit([expired], 30, NOW - 81 * H, NOW, 72 * H);
  assert.deepEqual(late, { debits: [], overage: 30, late: true });
  const after = planDebit([expired], 30, NOW - 79 * H, NOW, 72 * H);
  assert.deepEqual(
    after,
    { debits: [], overage: 30, late: false },
    'happened after the expiry: plain overage',
  );
});

test('when a late record fills an expired pack, then it stays expired (not depleted)', () => {
  const expired = pack('x', { status: 'expired', used_bytes: 90, expires_at: NOW - H, ended_at: NOW - H });
  const [d] = planDebit([expired], 10, NOW - 2 * H, NOW).debits;
  assert.equal(d!.after.used_bytes, 100);
  assert.equal(d!.after.status, 'expired');
  assert.deepEqual(d!.crossed, ['usage_100']);
});

test('when two packs covered the moment, then the one expiring first takes it, whatever their state now', () => {
  const older = pack('older', {
    status: 'expired',
    expires_at: NOW - H,
    ended_at: NOW - H,
    created_at: NOW - 30 * DAY_MS,
  });
  const newer = pack('newer', {
    expires_at: NOW + 20 * DAY_MS,
    created_at: NOW - 3 * H,
    activated_at: NOW - 3 * H,
  });
  const plan = planDebit([newer, older], 150, NOW - 2 * H, NOW);
  assert.deepEqual(
    plan.debits.map((d) => [d.packId, d.bytes]),
    [
      ['older', 100],
      ['newer', 50],
    ],
  );
  // out of order: a record from before `newer` was bought only has `older`
  assert.deepEqual(
    planDebit([newer, older], 150, NOW - 4 * H, NOW).debits.map((d) => [d.packId, d.bytes]),
    [['older', 100]],
  );
});

test('when jobs are submitted in one turn, then they run as one group, in order', async () => {
  const calls: number[][] = [];
  const group = new GroupCommit<number, number>(async (jobs) => {
    calls.push(jobs);
    return jobs.map((j) => j * 10);
  }, 100);
  const answers = await Promise.all([group.submit(1, 1), group.submit(2, 1), group.submit(3, 1)]);
  assert.deepEqual(answers, [10, 20, 30]);
  assert.deepEqual(calls, [[1, 2, 3]]);
});

test('when a group is larger than its bound, then it is split', async () => {
  const calls: number[][] = [];
  const group = new GroupCommit<number, number>(async (jobs) => {
    calls.push(jobs);
    return jobs;
  }, 100);
  await Promise.all([group.submit(1, 60), group.submit(2, 60), group.submit(3, 30), group.submit(4, 500)]);
  assert.deepEqual(calls, [[1], [2, 3], [4]]);
});

test('when a group fails, then each job runs again alone and only the bad one fails', async () => {
  const group = new GroupCommit<number, number>(async (jobs) => {
    if (jobs.includes(2)) throw new Error('bad job');
    return jobs;
  }, 100);
  const settled = await Promise.allSettled([group.submit(1, 1), group.submit(2, 1), group.submit(3, 1)]);
  assert.deepEqual(
    settled.map((s) => s.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
});

test('when one lane is busy, then jobs arriving meanwhile wait and run together as the next group', async () => {
  const calls: number[][] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const group = new GroupCommit<number, number>(
    async (jobs) => {
      calls.push(jobs);
      if (calls.length === 1) await gate;
      return jobs;
    },
    100,
    1,
  );
  const first = group.submit(1, 1);
  await new Promise((r) => setImmediate(r));
  // three turns of arrivals while the first group holds the lane
  const later: Promise<number>[] = [];
  for (const n of [2, 3, 4]) {
    later.push(group.submit(n, 1));
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(calls, [[1]], 'nothing else runs while the lane is taken');
  release();
  assert.deepEqual(await Promise.all([first, ...later]), [1, 2, 3, 4]);
  assert.deepEqual(calls, [[1], [2, 3, 4]]);
});
