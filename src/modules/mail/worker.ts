/**
 * The mail worker of a serving process: claims due mails from the outbox (after the transaction that
 * queued them committed), sends each through the transport, and marks it sent. A refused or failed send
 * is tried again after the next delay of the retry schedule; after the last one the mail is marked failed
 * and the operators get an admin alert. Several instances can run it at once (see mailRepo.claimDue).
 */
import type { FastifyBaseLogger } from 'fastify';
import { transaction, type Db } from '../../db/index.js';
import type { MailRow } from '../../db/types.js';
import type { Clock } from '../../lib/clock.js';
import { alertsRepo } from '../alerts/repository.js';
import { mailRepo } from './repository.js';
import type { MailTransport } from './transport.js';

/**
 * How long a claimed mail is left to its sender before another worker may take it again: longer than a
 * batch can take even when every send runs into the transport's timeouts (10 mails × 3 × 10 s).
 */
export const SEND_LEASE_MS = 600_000;
const BATCH = 10;

export interface MailRunResult {
  sent: number;
  retried: number;
  failed: number;
}

export class MailWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<MailRunResult> | undefined;
  private again = false;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly transport: MailTransport,
    private readonly log: FastifyBaseLogger,
    /** Milliseconds before each retry; its length is the number of retries. */
    private readonly retrySchedule: number[],
  ) {}

  /** Sends every mail due now (batch after batch); one run at a time per process. */
  runOnce(): Promise<MailRunResult> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.runOnce().catch((err: Error) =>
          this.log.warn({ err: err.message }, 'mail worker run failed; tried again at the next interval'),
        );
      }
    });
    return this.running;
  }

  /** Polls every `intervalMs`; `wake()` sends sooner. Unref'd: it never keeps the process alive. */
  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.wake(), intervalMs);
    this.timer.unref();
  }

  /** Asks a started worker to look now (a service calls it after committing a mail). */
  wake(): void {
    if (!this.timer) return;
    void this.runOnce().catch((err: Error) =>
      this.log.warn({ err: err.message }, 'mail worker run failed; tried again at the next interval'),
    );
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async drain(): Promise<MailRunResult> {
    const total: MailRunResult = { sent: 0, retried: 0, failed: 0 };
    for (;;) {
      const now = this.clock.now();
      const batch = await transaction(this.db, (tx) => mailRepo.claimDue(tx, now, BATCH, SEND_LEASE_MS));
      for (const mail of batch) total[await this.deliver(mail)] += 1;
      if (batch.length < BATCH) return total;
    }
  }

  private async deliver(mail: MailRow): Promise<keyof MailRunResult> {
    try {
      await this.transport.send({
        id: mail.id,
        to: mail.recipient,
        subject: mail.subject,
        text: mail.text_body,
        html: mail.html_body,
      });
    } catch (err) {
      const e = err as Error & { responseCode?: unknown };
      // a 5xx answer (no such mailbox, refused sender) will not change by waiting: no retry
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
      return this.failedAttempt(mail, e.message || String(err), permanent);
    }
    await mailRepo.markSent(this.db, mail.id, this.clock.now());
    return 'sent';
  }

  private async failedAttempt(
    mail: MailRow,
    error: string,
    permanent: boolean,
  ): Promise<keyof MailRunResult> {
    const delay = permanent ? undefined : this.retrySchedule[mail.attempts - 1];
    if (delay !== undefined) {
      await mailRepo.retryLater(this.db, mail.id, this.clock.now() + delay, error);
      this.log.warn(
        { mail_id: mail.id, attempts: mail.attempts, err: error },
        'mail not sent; retried later',
      );
      return 'retried';
    }
    await transaction(this.db, async (tx) => {
      if (!(await mailRepo.markFailed(tx, mail.id, error))) return;
      await alertsRepo.raise(tx, {
        kind: 'mail.failed',
        message:
          `An e-mail (${mail.kind}) to ${mail.recipient} could not be sent after ${mail.attempts} ` +
          `${mail.attempts === 1 ? 'try' : 'tries'}. Last error: ${error}`,
        refType: 'mail',
        refId: mail.id,
        dedupeKey: `mail.failed:${mail.id}`,
        at: this.clock.now(),
      });
    });
    this.log.error({ mail_id: mail.id, attempts: mail.attempts, err: error }, 'mail failed for good');
    return 'failed';
  }
}
