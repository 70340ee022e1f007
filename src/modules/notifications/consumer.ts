/**
 * Notifications as a consumer of the event outbox: the events a user is told about (a usage threshold,
 * an expiry notice, an expiry) become notifications in the transaction that emits them, each once per
 * pack (the unique (pack_id, type) index). The outbox is the one record of what happened; this is a view
 * of it for the user.
 */
import type { Executor } from '../../db/index.js';
import type { NotificationType } from '../../db/types.js';
import type { OutboxEvent } from '../events/types.js';
import { notificationsRepo, type NewNotification } from './repository.js';

interface PackFacts {
  id: string;
  esim_id: string | null;
  name: string;
  expires_at: string | null;
}

const THRESHOLD_TEXT: Record<number, string> = {
  50: 'has used 50% of its data',
  80: 'has used 80% of its data',
  100: 'has used all of its data',
};

/** The user-facing text of a threshold notification. */
export function thresholdMessage(percent: number, packName: string): string {
  return `Your data pack "${packName}" ${THRESHOLD_TEXT[percent] ?? 'changed'}.`;
}

export function expiredMessage(packName: string): string {
  return `Your data pack "${packName}" has expired.`;
}

export function expiringMessage(packName: string, expiresAt: string | null): string {
  return `Your data pack "${packName}" expires within 24 hours (at ${expiresAt ?? ''}).`;
}

function noticeOf(e: OutboxEvent): NewNotification | undefined {
  const pack = e.data.pack as PackFacts | undefined;
  if (!pack || !e.userId) return undefined;
  let type: NotificationType;
  let message: string;
  if (e.type === 'pack.usage_threshold') {
    const percent = Number(e.data.threshold);
    type = `usage_${percent}` as NotificationType;
    message = thresholdMessage(percent, pack.name);
  } else if (e.type === 'pack.expiring') {
    type = 'pack_expiring';
    message = expiringMessage(pack.name, pack.expires_at);
  } else if (e.type === 'pack.expired') {
    type = 'pack_expired';
    message = expiredMessage(pack.name);
  } else return undefined;
  return { userId: e.userId, type, packId: pack.id, esimId: pack.esim_id, message, at: e.at };
}

/** Writes the notifications `events` call for, through the emitting transaction. */
export async function notifyFromEvents(db: Executor, events: readonly OutboxEvent[]): Promise<void> {
  for (const e of events) {
    const notice = noticeOf(e);
    if (notice) await notificationsRepo.insertOnce(db, notice);
  }
}
