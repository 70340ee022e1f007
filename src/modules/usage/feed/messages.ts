/**
 * The usage feed's messages, without I/O: a message body is one record or an array of records, the same
 * JSON as an item of `POST /usage/records`. Reading a batch of messages gives the records to ingest and
 * the dead letters that need no database (a body that is not JSON, a record that breaks the schema).
 */
import type { UsageInput } from '../engine.js';
import { compileStrict } from '../../../http/validator.js';
import { MAX_BATCH, UsageRecordInput } from '../schemas.js';

/** The record validator, compiled at the first message (not at every start). */
let recordValidator: ReturnType<typeof compileStrict<UsageInput>> | undefined;
const validRecord = () => (recordValidator ??= compileStrict<UsageInput>(UsageRecordInput));

/** Why a record or message went to the dead-letter subject: the engine's reject codes and these. */
export type DeadCode = 'INVALID_MESSAGE' | 'INVALID_RECORD' | string;

export interface DeadLetter {
  code: DeadCode;
  reason: string;
  /** The record as sent (or the message text, cut at 4 KB, when it was not readable). */
  record: unknown;
  /** Where it came from in the stream, so an operator can find the original. */
  stream_seq: number;
  /** Sent as the dead letter's Nats-Msg-Id: the same dead letter is stored once however often it is redelivered. */
  id: string;
}

export interface ReadBatch {
  records: UsageInput[];
  /** For each record, the stream sequence of its message (for dead letters the engine adds later). */
  seqOf: Map<string, number>;
  dead: DeadLetter[];
}

const REASONS: Record<string, string> = {
  INVALID_MESSAGE: 'The message is not a JSON record or a JSON array of records.',
  INVALID_RECORD: 'The record does not match the usage record format.',
  UNKNOWN_ICCID: 'No eSIM has this ICCID.',
  ESIM_DELETED: 'The eSIM with this ICCID was deleted.',
  OCCURRED_IN_FUTURE: 'occurred_at is further in the future than the allowed clock difference.',
  INVALID_OCCURRED_AT: 'occurred_at is not a date and time.',
};

export function reasonOf(code: string): string {
  return REASONS[code] ?? 'The record was refused.';
}

function describeErrors(): string {
  const e = validRecord().errors?.[0];
  return e ? `${e.instancePath || 'record'} ${e.message ?? 'is invalid'}` : 'is invalid';
}

export function readMessages(messages: { seq: number; data: Uint8Array }[]): ReadBatch {
  const out: ReadBatch = { records: [], seqOf: new Map(), dead: [] };
  const decoder = new TextDecoder('utf-8', { fatal: false });
  for (const m of messages) {
    const text = decoder.decode(m.data);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const items = Array.isArray(body) ? body : body !== null && typeof body === 'object' ? [body] : undefined;
    if (!items || items.length === 0 || items.length > MAX_BATCH) {
      out.dead.push({
        code: 'INVALID_MESSAGE',
        reason: reasonOf('INVALID_MESSAGE'),
        record: text.slice(0, 4096),
        stream_seq: m.seq,
        id: `msg:${m.seq}`,
      });
      continue;
    }
    items.forEach((item, i) => {
      if (validRecord()(item)) {
        out.records.push(item);
        if (!out.seqOf.has(item.event_id)) out.seqOf.set(item.event_id, m.seq);
      } else {
        out.dead.push({
          code: 'INVALID_RECORD',
          reason: `${reasonOf('INVALID_RECORD')} ${describeErrors()}`,
          record: item,
          stream_seq: m.seq,
          id: `rec:${m.seq}:${i}`,
        });
      }
    });
  }
  return out;
}

/** The engine's refusals as dead letters (a repeat inside the batch is a duplicate, not a dead letter). */
export function engineDeadLetters(
  batch: ReadBatch,
  rejected: { event_id: string; code: string }[],
): DeadLetter[] {
  const byId = new Map(batch.records.map((r) => [r.event_id, r]));
  return rejected
    .filter((r) => r.code !== 'DUPLICATE_IN_BATCH')
    .map((r) => ({
      code: r.code,
      reason: reasonOf(r.code),
      record: byId.get(r.event_id),
      stream_seq: batch.seqOf.get(r.event_id) ?? 0,
      id: `event:${r.event_id}:${r.code}`,
    }));
}
