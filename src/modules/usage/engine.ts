/**
 * The usage engine: takes batches from the network feed and debits every record exactly once. The rules
 * are in debit.ts; the SQL is in the repositories of the tables written (usage records and debits here,
 * packs in packs/repository.ts, events through events/repository.ts). This file owns the transaction
 * shape:
 * - With group commit (a database with one connection, SQLite: one writer), the batches arriving in one
 *   turn of the event loop share one transaction (group-commit.ts); each record is atomic because the
 *   whole transaction is, and the eSIMs and packs are read once and debited in memory under the lock.
 * - Otherwise (PostgreSQL): small requests (up to `coalesceUpTo` records, e.g. a feed posting one record
 *   at a time) arriving in one turn share a transaction as above: one commit and one wait on a hot pack's
 *   lock for all of them. Larger ones go through the write lanes (lanes.ts): cut by eSIM, each lane one
 *   transaction at a time for every request waiting on it, lanes side by side on disjoint packs. A
 *   transaction locks its eSIMs' open packs FOR UPDATE in id order, reads which event_ids exist, then
 *   inserts its records in event_id order: the same lock order in every writer, so instances sharing the
 *   database serialise on a pack without deadlocking.
 * In both, the unique event_id is the last word on duplicates: records are inserted with ON CONFLICT DO
 * NOTHING, and a row that did not go in means a concurrent writer (another instance) took that event
 * between our read and our insert, so the transaction is rolled back and retried as a serialization
 * failure (transaction() retries SQLSTATE 40001). A crash rolls back the open transaction: a record is
 * either fully debited (record, debits, pack updates, events and their notifications) or not there at all.
 */
import { transaction, type Db, type Tx } from '../../db/index.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { EsimRow } from '../../db/types.js';
import { esimsRepo } from '../esims/repository.js';
import { eventsRepo } from '../events/repository.js';
import type { NewEvent } from '../events/types.js';
import { packsRepo } from '../packs/repository.js';
import { DEFAULT_LATE_WINDOW_MS, debitEvents, planDebit } from './debit.js';
import { GroupCommit } from './group-commit.js';
import { WriteLanes, type JobOutcome } from './lanes.js';
import { PackLedger } from './ledger.js';
import { usageRepo, type NewDebit, type NewUsageRecord } from './repository.js';
import { RollupDeltas, rollupsRepo } from './rollups.repository.js';
import {
  screen,
  type Candidate,
  type IngestOutcome,
  type Job,
  type RecordResult,
  type UsageInput,
} from './screen.js';

export type { IngestOutcome, RecordResult, UsageInput } from './screen.js';

/** What ingestion needs of an eSIM: its owner and whether it is deleted. */
type EsimRef = Pick<EsimRow, 'id' | 'user_id' | 'iccid' | 'status'>;

export interface EngineOptions {
  /**
   * Batches arriving together share one transaction: the gain when every transaction waits for the same
   * single connection (SQLite). Without it, each chunk of records is a transaction of its own.
   */
  groupCommit?: boolean;
  /**
   * Without group commit (a pool of connections, PostgreSQL): requests of at most this many records still
   * share a transaction with the other small requests of the same turn, so a feed posting one record at a
   * time does not pay a commit (and a wait on the same pack's row lock) per record; larger batches keep a
   * transaction per chunk, which runs them in parallel. 0 turns it off.
   */
  coalesceUpTo?: number;
  /** Coalesced groups of small requests in flight at once (PostgreSQL); more wait for the next group. */
  coalesceLanes?: number;
  /** Records per transaction without group commit. */
  pgChunk?: number;
  /**
   * Without group commit: larger requests are cut by eSIM into this many lanes, each writing one
   * transaction at a time for all the requests waiting on it (lanes.ts). 0: each request writes its own
   * chunks (`pgChunk`). The feed, which partitions itself, passes its own chunk and never uses them.
   */
  writeLanes?: number;
  /**
   * How long after a pack's expiry a record of usage that happened while it was valid still debits it
   * (USAGE_LATE_WINDOW_H); older ones go to overage, flagged late.
   */
  lateWindowMs?: number;
  /** Records per group-commit transaction at most. */
  sqliteGroup?: number;
  /** How far ahead of the clock an occurred_at may be (clock skew of the feed). */
  futureToleranceMs?: number;
}

/** Another instance is writing the same feed partition: nothing was written, try another one first. */
export class PartitionBusy extends Error {
  override name = 'PartitionBusy';
}

/** A feed partition to hold exclusively for the transaction (PostgreSQL advisory lock). */
export interface PartitionClaim {
  partition: number;
  /** Wait for it rather than answering PartitionBusy at once. */
  wait: boolean;
}

/** A concurrent writer inserted one of our event_ids first: retried like any serialization failure. */
class EventTakenConcurrently extends Error {
  readonly code = '40001';
  override name = 'EventTakenConcurrently';
}

/** Everything one transaction writes, gathered while planning. */
interface Writes {
  records: NewUsageRecord[];
  debits: NewDebit[];
  events: NewEvent[];
  rollups: RollupDeltas;
}

export class UsageEngine {
  private readonly pgChunk: number;
  private readonly toleranceMs: number;
  private readonly lateWindowMs: number;
  private readonly group: GroupCommit<Job, JobOutcome> | undefined;
  private readonly lanes: WriteLanes | undefined;
  /** Jobs of at most this many records go through `group` (all of them with group commit). */
  private readonly groupUpTo: number;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    opts: EngineOptions = {},
  ) {
    this.pgChunk = opts.pgChunk ?? 100;
    this.toleranceMs = opts.futureToleranceMs ?? 5 * 60_000;
    this.lateWindowMs = opts.lateWindowMs ?? DEFAULT_LATE_WINDOW_MS;
    const coalesce = opts.groupCommit ? 0 : (opts.coalesceUpTo ?? 10);
    this.groupUpTo = opts.groupCommit ? Number.POSITIVE_INFINITY : coalesce;
    this.group =
      opts.groupCommit || coalesce > 0
        ? new GroupCommit(
            (jobs) => this.inTransaction(jobs),
            opts.groupCommit ? (opts.sqliteGroup ?? 2000) : this.pgChunk,
            opts.groupCommit ? undefined : (opts.coalesceLanes ?? 1),
          )
        : undefined;
    const lanes = opts.groupCommit ? 0 : (opts.writeLanes ?? 0);
    this.lanes =
      lanes > 0 ? new WriteLanes(lanes, (jobs) => this.inTransaction(jobs), this.pgChunk * 10) : undefined;
  }

  /**
   * Screens, debits and stores `records`. `chunk` overrides the records per transaction of the
   * no-group-commit path: the feed, whose batches are large and whose acks wait for the commit anyway,
   * writes a whole batch in one transaction (one commit instead of ten).
   */
  async ingest(
    records: UsageInput[],
    opts: { chunk?: number; claim?: PartitionClaim } = {},
  ): Promise<IngestOutcome> {
    const chunk = opts.chunk ?? this.pgChunk;
    const { job, rejected } = screen(records, this.clock.now(), this.toleranceMs);
    const outcomes: JobOutcome[] = [];
    if (this.group && !opts.claim && job.candidates.length <= this.groupUpTo) {
      if (job.candidates.length) outcomes.push(await this.group.submit(job, job.candidates.length));
    } else if (this.lanes && !opts.claim && opts.chunk === undefined) {
      outcomes.push(await this.lanes.submit(job));
    } else {
      for (let i = 0; i < job.candidates.length; i += chunk) {
        const part = { now: job.now, candidates: job.candidates.slice(i, i + chunk) };
        outcomes.push(...(await this.inTransaction([part], opts.claim)));
      }
    }
    const all = [...rejected, ...outcomes.flatMap((o) => o.rejected)].sort((a, b) => a.index - b.index);
    const results = outcomes.flatMap((o) => o.results);
    return {
      accepted: results.length,
      duplicates: outcomes.reduce((n, o) => n + o.duplicates, 0),
      rejected: all.map((r) => ({ event_id: r.event_id, code: r.code })),
      results,
    };
  }

  /** Whether transactions run side by side (a pool, PostgreSQL), so feed partitions pay off. */
  get parallel(): boolean {
    return this.groupUpTo !== Number.POSITIVE_INFINITY;
  }

  private inTransaction(jobs: Job[], claim?: PartitionClaim): Promise<JobOutcome[]> {
    return transaction(this.db, async (tx) => {
      if (claim && !(await usageRepo.partitionLock(tx, claim.partition, claim.wait)))
        throw new PartitionBusy(`feed partition ${claim.partition} is being written by another instance`);
      return this.debitJobs(tx, jobs);
    });
  }

  /** One transaction: resolve eSIMs, lock and load their packs, find duplicates, plan, write. */
  private async debitJobs(tx: Tx, jobs: Job[]): Promise<JobOutcome[]> {
    const all = jobs.flatMap((j) => j.candidates);
    const esimRows = await esimsRepo.findByIccids(tx, [...new Set(all.map((c) => c.iccid))]);
    const esims = new Map(esimRows.map((e) => [e.iccid, e]));
    const open = esimRows.filter((e) => e.status !== 'deleted').map((e) => e.id);
    // open packs, and the expired ones that covered the oldest record's moment: the rules debit those
    // within the late window and flag the overage late beyond it
    const now = jobs[0]?.now ?? this.clock.now();
    const oldest = all.reduce((m, c) => Math.min(m, c.occurredAt), now);
    const expiredSince = Math.min(now - this.lateWindowMs, oldest);
    const ledger = new PackLedger(await packsRepo.lockOpen(tx, open.sort(), expiredSince));
    const known = all.filter((c) => esims.has(c.iccid)).map((c) => c.event_id);
    const seen = await usageRepo.existingEventIds(tx, known);

    const writes: Writes = { records: [], debits: [], events: [], rollups: new RollupDeltas() };
    const outcomes = jobs.map((job) => this.planJob(job, esims, seen, ledger, writes));

    const byEventId = (a: NewUsageRecord, b: NewUsageRecord) => (a.event_id < b.event_id ? -1 : 1);
    const inserted = await usageRepo.insertRecords(tx, writes.records.sort(byEventId));
    if (inserted !== writes.records.length)
      throw new EventTakenConcurrently('an event_id was ingested meanwhile');
    await usageRepo.insertDebits(tx, writes.debits);
    await packsRepo.applyDebits(tx, [...ledger.changes.values()], jobs[0]?.now ?? this.clock.now());
    await eventsRepo.emit(tx, writes.events);
    // last: a user's hourly rollup row is shared by every writer of that user's eSIMs (whatever lane or
    // instance), and its lock is held from here to the commit
    await rollupsRepo.add(tx, writes.rollups);
    return outcomes;
  }

  /** Classifies and debits one batch's records in order against the in-memory packs. */
  private planJob(
    job: Job,
    esims: Map<string, EsimRef>,
    seen: Set<string>,
    ledger: PackLedger,
    writes: Writes,
  ): JobOutcome {
    const out: JobOutcome = { duplicates: 0, rejected: [], results: [], order: [] };
    for (const c of job.candidates) {
      const esim = esims.get(c.iccid);
      if (!esim) out.rejected.push({ index: c.index, event_id: c.event_id, code: 'UNKNOWN_ICCID' });
      // checked before the eSIM's status: a replay of a record accepted before a deletion is a duplicate
      else if (seen.has(c.event_id)) out.duplicates++;
      else if (esim.status === 'deleted')
        out.rejected.push({ index: c.index, event_id: c.event_id, code: 'ESIM_DELETED' });
      else {
        seen.add(c.event_id); // a later batch of the same group repeating it is a duplicate
        out.results.push(this.debitRecord(c, esim, job.now, ledger, writes));
        out.order.push(c.index);
      }
    }
    return out;
  }

  private debitRecord(
    c: Candidate,
    esim: EsimRef,
    now: number,
    ledger: PackLedger,
    writes: Writes,
  ): RecordResult {
    const plan = planDebit(ledger.packsOf(esim.id), c.bytes, c.occurredAt, now, this.lateWindowMs);
    const usageId = newId();
    writes.records.push({
      id: usageId,
      event_id: c.event_id,
      esim_id: esim.id,
      user_id: esim.user_id,
      iccid: c.iccid,
      bytes: c.bytes,
      overage_bytes: plan.overage,
      occurred_at: c.occurredAt,
      received_at: now,
      late: plan.late ? 1 : 0,
    });
    writes.rollups.record(esim.user_id, c.occurredAt, c.bytes, plan.overage);
    for (const d of plan.debits) {
      ledger.update(esim.id, d.after);
      writes.rollups.debit(d.packId, esim.user_id, c.occurredAt, d.bytes);
      writes.debits.push({
        id: newId(),
        usage_id: usageId,
        pack_id: d.packId,
        user_id: esim.user_id,
        bytes: d.bytes,
        occurred_at: c.occurredAt,
      });
      writes.events.push(...debitEvents(d, c.event_id, now));
    }
    return {
      event_id: c.event_id,
      pack_id: plan.debits[0]?.packId ?? null,
      debited_bytes: c.bytes - plan.overage,
      overage_bytes: plan.overage,
      debits: plan.debits.map((d) => ({ pack_id: d.packId, bytes: d.bytes })),
    };
  }
}
