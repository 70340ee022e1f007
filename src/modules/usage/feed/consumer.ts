/**
 * The usage feed: a NATS JetStream consumer that takes usage records from the network's collectors and
 * debits them through the same engine as `POST /usage/records`. Every instance joins one durable pull
 * consumer, so each message goes to one of them; a message is acked only after the transaction holding its
 * records committed, so a crash redelivers it, and the unique event_id makes the redelivery a duplicate.
 * - Records the engine refuses (unknown ICCID, deleted eSIM, bad time) and unreadable messages go to
 *   `<prefix>.dead.<code>` (kept by a stream of their own), each once (its Nats-Msg-Id), then are acked.
 * - A failure that may pass (the database is down) naks every message of the batch with a delay: nothing
 *   is lost, and nothing is retried in a tight loop.
 */
import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  StorageType,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import type { FastifyBaseLogger } from 'fastify';
import type { IngestOutcome, UsageInput } from '../engine.js';
import { engineDeadLetters, readMessages, type DeadLetter } from './messages.js';

export interface FeedOptions {
  url: string;
  stream: string;
  consumer: string;
  /** Subjects are `<prefix>.records.>` (in) and `<prefix>.dead.<code>` (out). */
  prefix: string;
  batch: number;
  nakDelayMs: number;
  log: FastifyBaseLogger;
  ingest: (records: UsageInput[]) => Promise<IngestOutcome>;
}

export type FeedState = 'connecting' | 'ok' | 'degraded' | 'stopped';

export interface FeedStats {
  accepted: number;
  duplicates: number;
  dead: number;
  redeliveries: number;
  naks: number;
}

const DUPLICATE_WINDOW_MS = 10 * 60_000;
/** The consumer's ack wait, and how often a burst still being written says so (a third of it). */
const ACK_WAIT_MS = 30_000;
const WORKING_EVERY_MS = ACK_WAIT_MS / 3;

/**
 * Messages between the broker's iterator and the writer: `take` hands over everything received so far (up
 * to `max`) as soon as there is anything, so a burst never waits for a pull request to fill up or expire;
 * `push` waits while a full batch is already waiting, so the client stops pulling and memory stays bounded.
 */
export class BurstQueue<T> {
  private items: T[] = [];
  private ended = false;
  private wakeTaker: (() => void) | undefined;
  private wakePusher: (() => void) | undefined;

  constructor(private readonly max: number) {}

  async push(item: T): Promise<void> {
    while (this.items.length >= this.max) await new Promise<void>((r) => (this.wakePusher = r));
    this.items.push(item);
    this.wakeTaker?.();
  }

  end(): void {
    this.ended = true;
    this.wakeTaker?.();
  }

  /** The next burst; empty once the iterator has ended and everything was taken. */
  async take(): Promise<T[]> {
    while (this.items.length === 0 && !this.ended) await new Promise<void>((r) => (this.wakeTaker = r));
    const burst = this.items.splice(0, this.max);
    this.wakePusher?.();
    return burst;
  }
}

export class UsageFeed {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private messages: ConsumerMessages | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private current: FeedState = 'connecting';
  readonly counts: FeedStats = { accepted: 0, duplicates: 0, dead: 0, redeliveries: 0, naks: 0 };

  constructor(private readonly opts: FeedOptions) {}

  state(): FeedState {
    return this.current;
  }

  /** Connects and consumes in the background; a broker that is not there yet is retried, not fatal. */
  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current = 'stopped';
    await this.messages?.close().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    await this.nc?.drain().catch(() => undefined);
  }

  /** Messages not yet delivered plus delivered but not yet acked, for the lag metric. */
  async lag(): Promise<number | undefined> {
    if (!this.jsm || this.current !== 'ok') return undefined;
    const info = await this.jsm.consumers.info(this.opts.stream, this.opts.consumer);
    return info.num_pending + info.num_ack_pending;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.connectOnce();
        await this.consume();
      } catch (err) {
        if (this.stopped) return;
        this.current = 'degraded';
        this.opts.log.warn(
          { err: (err as Error).message },
          'usage feed: the broker is unreachable, retrying',
        );
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async connectOnce(): Promise<void> {
    if (!this.nc || this.nc.isClosed()) {
      this.nc = await connect({
        servers: this.opts.url,
        name: 'kswifi-usage-feed',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1000,
      });
      void this.watch(this.nc);
      this.jsm = await jetstreamManager(this.nc);
      this.js = jetstream(this.nc);
    }
    await ensureTopology(this.jsm!, this.opts);
  }

  private async watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') this.current = 'degraded';
      if (s.type === 'reconnect') this.current = 'ok';
    }
  }

  private async consume(): Promise<void> {
    const consumer = await this.js!.consumers.get(this.opts.stream, this.opts.consumer);
    const messages = await consumer.consume({ max_messages: this.opts.batch });
    this.messages = messages;
    this.current = 'ok';
    this.opts.log.info({ stream: this.opts.stream, consumer: this.opts.consumer }, 'usage feed: consuming');
    const queue = new BurstQueue<JsMsg>(this.opts.batch);
    const pump = (async () => {
      try {
        for await (const m of messages) await queue.push(m);
      } finally {
        queue.end();
      }
    })();
    // one engine call per burst: whatever arrived while the last burst was being written, up to one batch
    for (let burst = await queue.take(); burst.length; burst = await queue.take()) await this.process(burst);
    await pump;
    if (!this.stopped) throw new Error('the consumer stopped');
  }

  /** One burst: read, ingest (one or more committed transactions), dead letters, then ack. */
  private async process(batch: JsMsg[]): Promise<void> {
    for (const m of batch) if (m.redelivered) this.counts.redeliveries++;
    // a long burst tells the broker it is still working on each message, so none is redelivered meanwhile
    const working = setInterval(() => {
      for (const m of batch) m.working();
    }, WORKING_EVERY_MS);
    try {
      await this.write(batch);
    } finally {
      clearInterval(working);
    }
  }

  private async write(batch: JsMsg[]): Promise<void> {
    const read = readMessages(batch);
    let dead: DeadLetter[] = read.dead;
    try {
      if (read.records.length) {
        const out = await this.opts.ingest(read.records);
        this.counts.accepted += out.accepted;
        this.counts.duplicates +=
          out.duplicates + out.rejected.filter((r) => r.code === 'DUPLICATE_IN_BATCH').length;
        dead = dead.concat(engineDeadLetters(read, out.rejected));
      }
      await Promise.all(dead.map((d) => this.sendDead(d)));
    } catch (err) {
      this.counts.naks += batch.length;
      this.opts.log.warn(
        { err: (err as Error).message, messages: batch.length },
        'usage feed: could not take a batch now; it comes back after the delay',
      );
      for (const m of batch) m.nak(this.opts.nakDelayMs);
      return;
    }
    this.counts.dead += dead.length;
    for (const m of batch) m.ack();
  }

  private async sendDead(d: DeadLetter): Promise<void> {
    const body = JSON.stringify({
      code: d.code,
      reason: d.reason,
      record: d.record,
      stream_seq: d.stream_seq,
    });
    await this.js!.publish(`${this.opts.prefix}.dead.${d.code}`, body, { msgID: d.id });
  }
}

/** The stream of records, the stream of dead letters and the shared durable consumer, made if missing. */
export async function ensureTopology(
  jsm: JetStreamManager,
  o: Pick<FeedOptions, 'stream' | 'consumer' | 'prefix'>,
): Promise<void> {
  const streams: [string, string][] = [
    [o.stream, `${o.prefix}.records.>`],
    [`${o.stream}_DEAD`, `${o.prefix}.dead.>`],
  ];
  for (const [name, subject] of streams) {
    const exists = await jsm.streams.info(name).catch(() => undefined);
    if (!exists) {
      await jsm.streams.add({
        name,
        subjects: [subject],
        storage: StorageType.File,
        duplicate_window: nanos(DUPLICATE_WINDOW_MS),
      });
    }
  }
  const consumer = await jsm.consumers.info(o.stream, o.consumer).catch(() => undefined);
  if (!consumer) {
    await jsm.consumers.add(o.stream, {
      durable_name: o.consumer,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(ACK_WAIT_MS),
      filter_subject: `${o.prefix}.records.>`,
      max_ack_pending: 20_000,
    });
  }
}
