/**
 * `npm run cli -- publish-usage --file records.json`: pushes a file of usage records to the NATS feed
 * (USAGE_FEED_NATS_URL, or --url). The file is a JSON array of records or one JSON record per line
 * (NDJSON), each the same shape as an item of `POST /usage/records`. Every record is checked first; a file
 * with a bad record is refused, naming it, and nothing is sent.
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { compileStrict } from '../http/validator.js';
import type { UsageInput } from '../modules/usage/engine.js';
import { ensureTopology } from '../modules/usage/feed/consumer.js';
import { publishUsage } from '../modules/usage/feed/publish.js';
import { UsageRecordInput } from '../modules/usage/schemas.js';

export const PUBLISH_USAGE_USAGE =
  'publish-usage --file <records.json|records.ndjson> [--url nats://host:4222] [--per-message 100]';

export function readRecordsFile(path: string): UsageInput[] {
  const text = readFileSync(path, 'utf8');
  const trimmed = text.trimStart();
  const items: { at: string; value: unknown }[] = [];
  if (trimmed.startsWith('[')) {
    const all = JSON.parse(trimmed) as unknown[];
    all.forEach((value, i) => items.push({ at: `item ${i + 1}`, value }));
  } else {
    text.split('\n').forEach((line, i) => {
      if (line.trim()) items.push({ at: `line ${i + 1}`, value: JSON.parse(line) });
    });
  }
  const valid = compileStrict<UsageInput>(UsageRecordInput);
  for (const { at, value } of items) {
    if (!valid(value)) {
      const e = valid.errors?.[0];
      throw new RangeError(`${at}: ${e?.instancePath || 'record'} ${e?.message ?? 'is invalid'}`);
    }
  }
  return items.map((i) => i.value as UsageInput);
}

export async function runPublishUsage(
  values: Record<string, string | boolean | undefined>,
  config: Config,
): Promise<string> {
  const url = typeof values.url === 'string' ? values.url : config.USAGE_FEED_NATS_URL;
  if (!url) throw new RangeError('set USAGE_FEED_NATS_URL or pass --url nats://host:4222');
  if (typeof values.file !== 'string') throw new RangeError('--file <path> is required');
  const perMessage = values['per-message'] === undefined ? 100 : Number(values['per-message']);
  if (!Number.isInteger(perMessage) || perMessage < 1 || perMessage > 1000)
    throw new RangeError('--per-message must be a whole number from 1 to 1000');
  const records = readRecordsFile(values.file);
  const nc = await connect({ servers: url, name: 'kswifi-publish-usage' });
  try {
    const prefix = config.USAGE_FEED_SUBJECT_PREFIX;
    await ensureTopology(await jetstreamManager(nc), {
      stream: config.USAGE_FEED_STREAM,
      consumer: config.USAGE_FEED_CONSUMER,
      prefix,
    });
    const r = await publishUsage(jetstream(nc), `${prefix}.records.cli`, records, perMessage);
    return `published ${records.length} records in ${r.messages} messages (${r.duplicates} already in the stream)`;
  } finally {
    await nc.drain();
  }
}
