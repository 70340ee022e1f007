/**
 * Standard Webhooks signing with the `standardwebhooks` package: `webhook-id` (the event id, the same on
 * every attempt and replay, so receivers can deduplicate), `webhook-timestamp` (seconds, at sending) and
 * `webhook-signature` (`v1,<HMAC-SHA256>`). During a rotation's overlap the previous secret signs too, the
 * two signatures separated by a space as the spec allows, so a receiver with either secret accepts.
 */
import { Webhook } from 'standardwebhooks';
import type { WebhookEndpointRow } from '../../db/types.js';
import { LruCache } from '../../lib/lru.js';
import { unseal } from '../../lib/sealed.js';

export class Signer {
  /** Opened secrets by sealed text (opening is cheap, but a delivery burst would repeat it per message). */
  private readonly opened = new LruCache<string, Webhook>({
    maxEntries: 1000,
    maxBytes: 1000,
    sizeOf: () => 1,
  });

  constructor(private readonly key: Buffer) {}

  private webhookOf(sealed: string): Webhook {
    let wh = this.opened.get(sealed);
    if (!wh) {
      wh = new Webhook(unseal(this.key, sealed));
      this.opened.set(sealed, wh);
    }
    return wh;
  }

  headers(endpoint: WebhookEndpointRow, msgId: string, body: string, now: number): Record<string, string> {
    const at = new Date(now);
    const signatures = [this.webhookOf(endpoint.secret_sealed).sign(msgId, at, body)];
    const previous = endpoint.previous_secret_sealed;
    if (previous && (endpoint.previous_secret_expires_at ?? 0) > now)
      signatures.push(this.webhookOf(previous).sign(msgId, at, body));
    return {
      'content-type': 'application/json',
      'user-agent': 'KSWiFi-Webhooks/1',
      'webhook-id': msgId,
      'webhook-timestamp': String(Math.floor(now / 1000)),
      'webhook-signature': signatures.join(' '),
    };
  }
}

/** The body of a delivery, `{type, timestamp, data}`, built around the stored payload text. */
export function bodyOf(type: string, occurredAtIso: string, payload: string): string {
  return `{"type":${JSON.stringify(type)},"timestamp":${JSON.stringify(occurredAtIso)},"data":${payload}}`;
}
