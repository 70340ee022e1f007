/**
 * The mail module's service: queues customer e-mails for outbox events (`onEvent`, called in the
 * transaction that consumes the event) and owns the worker that sends them. Account e-mails are queued by
 * the modules where their cause happens, with `composeMail` + `mailRepo.enqueue` in their transaction.
 */
import type { Db, Executor } from '../../db/index.js';
import type { Clock } from '../../lib/clock.js';
import { usersRepo } from '../users/repository.js';
import { mailForEvent, type OutboxEvent } from './events.js';
import { mailRepo, type NewMail } from './repository.js';
import type { MailWorker } from './worker.js';

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

  countByStatus(): Promise<{ status: string; n: number }[]> {
    return mailRepo.countByStatus(this.db);
  }
}
