/**
 * Activation QR images with HTTP caching: a strong ETag derived from what the image shows (payload,
 * format, size, renderer version), so a revalidation is answered before anything is drawn; rendered
 * images kept in a bounded LRU; renders limited in number at once, and one render per image however many
 * requests ask for it together.
 */
import { createHash } from 'node:crypto';
import { LruCache } from '../../lib/lru.js';

export type QrFormat = 'png' | 'svg';
export const QR_FORMATS = ['png', 'svg'] as const;
export const QR_MIN_SIZE = 128;
export const QR_MAX_SIZE = 1024;
export const QR_DEFAULT_SIZE = 512;
export const QR_CONTENT_TYPES: Record<QrFormat, string> = { png: 'image/png', svg: 'image/svg+xml' };
/** Bumped whenever the drawing changes, so clients' cached images stop matching. */
const RENDERER_VERSION = 'qr1';

export interface QrImage {
  body: Buffer;
  contentType: string;
}

export interface QrCacheOptions {
  maxEntries: number;
  maxBytes: number;
  maxConcurrentRenders: number;
}

export const DEFAULT_QR_CACHE: QrCacheOptions = {
  maxEntries: 4096,
  maxBytes: 32 * 1024 * 1024,
  maxConcurrentRenders: 2,
};

/** A strong validator: equal exactly when the image bytes are equal. */
export function qrEtag(payload: string, format: QrFormat, size: number): string {
  const digest = createHash('sha256')
    .update(`${RENDERER_VERSION}\n${format}\n${size}\n${payload}`)
    .digest('base64url');
  return `"${digest}"`;
}

/** If-None-Match uses the weak comparison (RFC 9110 13.1.2): `W/` is ignored, `*` matches anything. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

export class QrRenderer {
  private readonly cache: LruCache<string, Buffer>;
  private readonly inflight = new Map<string, Promise<Buffer>>();
  private running = 0;
  private readonly queue: (() => void)[] = [];
  /** Renders done since start (cache misses), for tests and the bench. */
  renders = 0;

  constructor(private readonly opts: QrCacheOptions = DEFAULT_QR_CACHE) {
    this.cache = new LruCache({
      maxEntries: opts.maxEntries,
      maxBytes: opts.maxBytes,
      sizeOf: (b) => b.length,
    });
  }

  /** The image of `payload` for one eSIM, from the cache when it was drawn before. */
  async image(esimId: string, payload: string, format: QrFormat, size: number): Promise<QrImage> {
    const key = `${esimId}\n${format}\n${size}\n${payload}`;
    const contentType = QR_CONTENT_TYPES[format];
    const cached = this.cache.get(key);
    if (cached) return { body: cached, contentType };
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.limited(() => this.draw(payload, format, size))
        .then((body) => {
          this.cache.set(key, body);
          return body;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return { body: await pending, contentType };
  }

  get cached(): { entries: number; bytes: number } {
    return { entries: this.cache.size, bytes: this.cache.bytes };
  }

  private async draw(payload: string, format: QrFormat, size: number): Promise<Buffer> {
    this.renders += 1;
    // the QR encoder is read at the first image, not at every start
    const { qrPng, qrSvg } = await import('../../lib/qr-image.js');
    return format === 'png' ? qrPng(payload, size) : Buffer.from(await qrSvg(payload, size), 'utf8');
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    // a finishing render hands its slot straight to the next waiter, so no newcomer can slip in between
    if (this.running >= this.opts.maxConcurrentRenders) {
      await new Promise<void>((resolve) => this.queue.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await fn();
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
