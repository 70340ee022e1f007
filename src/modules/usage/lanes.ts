/**
 * Write lanes for large usage batches on PostgreSQL. Posted batches carry records of many eSIMs; written
 * one transaction per request, two requests lock the same packs and PostgreSQL runs them one after the
 * other however many connections there are. Here each batch is cut by eSIM into `count` lanes (a hash of
 * the ICCID: an eSIM's packs are always in the same lane), and each lane writes one transaction at a time
 * holding the records of every request waiting for it (group-commit.ts, one lane each). The lanes touch
 * disjoint packs, so their transactions run side by side; a request is answered when all of its parts
 * are committed.
 * Exactness does not depend on the lanes: the unique event_id and the row locks still decide (a record
 * repeating an event_id of another lane's group is found by the database, and the transaction retried).
 */
import { GroupCommit } from './group-commit.js';
import type { Candidate, Job, Rejection, RecordResult } from './screen.js';

/** What one job's records came to; `order` gives the batch index of each of `results`. */
export interface JobOutcome {
  duplicates: number;
  rejected: Rejection[];
  results: RecordResult[];
  order: number[];
}

/** The lane of an ICCID: FNV-1a over its characters (the same on every instance with the same count). */
export function laneOf(iccid: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < iccid.length; i++) h = Math.imul(h ^ iccid.charCodeAt(i), 0x01000193);
  return (h >>> 0) % count;
}

export class WriteLanes {
  private readonly lanes: GroupCommit<Job, JobOutcome>[];

  /** `run` writes a group of jobs in one transaction; `maxRecords` bounds a group. */
  constructor(
    readonly count: number,
    run: (jobs: Job[]) => Promise<JobOutcome[]>,
    maxRecords: number,
  ) {
    this.lanes = Array.from({ length: count }, () => new GroupCommit(run, maxRecords, 1));
  }

  /** Writes `job` through the lanes; the outcome is as one transaction's, results in batch order. */
  async submit(job: Job): Promise<JobOutcome> {
    const parts = new Map<number, Candidate[]>();
    for (const c of job.candidates) {
      const lane = laneOf(c.iccid, this.count);
      const list = parts.get(lane);
      if (list) list.push(c);
      else parts.set(lane, [c]);
    }
    const outcomes = await Promise.all(
      [...parts].map(([lane, candidates]) =>
        this.lanes[lane]!.submit({ now: job.now, candidates }, candidates.length),
      ),
    );
    return merge(outcomes);
  }
}

function merge(outcomes: JobOutcome[]): JobOutcome {
  if (outcomes.length === 1) return outcomes[0]!;
  const indexed = outcomes.flatMap((o) => o.results.map((r, i) => ({ r, at: o.order[i]! })));
  indexed.sort((a, b) => a.at - b.at);
  return {
    duplicates: outcomes.reduce((n, o) => n + o.duplicates, 0),
    rejected: outcomes.flatMap((o) => o.rejected),
    results: indexed.map((x) => x.r),
    order: indexed.map((x) => x.at),
  };
}
