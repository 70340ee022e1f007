/**
 * Writing one feed burst as partitions, so instances sharing the consumer do not queue behind each other.
 * Every burst carries records of most eSIMs; written as one unit, two instances' transactions lock the same
 * packs and the database runs them one at a time. Split by a hash of the ICCID into `parts` partitions
 * (each eSIM's packs live in exactly one), each partition is written in its own transactions holding the
 * partition's advisory lock: an instance finding a partition busy goes on with another and comes back to
 * it, and waits only when every partition it has left is busy. Different instances start at different
 * partitions, so they mostly write disjoint packs side by side.
 * Exactness does not depend on any of this: the unique event_id and the row locks still decide; the
 * partitions only decide who waits.
 */
import { createHash } from 'node:crypto';
import { PartitionBusy, type IngestOutcome, type UsageEngine, type UsageInput } from '../engine.js';

interface Unit {
  partition: number;
  records: UsageInput[];
}

/** The partition of an ICCID: the same on every instance configured with the same `parts`. */
export function partitionOf(iccid: string, parts: number): number {
  return createHash('sha1').update(iccid).digest().readUInt32BE(0) % parts;
}

/**
 * The burst cut into units of at most `chunk` records, each within one partition, in the order this
 * instance takes them (from partition `start` on). A record repeating an earlier event_id goes with the
 * first one, so the engine still sees it as repeated in its batch.
 */
export function splitBurst(records: UsageInput[], parts: number, chunk: number, start: number): Unit[] {
  const byPartition = new Map<number, UsageInput[]>();
  const partitionOfEvent = new Map<string, number>();
  for (const r of records) {
    const p = partitionOfEvent.get(r.event_id) ?? partitionOf(r.iccid, parts);
    partitionOfEvent.set(r.event_id, p);
    const list = byPartition.get(p);
    if (list) list.push(r);
    else byPartition.set(p, [r]);
  }
  const units: Unit[] = [];
  for (let i = 0; i < parts; i++) {
    const partition = (start + i) % parts;
    const list = byPartition.get(partition) ?? [];
    for (let j = 0; j < list.length; j += chunk) units.push({ partition, records: list.slice(j, j + chunk) });
  }
  return units;
}

function merge(outcomes: IngestOutcome[]): IngestOutcome {
  return {
    accepted: outcomes.reduce((n, o) => n + o.accepted, 0),
    duplicates: outcomes.reduce((n, o) => n + o.duplicates, 0),
    rejected: outcomes.flatMap((o) => o.rejected),
    results: outcomes.flatMap((o) => o.results),
  };
}

export class PartitionedWriter {
  private next: number;

  constructor(
    private readonly engine: UsageEngine,
    private readonly parts: number,
    private readonly chunk: number,
  ) {
    // instances start at different partitions (and move on by one each burst)
    this.next = Math.floor(Math.random() * parts);
  }

  async ingest(records: UsageInput[]): Promise<IngestOutcome> {
    if (this.parts <= 1 || !this.engine.parallel || records.length <= this.chunk)
      return this.engine.ingest(records, { chunk: this.chunk });
    const start = this.next;
    this.next = (this.next + 1) % this.parts;
    let todo = splitBurst(records, this.parts, this.chunk, start);
    const outcomes: IngestOutcome[] = [];
    while (todo.length) {
      const busy: Unit[] = [];
      for (const unit of todo) {
        // the last unit left waits for its partition instead of spinning
        const wait = busy.length === 0 && unit === todo[todo.length - 1];
        try {
          const claim = { partition: unit.partition, wait };
          outcomes.push(await this.engine.ingest(unit.records, { chunk: this.chunk, claim }));
        } catch (err) {
          if (!(err instanceof PartitionBusy)) throw err;
          busy.push(unit);
        }
      }
      // everything left is busy elsewhere: wait for the first of them, then try the rest again
      if (busy.length) {
        const [first, ...rest] = busy;
        const claim = { partition: first!.partition, wait: true };
        outcomes.push(await this.engine.ingest(first!.records, { chunk: this.chunk, claim }));
        todo = rest;
      } else todo = [];
    }
    return merge(outcomes);
  }
}
