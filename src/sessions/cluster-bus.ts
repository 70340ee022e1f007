/**
 * The bus of a cluster on SQLite (WEB_CONCURRENCY>1, no Redis): the workers share one database file on
 * one host, and the primary is their one common point. A worker sends each event to the primary over the
 * cluster IPC channel; the primary relays it to every other worker (`startClusterRelay`, called once by
 * server.ts after forking). The channel is the process's own: healthy while it is connected (a worker
 * whose primary is gone is gone too). A worker that restarts starts with an empty cache, so what it
 * missed while down does not matter.
 */
import cluster, { type Worker } from 'node:cluster';
import { BaseBus, type BusLogger } from './bus.js';

/** The IPC envelope; anything else on the channel is not ours and is left alone. */
interface Envelope {
  kswifiSessions: 1;
  payload: string;
}

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
  };
  private readonly onDisconnect = () => this.setHealthy(false);

  constructor(log: BusLogger) {
    super(log);
    if (!process.send) throw new Error('ClusterBus needs an IPC channel (a cluster worker)');
    process.on('message', this.onMessage);
    process.on('disconnect', this.onDisconnect);
    this.setHealthy(process.connected);
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
