/**
 * Switches the usage feed on when USAGE_FEED_NATS_URL is set: builds the consumer into
 * `app.services.usageFeed`, starts it once the app is ready, stops it (waiting for the batch in hand) when
 * the app closes, and adds its metrics.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import type { FeedStats } from './consumer.js';
import { PartitionedWriter } from './partition.js';

export async function setUpUsageFeed(app: FastifyInstance): Promise<void> {
  const { config, log } = app.ctx;
  if (!config.USAGE_FEED_NATS_URL) return;
  const writer = new PartitionedWriter(
    app.services.usageEngine,
    config.USAGE_FEED_PARTITIONS,
    config.USAGE_FEED_BATCH,
  );
  const ingested = app.metrics.usageRecords;
  // the NATS client is loaded only when the feed is on
  const { UsageFeed } = await import('./consumer.js');
  const feed = new UsageFeed({
    url: config.USAGE_FEED_NATS_URL,
    stream: config.USAGE_FEED_STREAM,
    consumer: config.USAGE_FEED_CONSUMER,
    prefix: config.USAGE_FEED_SUBJECT_PREFIX,
    batch: config.USAGE_FEED_BATCH,
    nakDelayMs: config.USAGE_FEED_NAK_DELAY_MS,
    log,
    ingest: async (records) => {
      const out = await writer.ingest(records);
      if (out.accepted) ingested.inc({ outcome: 'accepted' }, out.accepted);
      if (out.duplicates) ingested.inc({ outcome: 'duplicate' }, out.duplicates);
      if (out.rejected.length) ingested.inc({ outcome: 'rejected' }, out.rejected.length);
      return out;
    },
  });
  app.services.usageFeed = feed;
  app.addHook('onReady', async () => feed.start());
  app.addHook('onClose', async () => feed.stop());

  const registers = [app.metrics.registry];
  const mirror = (name: string, help: string, key: keyof FeedStats) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(feed.counts[key]);
      },
    });
  mirror('usage_feed_records_accepted_total', 'Feed records debited', 'accepted');
  mirror(
    'usage_feed_records_duplicate_total',
    'Feed records already ingested (nothing changed)',
    'duplicates',
  );
  mirror('usage_feed_dead_letters_total', 'Feed records or messages sent to the dead-letter subject', 'dead');
  mirror(
    'usage_feed_redeliveries_total',
    'Feed messages delivered again (not acked in time, or naked)',
    'redeliveries',
  );
  mirror(
    'usage_feed_naks_total',
    'Feed messages handed back for later because the batch could not be taken',
    'naks',
  );
  new Gauge({
    name: 'usage_feed_up',
    help: 'Whether the usage feed is consuming (1) or waiting for the broker (0)',
    registers,
    collect() {
      this.set(feed.state() === 'ok' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'usage_feed_lag_messages',
    help: 'Feed messages not yet consumed or not yet acked (the shared consumer, all instances)',
    registers,
    async collect() {
      const lag = await Promise.race([
        feed.lag().catch(() => undefined),
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 500).unref()),
      ]);
      if (lag !== undefined) this.set(lag);
    },
  });
}
