/**
 * The bus on PostgreSQL: LISTEN on a dedicated connection (a `pg.Client` of its own, never one of the
 * pool's: a pooled client would be handed to queries and its LISTEN lost on release), NOTIFY through the
 * pool. Every instance serving the database is, by construction, on the same channel: no other service to
 * configure or to lose. The listener reconnects with backoff when its connection errors or ends (a
 * database restart, a failover, `pg_terminate_backend`); it is unhealthy from the disconnect until LISTEN
 * has been issued again. A heartbeat (`select 1` on the listener) notices a connection that died silently.
 */
import { sql } from 'kysely';
import pg from 'pg';
import type { Executor } from '../db/index.js';
import { BaseBus, backoff, type BusLogger } from './bus.js';

export const PG_CHANNEL = 'kswifi_sessions';

export interface PgBusOptions {
  /** The database's URL: the listener opens its own connection to it. */
  url: string;
  /** Where NOTIFY is sent: the app's Kysely (its pool). */
  db: Executor;
  log: BusLogger;
  channel?: string;
  /** Shown in pg_stat_activity for the listener (tests find it by this): `kswifi-sessions-<pid>-<origin>`. */
  applicationName?: string;
  /** How often the listener's connection is checked; 0 turns the heartbeat off. */
  heartbeatMs?: number;
  maxBackoffMs?: number;
}

export class PgBus extends BaseBus {
  readonly kind = 'postgres' as const;
  readonly channel: string;
  readonly applicationName: string;
  private client: pg.Client | null = null;
  private closed = false;
  private attempt = 0;
  private retry: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private firstConnect: Promise<void>;

  constructor(private readonly opts: PgBusOptions) {
    super(opts.log);
    this.channel = opts.channel ?? PG_CHANNEL;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.channel)) throw new RangeError(`bad channel ${this.channel}`);
    // the process id first: an operator (or a test) finds the listener of one server process by it
    this.applicationName =
      opts.applicationName ?? `kswifi-sessions-${process.pid}-${this.origin.slice(0, 8)}`;
    this.firstConnect = this.connect();
    const every = opts.heartbeatMs ?? 5000;
    if (every > 0) {
      this.heartbeat = setInterval(() => void this.beat(every), every);
      this.heartbeat.unref();
    }
  }

  /** Resolves once the first LISTEN succeeded or failed (the bus then keeps retrying on its own). */
  started(): Promise<void> {
    return this.firstConnect;
  }

  protected async send(payload: string): Promise<void> {
    await sql`select pg_notify(${this.channel}, ${payload})`.execute(this.opts.db);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.opts.url,
      application_name: this.applicationName,
      connectionTimeoutMillis: 5000,
      keepAlive: true,
    });
    this.client = client;
    let lost = false;
    const onLost = (err?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = null;
      client.removeAllListeners('notification');
      client.on('error', () => undefined); // a second error on a dead client must not be uncaught
      void client.end().catch(() => undefined);
      if (this.closed) return;
      if (this.healthy()) this.log.error({ err: err?.message }, 'session invalidation channel lost');
      this.setHealthy(false);
      this.schedule();
    };
    client.on('error', onLost);
    client.on('end', () => onLost(new Error('connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel === this.channel && msg.payload) this.receive(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`listen ${this.channel}`);
    } catch (err) {
      onLost(err as Error);
      return;
    }
    if (lost || this.closed) return;
    if (this.attempt > 0) {
      this.counters.reconnects++;
      this.log.info({ attempts: this.attempt }, 'session invalidation channel back');
    }
    this.attempt = 0;
    this.setHealthy(true);
  }

  private schedule(): void {
    if (this.closed || this.retry) return;
    const wait = backoff(this.attempt++, this.opts.maxBackoffMs);
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, wait);
    this.retry.unref();
  }

  /** A query on the listener's own connection: a silently dead socket shows up as a timeout. */
  private async beat(timeoutMs: number): Promise<void> {
    const client = this.client;
    if (!client || !this.healthy()) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('heartbeat timed out')), timeoutMs);
    });
    try {
      await Promise.race([client.query('select 1'), timeout]);
    } catch (err) {
      if (this.client === client) client.emit('error', err as Error);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.retry = null;
    this.heartbeat = null;
    const client = this.client;
    this.client = null;
    this.setHealthy(false);
    if (client) await client.end().catch(() => undefined);
  }
}
