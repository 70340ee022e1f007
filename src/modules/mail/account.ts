/**
 * Account e-mails queued where their cause happens (password changed, account suspended, the links of
 * password reset and e-mail verification): composed and enqueued in the caller's transaction. They always
 * go, whatever `email_notifications` says.
 */
import type { Executor } from '../../db/index.js';
import { newId } from '../../lib/ids.js';
import { composeMail, type MailUser } from './compose.js';
import { mailRepo } from './repository.js';
import type { MailData } from './templates.js';

/**
 * Queues `data` for `user` through `tx`. `cause` is the id of what happened (a token id, an event id);
 * a fresh id when the transaction itself is the only cause (each commit sends one mail).
 */
export async function queueAccountMail(
  tx: Executor,
  user: MailUser,
  data: MailData,
  at: number,
  cause: string = newId(at),
): Promise<boolean> {
  const mail = composeMail(user, data, `${cause}:${data.kind}`, at);
  return mail ? mailRepo.enqueue(tx, mail) : false;
}
