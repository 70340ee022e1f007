/**
 * From a cause to a queued mail: who gets it, the rendered template, and the idempotency key. Pure; the
 * caller enqueues the result with `mailRepo.enqueue` in the transaction of the change.
 */
import type { UserStatus } from '../../db/types.js';
import type { NewMail } from './repository.js';
import { renderMail, type MailData } from './templates.js';

/** The fields of a users row a mail needs. */
export interface MailUser {
  id: string;
  email: string;
  full_name: string | null;
  status: UserStatus;
  /** 0/1 as stored (or a boolean): usage and expiry e-mails on or off. */
  email_notifications: number | boolean;
}

/** Kinds a user may turn off with `email_notifications`; every other kind always goes. */
const OPTIONAL_KINDS = new Set<MailData['kind']>(['usage_80', 'usage_100', 'pack_expiring', 'pack_expired']);

export function isOptionalKind(kind: MailData['kind']): boolean {
  return OPTIONAL_KINDS.has(kind);
}

/**
 * The mail for `user`, or null when it must not be sent: a deleted account (its address is no longer
 * theirs), or a usage / expiry mail the user turned off.
 */
export function composeMail(user: MailUser, data: MailData, key: string, at: number): NewMail | null {
  if (user.status === 'deleted') return null;
  if (isOptionalKind(data.kind) && !user.email_notifications) return null;
  return {
    key,
    userId: user.id,
    kind: data.kind,
    to: user.email,
    at,
    ...renderMail({ fullName: user.full_name }, data),
  };
}
