/**
 * The bus over Redis pub/sub: one subscriber connection (in subscriber mode it can do nothing else) and
 * one publisher connection. ioredis is imported only when this bus is built (it costs ~100 ms of start-up,
 * see plugins/rate-limit.ts). The bus subscribes itself on every 'ready' (autoResubscribe is off, so
 * health follows the SUBSCRIBE reply, not the reconnect), is unhealthy from a 'close' until then, and a
 * heartbeat (PING in subscriber mode) notices a connection that died silently. Publishing fails at once
 * while the publisher is down (no offline queue): the caller must not wait for an outage.
 */
import type { Redis } from 'ioredis';
import { BaseBus, backoff, type BusLogger } from './bus.js';

export interface RedisBusOptions {
  url: string;
  /** Scope it per database when one Redis serves several deployments (see index.ts). */
  channel: string;
  log: BusLogger;
  /** CLIENT SETNAME of the subscriber connection (tests find it by this). */
  connectionName?: string;
  heartbeatMs?: number;
  maxBackoffMs?: number;
}

export class RedisBus extends BaseBus {
  readonly kind = 'redis' as const;
  readonly connectionName: string;
  private sub: Redis | null = null;
  private pub: Redis | null = null;
  private closed = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private firstReady!: Promise<void>;

  private constructor(private readonly opts: RedisBusOptions) {
    super(opts.log);
    this.connectionName = opts.connectionName ?? `kswifi-sessions-${this.origin.slice(0, 8)}`;
  }

  /** Builds the bus and starts connecting; resolves at once (use `started()` to wait for the first SUBSCRIBE). */
  static async create(opts: RedisBusOptions): Promise<RedisBus> {
    const { Redis: RedisClient } = await import('ioredis');
    const bus = new RedisBus(opts);
    const retryStrategy = (times: number) => backoff(times - 1, opts.maxBackoffMs);
    const sub = new RedisClient(opts.url, {
      connectionName: bus.connectionName,
      connectTimeout: 2000,
      disconnectTimeout: 200, // a socket that never opened would otherwise hold the exit for 2 s
      autoResubscribe: false,
      enableOfflineQueue: true, // the SUBSCRIBE sent on 'ready' must not be refused
      maxRetriesPerRequest: null,
      retryStrategy,
    });
    const pub = new RedisClient(opts.url, {
      connectionName: `${bus.connectionName}-pub`,
      connectTimeout: 2000,
      disconnectTimeout: 200,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy,
    });
    bus.sub = sub;
    bus.pub = pub;
    pub.on('error', (err: Error) => opts.log.warn({ err: err.message }, 'redis session publisher error'));
    sub.on('error', (err: Error) => opts.log.warn({ err: err.message }, 'redis session subscriber error'));
    sub.on('message', (channel: string, payload: string) => {
      if (channel === opts.channel) bus.receive(payload);
    });
    let resolveFirst: () => void = () => undefined;
    bus.firstReady = new Promise<void>((resolve) => (resolveFirst = resolve));
    let everUp = false;
    let wasDown = false;
    sub.on('close', () => {
      if (bus.closed) return;
      if (bus.healthy()) opts.log.error({}, 'session invalidation channel lost');
      wasDown = true;
      bus.setHealthy(false);
    });
    sub.on('ready', () => {
      sub.subscribe(opts.channel).then(
        () => {
          // a close between the reconnect and this reply left the connection unsubscribed again
          if (bus.closed || sub.status !== 'ready') return;
          if (everUp && wasDown) {
            bus.counters.reconnects++;
            opts.log.info({}, 'session invalidation channel back');
          }
          everUp = true;
          wasDown = false;
          bus.setHealthy(true);
          resolveFirst();
        },
        (err: Error) => {
          opts.log.warn({ err: err.message }, 'redis session SUBSCRIBE failed');
          sub.disconnect(true); // reconnect and try again
        },
      );
    });
    const every = opts.heartbeatMs ?? 5000;
    if (every > 0) {
      bus.heartbeat = setInterval(() => void bus.beat(every), every);
      bus.heartbeat.unref();
    }
    return bus;
  }

  /** Resolves on the first successful SUBSCRIBE, or after `timeoutMs` (the bus keeps trying). */
  async started(timeoutMs = 1000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.firstReady,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  protected async send(payload: string): Promise<void> {
    if (!this.pub) throw new Error('bus closed');
    await this.pub.publish(this.opts.channel, payload);
  }

  private async beat(timeoutMs: number): Promise<void> {
    const sub = this.sub;
    if (!sub || !this.healthy()) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        sub.ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('heartbeat timed out')), timeoutMs);
        }),
      ]);
    } catch (err) {
      if (this.closed || !this.healthy()) return;
      this.log.error({ err: (err as Error).message }, 'session invalidation channel not answering');
      this.setHealthy(false);
      sub.disconnect(true);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.setHealthy(false);
    const clients = [this.sub, this.pub];
    this.sub = null;
    this.pub = null;
    for (const c of clients) {
      if (!c) continue;
      // QUIT only on a live connection: queued on a down one, it would wait for the next reconnect
      if (c.status === 'ready') await c.quit().catch(() => undefined);
      c.disconnect();
    }
  }
}
