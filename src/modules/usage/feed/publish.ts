/**
 * Publishing usage records to the feed, for collectors written in Node, the `publish-usage` command and the
 * tests. Each message carries up to `perMessage` records and a Nats-Msg-Id made from its event ids, so a
 * publisher that retries after a lost acknowledgement is deduplicated by the stream itself (and by the
 * event_id unique constraint if the retry comes after the stream's duplicate window).
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { createHash } from 'node:crypto';
import type { UsageInput } from '../engine.js';

export function messageId(records: UsageInput[]): string {
  if (records.length === 1) return records[0]!.event_id;
  const h = createHash('sha256');
  for (const r of records) h.update(r.event_id).update('\n');
  return `batch:${h.digest('hex')}`;
}

export interface PublishResult {
  messages: number;
  /** Messages the stream had already seen (same Nats-Msg-Id within its duplicate window). */
  duplicates: number;
}

export async function publishUsage(
  js: JetStreamClient,
  subject: string,
  records: UsageInput[],
  perMessage = 1,
  inFlight = 256,
): Promise<PublishResult> {
  const result: PublishResult = { messages: 0, duplicates: 0 };
  const pending = new Set<Promise<void>>();
  for (let i = 0; i < records.length; i += perMessage) {
    const part = records.slice(i, i + perMessage);
    const body = JSON.stringify(part.length === 1 ? part[0] : part);
    const p = js.publish(subject, body, { msgID: messageId(part) }).then((ack) => {
      result.messages++;
      if (ack.duplicate) result.duplicates++;
    });
    pending.add(p);
    void p.finally(() => pending.delete(p));
    if (pending.size >= inFlight) await Promise.race(pending);
  }
  await Promise.all(pending);
  return result;
}
