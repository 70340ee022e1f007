/**
 * The bus of a cluster on SQLite (WEB_CONCURRENCY>1, no Redis): the workers share one database file on
 * one host, and the primary is their one common point. A worker sends each event to the primary over the
 * cluster IPC channel; the primary relays it to every other worker (`startClusterRelay`, called once by
 * server.ts after forking). A worker's bus is healthy once the relay has answered its hello (a primary
 * that runs no relay leaves it unhealthy: its cache then reads through, rather than missing every other
 * worker's events) and until the IPC channel disconnects (a worker whose primary is gone is gone too). A
 * worker that restarts starts with an empty cache, so what it missed while down does not matter.
 */
import cluster, { type Worker } from 'node:cluster';
import { BaseBus, type BusLogger } from './bus.js';

/** The IPC envelope; anything else on the channel is not ours and is left alone. */
interface Envelope {
  kswifiSessions: 1;
  payload: string;
}

/** A worker's hello to the relay, and the relay's answer. */
const HELLO = { kswifiSessionsHello: 1 } as const;
const RELAYING = { kswifiSessionsRelaying: 1 } as const;

function isEnvelope(msg: unknown): msg is Envelope {
  return (
    typeof msg === 'object' &&
    msg !== null &&
    (msg as Envelope).kswifiSessions === 1 &&
    typeof (msg as Envelope).payload === 'string'
  );
}

export class ClusterBus extends BaseBus {
  readonly kind = 'cluster' as const;
  private readonly onMessage = (msg: unknown) => {
    if (isEnvelope(msg)) this.receive(msg.payload);
    else if ((msg as typeof RELAYING | null)?.kswifiSessionsRelaying === 1 && process.connected) {
      this.setHealthy(true);
      this.relayed();
    }
  };
  private readonly onDisconnect = () => this.setHealthy(false);
  private relayed: () => void = () => undefined;
  private readonly firstRelay: Promise<void>;

  constructor(log: BusLogger) {
    super(log);
    if (!process.send) throw new Error('ClusterBus needs an IPC channel (a cluster worker)');
    this.firstRelay = new Promise((resolve) => (this.relayed = resolve));
    process.on('message', this.onMessage);
    process.on('disconnect', this.onDisconnect);
    if (process.connected) process.send(HELLO);
  }

  /** Resolves when the relay has answered, or after `timeoutMs` (unanswered, the bus stays unhealthy). */
  async started(timeoutMs = 1000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.firstRelay,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  protected send(payload: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!process.send || !process.connected) return reject(new Error('IPC channel closed'));
      const envelope: Envelope = { kswifiSessions: 1, payload };
      process.send(envelope, undefined, {}, (err) => (err ? reject(err) : resolve()));
    });
  }

  async close(): Promise<void> {
    process.off('message', this.onMessage);
    process.off('disconnect', this.onDisconnect);
    this.setHealthy(false);
  }
}

/**
 * In the cluster primary: relays every worker's event to all the other workers (also those forked later).
 * Idempotent; returns the function that stops relaying.
 */
let relaying: (() => void) | null = null;

export function startClusterRelay(): () => void {
  if (!cluster.isPrimary) throw new Error('startClusterRelay runs in the cluster primary');
  if (relaying) return relaying;
  const relay = (from: Worker, msg: unknown) => {
    if ((msg as typeof HELLO | null)?.kswifiSessionsHello === 1) {
      from.send(RELAYING, undefined, () => undefined);
      return;
    }
    if (!isEnvelope(msg)) return;
    for (const worker of Object.values(cluster.workers ?? {})) {
      if (!worker || worker === from || !worker.isConnected()) continue;
      // a worker exiting right now cannot take it; its replacement starts with an empty cache
      worker.send(msg, undefined, () => undefined);
    }
  };
  cluster.on('message', relay);
  relaying = () => {
    cluster.off('message', relay);
    relaying = null;
  };
  return relaying;
}
