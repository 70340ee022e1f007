/**
 * The webhook worker of one serving process: claims due deliveries, sends them, records each attempt.
 * - Woken when events commit in this process (events/signal.ts) and every WEBHOOK_POLL_MS (work that
 *   other instances committed, retries coming due, leases run out).
 * - Keeps up to WEBHOOK_CONCURRENCY sends in flight; a slow endpoint holds one slot, not the others.
 * - A claim (deliveries.repository.ts) is a lease: on PostgreSQL `FOR UPDATE SKIP LOCKED` lets several
 *   instances claim side by side without ever taking the same delivery; if this process dies mid-send,
 *   the delivery is due again when the lease ends and goes out again with the same `webhook-id`.
 * - Outcomes are written in small groups, each one transaction (outcomes.ts).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../../db/index.js';
import type { EventRow, WebhookDeliveryRow, WebhookEndpointRow } from '../../db/types.js';
import { iso, type Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { eventsRepo } from '../events/repository.js';
import { outboxSignal } from '../events/signal.js';
import { deliveriesRepo, type AttemptOutcome } from './deliveries.repository.js';
import { endpointsRepo } from './endpoints.repository.js';
import { recordOutcomes, type OutcomeRules } from './outcomes.js';
import { afterFailure } from './retry.js';
import type { SendResult, WebhookSender } from './sender.js';
import { bodyOf, type Signer } from './signing.js';

export interface WorkerOptions extends OutcomeRules {
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  sender: WebhookSender;
  signer: Signer;
  leaseMs: number;
  pollMs: number;
  concurrency: number;
}

interface Job {
  delivery: WebhookDeliveryRow;
  event: EventRow | undefined;
  endpoint: WebhookEndpointRow | undefined;
}

export class WebhookWorker {
  private inFlight = 0;
  private filling = false;
  private again = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private readonly done: AttemptOutcome[] = [];
  private flushing: Promise<void> | undefined;
  private readonly idle = new Set<() => void>();
  /** Deliveries this worker sent with a 2xx answer, and attempts that failed (metrics, tests, bench). */
  sent = 0;
  failedAttempts = 0;

  constructor(private readonly o: WorkerOptions) {}

  private readonly onSignal = () => this.wake();

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    outboxSignal.on('committed', this.onSignal);
    this.timer = setInterval(this.onSignal, this.o.pollMs);
    this.timer.unref();
    this.wake();
  }

  /**
   * Stops claiming and waits for the sends in flight and their records; sends still waiting on a slow
   * receiver after `graceMs` are cut off (recorded as failed attempts, so retried later with the same
   * webhook-id), so a shutdown never waits out a 10 s timeout.
   */
  async stop(graceMs = 2000): Promise<void> {
    this.stopped = true;
    outboxSignal.off('committed', this.onSignal);
    clearInterval(this.timer);
    const deadline = Date.now() + graceMs;
    let cut = false;
    while (this.inFlight > 0 || this.flushing || this.filling) {
      if (!cut && this.inFlight > 0 && Date.now() >= deadline) {
        cut = true;
        await this.o.sender.abort();
      }
      await this.quiet();
    }
  }

  /** Claims and sends what is due now (also called by tests, which move the clock instead of waiting). */
  wake(): void {
    if (this.stopped) return;
    if (this.filling) {
      this.again = true;
      return;
    }
    void this.fill();
  }

  /** Resolves when nothing is in flight, being claimed or being recorded. */
  async drained(): Promise<void> {
    while (this.inFlight > 0 || this.flushing || this.filling || this.done.length) await this.quiet();
  }

  private quiet(): Promise<void> {
    return new Promise((resolve) => {
      this.idle.add(resolve);
      setTimeout(resolve, 20).unref();
    });
  }

  private settle(): void {
    for (const resolve of this.idle) resolve();
    this.idle.clear();
  }

  private async fill(): Promise<void> {
    this.filling = true;
    try {
      do {
        this.again = false;
        while (!this.stopped && this.inFlight < this.o.concurrency) {
          const want = this.o.concurrency - this.inFlight;
          const jobs = await this.claim(want);
          for (const job of jobs) this.launch(job);
          if (jobs.length < want) break;
        }
      } while (this.again && !this.stopped);
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'webhook claim failed; retried at the next poll');
    } finally {
      this.filling = false;
      this.settle();
    }
  }

  private async claim(limit: number): Promise<Job[]> {
    const { db, clock } = this.o;
    const now = clock.now();
    if (!(await deliveriesRepo.anyDue(db, now))) return [];
    const claimed = await deliveriesRepo.claimDue(db, now, limit, now + this.o.leaseMs, newId());
    if (claimed.length === 0) return [];
    const [events, endpoints] = await Promise.all([
      eventsRepo.findMany(db, [...new Set(claimed.map((d) => d.event_id))]),
      endpointsRepo.findMany(db, [...new Set(claimed.map((d) => d.endpoint_id))]),
    ]);
    const eventById = new Map(events.map((e) => [e.id, e]));
    const endpointById = new Map(endpoints.map((e) => [e.id, e]));
    return claimed.map((delivery) => ({
      delivery,
      event: eventById.get(delivery.event_id),
      endpoint: endpointById.get(delivery.endpoint_id),
    }));
  }

  private launch(job: Job): void {
    this.inFlight++;
    void this.attempt(job)
      .then((outcome) => {
        this.done.push(outcome);
        this.flush();
      })
      .finally(() => {
        this.inFlight--;
        this.settle();
        // a freed slot: more may be due (a backlog), or this was the last of a burst
        this.wake();
      });
  }

  private async attempt(job: Job): Promise<AttemptOutcome> {
    const { delivery, event, endpoint } = job;
    const startedAt = this.o.clock.now();
    let result: SendResult;
    if (!event || !endpoint) result = refusal('the event or the endpoint no longer exists');
    else if (endpoint.enabled !== 1) result = refusal('the endpoint is disabled');
    else {
      const body = bodyOf(event.type, iso(event.occurred_at), event.payload);
      const headers = this.o.signer.headers(endpoint, event.id, body, startedAt);
      result = await this.o.sender.send(endpoint.url, headers, body);
      if (result.ok) this.sent++;
      else this.failedAttempts++;
    }
    const now = this.o.clock.now();
    const next = result.ok
      ? ({ status: 'succeeded', at: now } as const)
      : endpoint?.enabled === 1
        ? afterFailure(delivery.attempts, this.o.scheduleMs, now)
        : ({ status: 'failed' } as const);
    return {
      delivery,
      status: next.status,
      nextAttemptAt: next.status === 'failed' ? now : next.at,
      attempt: {
        id: newId(),
        delivery_id: delivery.id,
        attempt: delivery.attempts,
        started_at: startedAt,
        latency_ms: result.latencyMs,
        status_code: result.statusCode,
        succeeded: result.ok ? 1 : 0,
        error: result.error,
        response_excerpt: result.excerpt,
      },
    };
  }

  /** Writes the outcomes gathered so far, one transaction at a time. */
  private flush(): void {
    if (this.flushing) return;
    this.flushing = (async () => {
      while (this.done.length) {
        const batch = this.done.splice(0, 200);
        try {
          await recordOutcomes(this.o.db, batch, this.o.clock.now(), this.o);
        } catch (err) {
          // not recorded: the leases run out and the deliveries go out again (same webhook-id)
          this.o.log.warn({ err: (err as Error).message }, 'webhook outcomes not recorded');
        }
      }
    })().finally(() => {
      this.flushing = undefined;
      this.settle();
    });
  }
}

function refusal(error: string): SendResult {
  return { ok: false, statusCode: null, latencyMs: 0, error, excerpt: null };
}
