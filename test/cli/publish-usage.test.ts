/**
 * `publish-usage`: a file of records (JSON array or one per line) is checked whole, then published to the
 * feed's stream; a bad record is named by its line and nothing is sent; publishing the same file twice
 * stores each message once (Nats-Msg-Id).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { readRecordsFile, runPublishUsage } from '../../src/cli/publish-usage.js';
import { loadConfig } from '../../src/config.js';
import { feedNames, NATS_URL, natsAvailable } from '../fixtures/nats.js';

const dir = mkdtempSync(join(tmpdir(), 'kswifi-publish-'));
const record = (i: number) => ({
  event_id: `cli-${i}`,
  iccid: '8988247000000000001',
  bytes: 100 + i,
  occurred_at: '2026-12-01T10:00:00Z',
});

describe('cli: publish-usage', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a JSON array and NDJSON are read alike; a bad record is named by its line', () => {
    const json = join(dir, 'a.json');
    writeFileSync(json, JSON.stringify([record(1), record(2)]));
    assert.deepEqual(readRecordsFile(json), [record(1), record(2)]);
    const ndjson = join(dir, 'a.ndjson');
    writeFileSync(ndjson, `${JSON.stringify(record(1))}\n\n${JSON.stringify({ ...record(2), bytes: -1 })}\n`);
    assert.throws(() => readRecordsFile(ndjson), /line 3: \/bytes must be >= 0/);
  });

  test(
    'publishing a file twice stores each message once',
    { skip: !natsAvailable && 'NATS not reachable' },
    async () => {
      const names = feedNames();
      const config = loadConfig(
        {
          USAGE_FEED_NATS_URL: NATS_URL,
          USAGE_FEED_STREAM: names.stream,
          USAGE_FEED_CONSUMER: names.consumer,
          USAGE_FEED_SUBJECT_PREFIX: names.prefix,
        },
        false,
      );
      const file = join(dir, 'many.ndjson');
      writeFileSync(file, Array.from({ length: 250 }, (_, i) => JSON.stringify(record(i))).join('\n'));
      const nc = await connect({ servers: NATS_URL });
      const jsm = await jetstreamManager(nc);
      try {
        assert.equal(
          await runPublishUsage({ file, 'per-message': '100' }, config),
          'published 250 records in 3 messages (0 already in the stream)',
        );
        assert.equal(
          await runPublishUsage({ file, 'per-message': '100' }, config),
          'published 250 records in 3 messages (3 already in the stream)',
        );
        assert.equal((await jsm.streams.info(names.stream)).state.messages, 3);
        await assert.rejects(runPublishUsage({ file, 'per-message': '0' }, config), /--per-message/);
      } finally {
        for (const s of [names.stream, `${names.stream}_DEAD`])
          await jsm.streams.delete(s).catch(() => undefined);
        await nc.close();
      }
    },
  );
});
