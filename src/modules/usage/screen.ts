/**
 * What the usage engine takes and answers, and the first step of ingestion: the checks a batch needs no
 * database for (an event_id repeated in the batch, an unreadable or future occurred_at).
 */
import type { RejectCode } from './schemas.js';

export interface UsageInput {
  event_id: string;
  iccid: string;
  bytes: number;
  occurred_at: string;
}

export interface RecordResult {
  event_id: string;
  pack_id: string | null;
  debited_bytes: number;
  overage_bytes: number;
  debits: { pack_id: string; bytes: number }[];
}

export interface IngestOutcome {
  accepted: number;
  duplicates: number;
  rejected: { event_id: string; code: RejectCode }[];
  results: RecordResult[];
}

export interface Candidate {
  index: number;
  event_id: string;
  iccid: string;
  bytes: number;
  occurredAt: number;
}

export interface Rejection {
  index: number;
  event_id: string;
  code: RejectCode;
}

/** A batch after the checks that need no database, with the clock reading it is received at. */
export interface Job {
  now: number;
  candidates: Candidate[];
}

/** The checks that need no database: repeated in the batch, unreadable or future occurred_at. */
export function screen(
  records: UsageInput[],
  now: number,
  toleranceMs: number,
): { job: Job; rejected: Rejection[] } {
  const candidates: Candidate[] = [];
  const rejected: Rejection[] = [];
  const seen = new Set<string>();
  for (let index = 0; index < records.length; index++) {
    const r = records[index]!;
    const occurredAt = Date.parse(r.occurred_at);
    let code: RejectCode | undefined;
    if (seen.has(r.event_id)) code = 'DUPLICATE_IN_BATCH';
    else if (Number.isNaN(occurredAt)) code = 'INVALID_OCCURRED_AT';
    else if (occurredAt > now + toleranceMs) code = 'OCCURRED_IN_FUTURE';
    seen.add(r.event_id);
    if (code) rejected.push({ index, event_id: r.event_id, code });
    else candidates.push({ index, event_id: r.event_id, iccid: r.iccid, bytes: r.bytes, occurredAt });
  }
  return { job: { now, candidates }, rejected };
}
