/**
 * Customer e-mails as a consumer of the event outbox: `eventsRepo.emit` hands it the events it wrote, in
 * the emitting transaction, and the mails those events call for are queued there (see events.ts for which
 * and for the idempotency keys). The event outbox stays the one record of what happened.
 */
import type { Executor } from '../../db/index.js';
import { usersRepo } from '../users/repository.js';
import type { MailUser } from './compose.js';
import { mailDataForEvent, mailForEvent, type MailEvent } from './events.js';
import { mailRepo } from './repository.js';

/** The owners of events, by user id, as read in the emitting statement (undefined: no such user). */
export type Owners = Map<string, MailUser | undefined>;

/** Whether `event` may call for a mail to its owner (so the emit reads the owner with it). */
export function needsOwner(e: {
  type: string;
  userId: string | null;
  data: Record<string, unknown>;
}): boolean {
  return e.userId !== null && mailDataForEvent({ id: '', at: 0, ...e }) !== null;
}

/**
 * The owner from the `owner` column of `usersRepo.mailFactsOf`, returned with an event of theirs (a JSON
 * object, or its text on SQLite); undefined when there is no such user.
 */
export function ownerFrom(userId: string, owner: unknown): MailUser | undefined {
  const o = (typeof owner === 'string' ? JSON.parse(owner) : owner) as Partial<MailUser> | null;
  if (!o || typeof o.email !== 'string' || typeof o.status !== 'string') return undefined;
  return {
    id: userId,
    email: o.email,
    full_name: typeof o.full_name === 'string' ? o.full_name : null,
    status: o.status,
    email_notifications: Number(o.email_notifications ?? 0),
  };
}

/**
 * Offers, through `db`, the mails `events` call for to the outbox (a mail whose key was queued before is
 * left as it was; nothing is read back, see `mailRepo.offer`); returns how many were offered. The owners already
 * read (`owners`, by the emit) are not read again; any other is read once per batch (a batch of usage
 * records emits many events for few users).
 */
export async function mailFromEvents(
  db: Executor,
  events: readonly MailEvent[],
  owners: Owners = new Map(),
): Promise<number> {
  let offered = 0;
  for (const event of events) {
    if (!event.userId || !mailDataForEvent(event)) continue;
    if (!owners.has(event.userId)) owners.set(event.userId, await usersRepo.findById(db, event.userId));
    const mail = mailForEvent(event, owners.get(event.userId));
    if (!mail) continue;
    await mailRepo.offer(db, mail);
    offered += 1;
  }
  return offered;
}
