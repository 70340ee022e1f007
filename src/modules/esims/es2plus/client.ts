/**
 * The ES2+ client (operator → SM-DP+, GSMA SGP.22 v2.2 §5.3 and §6): DownloadOrder, ConfirmOrder,
 * CancelOrder, ReleaseProfile over mutual TLS (TLS 1.2+) with kept-alive connections (undici). Every
 * attempt carries the header object with a fresh functionCallIdentifier, logged with its outcome.
 *
 * Errors arrive as HTTP 200 with `status: Failed`: those are answers (Es2Failure), never retried.
 * Timeouts, connection errors and 5xx are retried with exponential backoff and jitter (cockatiel), a
 * bounded number of times; consecutive ones open a circuit breaker, which then refuses at once
 * (Es2Unavailable with `retryAfterS`) instead of piling requests onto a down SM-DP+.
 *
 * One exception: a DownloadOrder by profile type is not safe to send twice (each one reserves another
 * profile, and SGP.22 v2.2 has no way to ask which one the first got). It is retried only when the
 * request surely never reached the SM-DP+ (no connection) or the SM-DP+ answered 5xx; after a timeout
 * or a connection lost mid-request the error says `mayHaveRun`.
 */
import { randomUUID } from 'node:crypto';
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
} from 'cockatiel';
import type { Agent, request as undiciRequest } from 'undici';

export const ADMIN_PROTOCOL = 'gsma/rsp/v2.2.0';
const PATH = '/gsma/rsp2/es2plus/';

export interface StatusCodeData {
  subjectCode: string;
  reasonCode: string;
  subjectIdentifier?: string;
  message?: string;
}

/** The SM-DP+ answered `Failed` (or `Expired`): a business answer with its subject and reason codes. */
export class Es2Failure extends Error {
  constructor(
    readonly fn: string,
    readonly code: StatusCodeData,
  ) {
    super(`${fn} failed: ${code.subjectCode}/${code.reasonCode}${code.message ? ` ${code.message}` : ''}`);
    this.name = 'Es2Failure';
  }
}

/**
 * No usable answer: `timeout`, `transport` (connection, TLS, 5xx), `breaker` open, or a `protocol` error.
 * `mayHaveRun`: the request may have reached the SM-DP+ and been carried out (its answer was lost).
 */
export class Es2Unavailable extends Error {
  constructor(
    readonly reason: 'timeout' | 'transport' | 'breaker' | 'protocol',
    message: string,
    readonly retryAfterS?: number,
    readonly mayHaveRun = reason === 'timeout' || reason === 'protocol',
  ) {
    super(message);
    this.name = 'Es2Unavailable';
  }
}

/** Errors of a connection that was never made: the request did not leave us. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** One attempt's transport failure, retried by the policy. */
class AttemptError extends Error {
  constructor(
    readonly timeout: boolean,
    message: string,
    /** The request may have been carried out (timeout, connection lost after sending). */
    readonly mayHaveRun: boolean,
  ) {
    super(message);
  }
}

export interface Es2Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface Es2ClientOptions {
  baseUrl: string;
  requesterId: string;
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  /** PEM text; absent for plain http:// (development). */
  tls?: { cert: string; key: string; ca: string };
  log: Es2Logger;
  /** First backoff delay (tests shorten it). */
  initialBackoffMs?: number;
}

type Json = Record<string, unknown>;

export class Es2Client {
  // undici (about 1 MB of code) is read at the first call, not at every start
  private agent: Promise<{ agent: Agent; request: typeof undiciRequest }> | undefined;
  private readonly policy;
  /** For calls not safe to repeat: retries only attempts that surely did nothing. */
  private readonly oncePolicy;
  private openedAt = 0;

  constructor(private readonly o: Es2ClientOptions) {
    const transient = handleWhen((e) => e instanceof AttemptError);
    const breaker = circuitBreaker(transient, {
      halfOpenAfter: o.breakerCooldownMs,
      breaker: new ConsecutiveBreaker(o.breakerFailures),
    });
    breaker.onBreak(() => {
      this.openedAt = Date.now();
      o.log.warn({ cooldown_ms: o.breakerCooldownMs }, 'SM-DP+ circuit breaker open');
    });
    breaker.onReset(() => o.log.info({}, 'SM-DP+ circuit breaker closed'));
    const backoff = new ExponentialBackoff({ initialDelay: o.initialBackoffMs ?? 100, maxDelay: 2000 });
    this.policy = wrap(retry(transient, { maxAttempts: o.retries, backoff }), breaker);
    const didNothing = handleWhen((e) => e instanceof AttemptError && !e.mayHaveRun);
    this.oncePolicy = wrap(retry(didNothing, { maxAttempts: o.retries, backoff }), breaker);
  }

  /** By ICCID it may be repeated (8.2.1/3.3 then says it is reserved); by profile type it may not. */
  downloadOrder(b: { iccid?: string; profileType?: string; eid?: string }): Promise<{ iccid: string }> {
    return this.call('downloadOrder', b, b.iccid !== undefined).then((r) => {
      if (typeof r.iccid !== 'string')
        throw new Es2Unavailable('protocol', 'DownloadOrder answered no iccid');
      return { iccid: stripF(r.iccid) };
    });
  }

  async confirmOrder(b: {
    iccid: string;
    matchingId: string;
    releaseFlag: boolean;
    eid?: string;
    confirmationCode?: string;
  }): Promise<{ matchingId: string; eid?: string; smdpAddress?: string }> {
    const r = await this.call('confirmOrder', b);
    if (typeof r.matchingId !== 'string') {
      throw new Es2Unavailable('protocol', 'ConfirmOrder answered no matchingId');
    }
    return {
      matchingId: r.matchingId,
      eid: typeof r.eid === 'string' ? r.eid : undefined,
      smdpAddress: typeof r.smdpAddress === 'string' && r.smdpAddress ? r.smdpAddress : undefined,
    };
  }

  async cancelOrder(b: {
    iccid: string;
    matchingId?: string;
    eid?: string;
    finalProfileStatusIndicator: 'Available' | 'Unavailable';
  }): Promise<void> {
    await this.call('cancelOrder', b);
  }

  async releaseProfile(b: { iccid: string }): Promise<void> {
    await this.call('releaseProfile', b);
  }

  async close(): Promise<void> {
    const client = await this.agent;
    await client?.agent.close();
  }

  private client() {
    const { tls } = this.o;
    this.agent ??= import('undici').then(({ Agent, request }) => ({
      request,
      agent: new Agent({
        connect: tls ? { ...tls, minVersion: 'TLSv1.2' } : {},
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 120_000,
      }),
    }));
    return this.agent;
  }

  /** One function call: attempts under the policy; a Failed answer is thrown as Es2Failure. */
  private async call(fn: string, body: Json, repeatable = true): Promise<Json> {
    let res: Json;
    try {
      const policy = repeatable ? this.policy : this.oncePolicy;
      res = await policy.execute(() => this.attempt(fn, body));
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        const left = this.o.breakerCooldownMs - (Date.now() - this.openedAt);
        throw new Es2Unavailable(
          'breaker',
          'The SM-DP+ is unavailable',
          Math.max(1, Math.ceil(left / 1000)),
          false,
        );
      }
      if (err instanceof AttemptError) {
        const reason = err.timeout ? 'timeout' : 'transport';
        throw new Es2Unavailable(reason, err.message, undefined, err.mayHaveRun);
      }
      throw err;
    }
    const status = (res.header as Json | undefined)?.functionExecutionStatus as Json | undefined;
    const s = status?.status;
    if (s === 'Executed-Success' || s === 'Executed-WithWarning') return res;
    if (s === 'Failed' || s === 'Expired') {
      const data = (status?.statusCodeData ?? {}) as Partial<StatusCodeData>;
      throw new Es2Failure(fn, {
        subjectCode: String(data.subjectCode ?? ''),
        reasonCode: String(data.reasonCode ?? ''),
        ...(data.message ? { message: String(data.message) } : {}),
      });
    }
    throw new Es2Unavailable('protocol', `${fn} answered no functionExecutionStatus`);
  }

  private async attempt(fn: string, body: Json): Promise<Json> {
    const callId = randomUUID();
    const started = Date.now();
    const log = (outcome: string, extra: object = {}) =>
      this.o.log.info(
        { fn, function_call_id: callId, outcome, ms: Date.now() - started, ...extra },
        'es2+ call',
      );
    let status: number;
    let text: string;
    let headers: Record<string, string | string[] | undefined>;
    try {
      const { agent, request } = await this.client();
      const res = await request(this.o.baseUrl.replace(/\/$/, '') + PATH + fn, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', 'x-admin-protocol': ADMIN_PROTOCOL },
        body: JSON.stringify({
          header: { functionRequesterIdentifier: this.o.requesterId, functionCallIdentifier: callId },
          ...body,
        }),
        signal: AbortSignal.timeout(this.o.timeoutMs),
      });
      status = res.statusCode;
      headers = res.headers;
      text = await res.body.text();
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string } };
      const code = e.code ?? e.cause?.code ?? '';
      const notSent = NOT_SENT.has(code);
      const timeout =
        !notSent && (e.name === 'TimeoutError' || e.name === 'AbortError' || /TIMEOUT/.test(code));
      log(timeout ? 'timeout' : 'transport_error', { err: e.message, code });
      throw new AttemptError(timeout, timeout ? `${fn} timed out` : `${fn}: ${e.message}`, !notSent);
    }
    if (status >= 500) {
      // the SM-DP+ says it failed: nothing was carried out (SGP.22 leaves 5xx retries to the caller)
      log('http_error', { status });
      throw new AttemptError(false, `${fn} answered HTTP ${status}`, false);
    }
    const parsed = parseAnswer(fn, status, headers, text);
    const s = ((parsed.header as Json | undefined)?.functionExecutionStatus as Json | undefined)?.status;
    log(String(s ?? 'unknown'));
    return parsed;
  }
}

/** Lenient on the prefixes (`application/json;charset=UTF-8`, any `gsma/rsp/v2.*`), strict on the shape. */
function parseAnswer(fn: string, status: number, headers: Record<string, unknown>, text: string): Json {
  const type = String(headers['content-type'] ?? '');
  const proto = headers['x-admin-protocol'];
  if (status !== 200) throw new Es2Unavailable('protocol', `${fn} answered HTTP ${status}`);
  if (!type.toLowerCase().startsWith('application/json')) {
    throw new Es2Unavailable('protocol', `${fn} answered Content-Type ${type || 'none'}`);
  }
  if (proto !== undefined && !String(proto).startsWith('gsma/rsp/v2.')) {
    throw new Es2Unavailable('protocol', `${fn} answered X-Admin-Protocol ${String(proto)}`);
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (json && typeof json === 'object' && !Array.isArray(json)) return json as Json;
  } catch {
    // falls through
  }
  throw new Es2Unavailable('protocol', `${fn} answered a body that is not a JSON object`);
}

/** SGP.22 Table 21: a 19-digit ICCID padded with F names the same profile. */
export function stripF(iccid: string): string {
  return /^[0-9]{19}F$/i.test(iccid) ? iccid.slice(0, -1) : iccid;
}
