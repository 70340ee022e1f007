/**
 * The mail module's service: queues customer e-mails for outbox events (`onEvent`, called in the
 * transaction that consumes the event) and owns the worker that sends them. Account e-mails are queued by
 * the modules where their cause happens, with `composeMail` + `mailRepo.enqueue` in their transaction.
 */
import type { Db, Executor } from '../../db/index.js';
import type { MailRow } from '../../db/types.js';
import { conflict, notFound } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import { usersRepo } from '../users/repository.js';
import { mailForEvent, type OutboxEvent } from './events.js';
import { mailRepo, type NewMail } from './repository.js';
import type { MailListQuery, OutboxMailView } from './schemas.js';
import type { MailWorker } from './worker.js';

/** The operators' view of a mail: never its bodies (they may hold a reset link). */
export function toOutboxMailView(r: MailRow): OutboxMailView {
  return {
    id: r.id,
    kind: r.kind,
    user_id: r.user_id,
    recipient: r.recipient,
    subject: r.subject,
    status: r.status,
    attempts: r.attempts,
    next_attempt_at: r.status === 'pending' ? iso(r.next_attempt_at) : null,
    last_error: r.last_error,
    created_at: iso(r.created_at),
    sent_at: iso(r.sent_at),
  };
}

export class MailService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    readonly worker: MailWorker,
  ) {}

  /**
   * Queues the customer e-mail `event` calls for, if any, through `trx` (the consumer's transaction).
   * True when a mail was queued now; false for no mail, or one already queued for this event.
   */
  async onEvent(trx: Executor, event: OutboxEvent): Promise<boolean> {
    if (!event.userId) return false;
    const user = await usersRepo.findById(trx, event.userId);
    const mail = mailForEvent(event, user, this.clock.now());
    return mail ? mailRepo.enqueue(trx, mail) : false;
  }

  /** Queues an already composed mail (null: nothing to send). */
  async queue(trx: Executor, mail: NewMail | null): Promise<boolean> {
    return mail ? mailRepo.enqueue(trx, mail) : false;
  }

  /** After a commit that queued mail: the worker of this process (when started) sends it now. */
  wake(): void {
    this.worker.wake();
  }

  async list(q: MailListQuery & { limit: number }): Promise<Page<OutboxMailView>> {
    const rows = await mailRepo.list(this.db, {
      status: q.status,
      userId: q.user_id,
      before: decodeCursor(q.cursor),
      limit: q.limit + 1,
    });
    return toPage(rows, q.limit, toOutboxMailView);
  }

  /**
   * Sends a failed mail again (after the SMTP trouble is fixed): it is pending and due now, with a fresh
   * count of tries. A pending mail is answered as it is; a sent one is a 409 (it would arrive twice).
   */
  async retry(id: string): Promise<OutboxMailView> {
    await mailRepo.requeueFailed(this.db, id, this.clock.now());
    const row = await mailRepo.findById(this.db, id);
    if (!row) throw notFound('Mail');
    if (row.status === 'sent') throw conflict('MAIL_ALREADY_SENT', 'This mail was already sent');
    this.wake();
    return toOutboxMailView(row);
  }

  countByStatus(): Promise<{ status: string; n: number }[]> {
    return mailRepo.countByStatus(this.db);
  }
}
