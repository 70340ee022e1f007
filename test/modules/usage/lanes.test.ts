/**
 * The write lanes (src/modules/usage/lanes.ts): a batch is cut by eSIM, each lane's part joins the group
 * that lane writes next (one group in flight per lane), and the answer lists the results in the batch's
 * order whatever lane wrote them. The writes themselves are checked to the byte, through HTTP on both
 * databases, in concurrency.test.ts; here, with a `run` that records what each transaction would get.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { laneOf, WriteLanes, type JobOutcome } from '../../../src/modules/usage/lanes.js';
import type { Candidate, Job } from '../../../src/modules/usage/screen.js';
import { newIccid } from '../../fixtures/usage.js';

/** ICCIDs until each of `count` lanes has `per` of them. */
function iccidsByLane(count: number, per: number): string[][] {
  const lanes: string[][] = Array.from({ length: count }, () => []);
  while (lanes.some((l) => l.length < per)) {
    const iccid = newIccid();
    const lane = lanes[laneOf(iccid, count)]!;
    if (lane.length < per) lane.push(iccid);
  }
  return lanes;
}

function candidate(index: number, iccid: string): Candidate {
  return { index, event_id: `e${index}-${iccid}`, iccid, bytes: 100 + index, occurredAt: 0 };
}

/** A transaction stand-in: answers every candidate as accepted, and remembers each group it was given. */
function recorder() {
  const groups: Job[][] = [];
  const run = async (jobs: Job[]): Promise<JobOutcome[]> => {
    groups.push(jobs);
    await new Promise((r) => setTimeout(r, 5));
    return jobs.map((job) => ({
      duplicates: 0,
      rejected: [],
      results: job.candidates.map((c) => ({
        event_id: c.event_id,
        pack_id: null,
        debited_bytes: 0,
        overage_bytes: c.bytes,
        debits: [],
      })),
      order: job.candidates.map((c) => c.index),
    }));
  };
  return { groups, run };
}

describe('usage: write lanes', () => {
  test('an ICCID always has the same lane, and 2,000 ICCIDs spread over 4 lanes', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 2000; i++) {
      const iccid = newIccid();
      assert.equal(laneOf(iccid, 4), laneOf(iccid, 4));
      counts[laneOf(iccid, 4)]!++;
    }
    for (const n of counts) assert.ok(n > 400 && n < 600, `lanes of ${counts.join(', ')}`);
  });

  test('when a batch spans lanes, then each lane writes only its eSIMs and the answer keeps the batch order', async () => {
    const byLane = iccidsByLane(3, 2);
    const { groups, run } = recorder();
    const lanes = new WriteLanes(3, run, 1000);
    // interleaved: lane 0, 1, 2, 0, 1, 2 ...
    const iccids = [0, 1, 2, 0, 1, 2, 2, 1, 0].map((lane, i) => byLane[lane]![i % 2]!);
    const candidates = iccids.map((iccid, i) => candidate(i, iccid));
    const out = await lanes.submit({ now: 0, candidates });
    assert.deepEqual(
      out.results.map((r) => r.event_id),
      candidates.map((c) => c.event_id),
    );
    assert.deepEqual(out.order, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(groups.length, 3, 'one transaction per lane');
    for (const group of groups) {
      const lanesSeen = new Set(group.flatMap((j) => j.candidates.map((c) => laneOf(c.iccid, 3))));
      assert.equal(lanesSeen.size, 1, 'a transaction holds one lane');
    }
  });

  test('when requests arrive while a lane writes, then they go together in its next transaction', async () => {
    const [lane0] = iccidsByLane(2, 1).map((l) => l[0]!);
    const { groups, run } = recorder();
    const lanes = new WriteLanes(2, run, 1000);
    const first = lanes.submit({ now: 0, candidates: [candidate(0, lane0!)] });
    await new Promise((r) => setImmediate(r)); // the first group is now being written
    const waiting = [1, 2, 3].map((i) => lanes.submit({ now: 0, candidates: [candidate(i, lane0!)] }));
    const answers = await Promise.all([first, ...waiting]);
    assert.deepEqual(
      groups.map((g) => g.length),
      [1, 3],
      'one transaction for the first, one for the three that waited',
    );
    assert.deepEqual(
      answers.map((a) => a.order),
      [[0], [1], [2], [3]],
    );
  });
});
