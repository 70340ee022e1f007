/**
 * The HTTP side of a delivery: one POST through an undici Agent whose connections only ever reach public
 * addresses. The host is resolved once per connection by our own lookup, which drops every private,
 * loopback or link-local answer (lib/net-guard.ts), and the socket connects to the address that was
 * checked: a DNS answer that changes between the check and the connection (rebinding) cannot slip
 * through. IP literal hosts never reach a lookup, so they are checked before sending. No redirects are
 * followed. The answer is read up to 1 KB for the delivery log.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { Agent, request as undiciRequest } from 'undici';
import { hostOf, isPublicAddress, urlProblem } from '../../lib/net-guard.js';

export type LookupFn = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

export const systemLookup: LookupFn = (hostname, options, callback) => dnsLookup(hostname, options, callback);

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  excerpt: string | null;
}

const EXCERPT_BYTES = 1024;

function privateAnswer(hostname: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${hostname} resolves only to private addresses`);
  err.code = 'EPRIVATEADDRESS';
  return err;
}

/** A net/tls `lookup` that keeps only the public answers (all of them when private ones are allowed). */
export function guardedLookup(lookup: LookupFn, allowPrivate: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const kept = allowPrivate ? addresses : addresses.filter((a) => isPublicAddress(a.address));
      const first = kept[0];
      if (!first) return callback(privateAnswer(hostname), []);
      if (options.all) callback(null, kept);
      else callback(null, first.address, first.family);
    });
  };
}

/** Why `url` may not be used as an endpoint (checked on creation): its form, then every DNS answer. */
export async function endpointProblem(
  url: string,
  allowPrivate: boolean,
  lookup: LookupFn = systemLookup,
): Promise<string | undefined> {
  const problem = urlProblem(url, allowPrivate);
  if (problem || allowPrivate) return problem;
  const host = hostOf(new URL(url));
  if (isIP(host)) return undefined;
  const addresses = await new Promise<LookupAddress[] | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 5000);
    lookup(host, { all: true }, (err, list) => {
      clearTimeout(timer);
      resolve(err ? undefined : list);
    });
  });
  if (!addresses || addresses.length === 0) return 'has a host name that does not resolve';
  if (addresses.some((a) => !isPublicAddress(a.address)))
    return 'resolves to a private, loopback or link-local address';
  return undefined;
}

async function excerptOf(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    parts.push(chunk);
    size += chunk.length;
    if (size >= EXCERPT_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(parts).subarray(0, EXCERPT_BYTES).toString('utf8');
}

export class WebhookSender {
  // undici (about 1 MB of code) is read at the first delivery, not at every start
  private agent: Promise<{ agent: Agent; request: typeof undiciRequest }> | undefined;
  private closed = false;

  constructor(private readonly opts: { timeoutMs: number; allowPrivate: boolean; lookup?: LookupFn }) {}

  private client() {
    const { opts } = this;
    this.agent ??= import('undici').then(({ Agent, request }) => ({
      request,
      agent: new Agent({
        connect: {
          lookup: guardedLookup(opts.lookup ?? systemLookup, opts.allowPrivate),
          timeout: opts.timeoutMs,
        },
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
        keepAliveTimeout: 10_000,
      }),
    }));
    return this.agent;
  }

  async send(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = performance.now();
    const took = () => Math.round(performance.now() - started);
    const refused = urlProblem(url, this.opts.allowPrivate);
    if (refused) return { ok: false, statusCode: null, latencyMs: 0, error: `URL ${refused}`, excerpt: null };
    try {
      const { agent, request } = await this.client();
      const res = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: agent,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      const excerpt = await excerptOf(res.body);
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      const error = ok ? null : `HTTP ${res.statusCode}`;
      return { ok, statusCode: res.statusCode, latencyMs: took(), error, excerpt };
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const cause = (e.cause as NodeJS.ErrnoException | undefined)?.message;
      const kind = typeof e.code === 'string' ? e.code : e.name;
      const error = `${kind}: ${cause ?? e.message}`.slice(0, 500);
      return { ok: false, statusCode: null, latencyMs: took(), error, excerpt: null };
    }
  }

  /** Ends every request in flight now (they fail) and every connection. */
  async abort(): Promise<void> {
    this.closed = true;
    const client = await this.agent;
    await client?.agent.destroy().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = await this.agent;
    await client?.agent.close();
  }
}
