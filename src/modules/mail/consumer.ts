/**
 * Customer e-mails as a consumer of the event outbox: `eventsRepo.emit` hands it the events it wrote, in
 * the emitting transaction, and the mails those events call for are queued there (see events.ts for which
 * and for the idempotency keys). The event outbox stays the one record of what happened.
 */
import type { Executor } from '../../db/index.js';
import { usersRepo } from '../users/repository.js';
import { mailDataForEvent, mailForEvent, type MailEvent } from './events.js';
import { mailRepo } from './repository.js';

/** Queues, through `db`, the mails `events` call for; returns how many were queued now. */
export async function mailFromEvents(db: Executor, events: readonly MailEvent[]): Promise<number> {
  let queued = 0;
  // one read per user per batch (a batch of usage records emits many events for few users)
  const users = new Map<string, Awaited<ReturnType<typeof usersRepo.findById>>>();
  for (const event of events) {
    if (!event.userId || !mailDataForEvent(event)) continue;
    if (!users.has(event.userId)) users.set(event.userId, await usersRepo.findById(db, event.userId));
    const user = users.get(event.userId);
    const mail = mailForEvent(event, user);
    if (mail && (await mailRepo.enqueue(db, mail))) queued += 1;
  }
  return queued;
}
