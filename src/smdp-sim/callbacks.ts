/**
 * Sends HandleDownloadProgressInfo to the operator: over mutual TLS with the simulator's client
 * certificate (or plain HTTP for an http:// URL), keeping the connection alive. Duplicates and
 * out-of-order delivery are test faults the control API asks for. Every delivery is kept in a short log.
 */
import { Agent, request } from 'undici';
import type { KeyPairPem } from './pki.js';
import { annexStyle, type Notification } from './phone.js';

export interface Delivery {
  at: string;
  iccid: string;
  notificationPointId: number;
  status: number | null;
  error?: string;
}

export interface DeliveryOptions {
  duplicate?: boolean;
  outOfOrder?: boolean;
  /** Send the SPEC annex variant (`timeStamp`, string point id, ICCID + F). */
  annex?: boolean;
}

export class CallbackSender {
  callbackUrl: string | null;
  readonly log: Delivery[] = [];
  private readonly agent: Agent;

  constructor(opts: { callbackUrl: string | null; ca: string; client: KeyPairPem }) {
    this.callbackUrl = opts.callbackUrl;
    this.agent = new Agent({
      connect: { ca: opts.ca, cert: opts.client.cert, key: opts.client.key, minVersion: 'TLSv1.2' },
      keepAliveTimeout: 10_000,
    });
  }

  /** Delivers in order (or reversed), each once (or twice); resolves when all are answered. */
  async deliver(list: Notification[], o: DeliveryOptions = {}): Promise<Delivery[]> {
    const ordered = o.outOfOrder ? [...list].reverse() : list;
    const out: Delivery[] = [];
    for (const n of ordered) {
      for (let i = 0; i < (o.duplicate ? 2 : 1); i++) out.push(await this.send(n, o.annex === true));
    }
    return out;
  }

  private async send(n: Notification, annex: boolean): Promise<Delivery> {
    const d: Delivery = {
      at: new Date().toISOString(),
      iccid: n.iccid,
      notificationPointId: n.notificationPointId,
      status: null,
    };
    try {
      if (!this.callbackUrl) throw new Error('no callback URL configured');
      const res = await request(`${this.callbackUrl}/gsma/rsp2/es2plus/handleDownloadProgressInfo`, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { 'content-type': 'application/json', 'x-admin-protocol': 'gsma/rsp/v2.2.0' },
        body: JSON.stringify(annex ? annexStyle(n) : n),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      await res.body.dump();
      d.status = res.statusCode;
    } catch (err) {
      d.error = (err as Error).message;
    }
    this.log.push(d);
    if (this.log.length > 1000) this.log.shift();
    return d;
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
