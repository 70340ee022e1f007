/**
 * E-mail as a consumer of the event outbox: in the transaction that emits them, the events a customer is
 * mailed about (purchase receipt, 80 % and 100 % used, expiring, expired, account suspended) become rows
 * of the mail outbox, once per cause (`events.ts` decides which mail, if any, and its idempotency key).
 * The mail worker sends them after commit.
 */
import type { Executor } from '../../db/index.js';
import type { OutboxEvent as StoredEvent } from '../events/types.js';
import { usersRepo } from '../users/repository.js';
import { mailDataForEvent, mailForEvent } from './events.js';
import { mailRepo } from './repository.js';

export async function mailFromEvents(db: Executor, events: readonly StoredEvent[]): Promise<number> {
  let queued = 0;
  for (const e of events) {
    if (!e.userId) continue;
    const event = { id: e.id, type: e.type, occurredAt: new Date(e.at), userId: e.userId, payload: e.data };
    if (!mailDataForEvent(event)) continue;
    const user = await usersRepo.findById(db, e.userId);
    const mail = mailForEvent(event, user, e.at);
    if (mail && (await mailRepo.enqueue(db, mail))) queued += 1;
  }
  return queued;
}
