/**
 * E-mail verification: at sign-up (and on request) a single-use link valid 48 hours is mailed; using it
 * sets `email_verified_at`. An unverified account can sign in and browse; whether it may buy is the
 * operator's choice (REQUIRE_VERIFIED_EMAIL_TO_BUY, see verified-guard.ts).
 */
import { transaction, type Executor } from '../../db/index.js';
import type { UserRow } from '../../db/types.js';
import { badRequest, conflict, notFound, tooManyRequests } from '../../errors.js';
import { newId } from '../../lib/ids.js';
import { randomToken, sha256 } from '../../lib/secrets.js';
import { queueAccountMail } from '../mail/account.js';
import { usersRepo } from '../users/repository.js';
import { accountTokensRepo } from './account-tokens.repository.js';
import type { AccountLinkDeps } from './password-reset.js';

export const VERIFY_TTL_MS = 48 * 3_600_000;
/** At most this many verification links per account per hour. */
const MAX_LINKS_PER_HOUR = 5;

const invalidVerifyToken = () =>
  badRequest(
    'INVALID_VERIFICATION_TOKEN',
    'This confirmation link is not valid: it was already used or it expired. Ask for a new one.',
    [{ field: 'token', message: 'is unknown, already used or expired' }],
  );

export class EmailVerificationService {
  constructor(private readonly deps: AccountLinkDeps) {}

  /** Queues a verification link for `user` through `tx` (the sign-up's transaction, or the resend's). */
  async sendLink(tx: Executor, user: UserRow): Promise<void> {
    const now = this.deps.clock.now();
    const token = randomToken(32);
    const id = newId(now);
    await accountTokensRepo.insert(tx, {
      id,
      user_id: user.id,
      purpose: 'verify_email',
      token_hash: sha256(token),
      created_at: now,
      expires_at: now + VERIFY_TTL_MS,
      used_at: null,
    });
    const url = `${this.deps.appUrl}/verify-email#token=${token}`;
    await queueAccountMail(
      tx,
      user,
      { kind: 'verify_email', url, validMinutes: VERIFY_TTL_MS / 60_000 },
      now,
      id,
    );
  }

  /** A new link for the signed-in user; 409 when the address is already confirmed. */
  async resend(userId: string): Promise<void> {
    const { db, clock } = this.deps;
    const now = clock.now();
    await transaction(db, async (tx) => {
      const user = await usersRepo.findById(tx, userId);
      if (!user) throw notFound('User');
      if (user.email_verified_at !== null) {
        throw conflict('EMAIL_ALREADY_VERIFIED', 'Your e-mail address is already confirmed');
      }
      const recent = await accountTokensRepo.countSince(tx, userId, 'verify_email', now - 3_600_000);
      if (recent >= MAX_LINKS_PER_HOUR) {
        throw tooManyRequests(
          'TOO_MANY_LINKS',
          'We have sent you several links already; try again later',
          3600,
        );
      }
      await this.sendLink(tx, user);
    });
    this.deps.mail.wake();
  }

  /** Confirms the address of the link's account; a bad link is a 400 on `token`. */
  async verify(token: string): Promise<{ email_verified_at: number }> {
    const { db, clock } = this.deps;
    const now = clock.now();
    const result = await transaction(db, async (tx) => {
      const row = await accountTokensRepo.findForUpdate(tx, sha256(token), 'verify_email');
      if (!row || row.used_at !== null || row.expires_at <= now) throw invalidVerifyToken();
      const user = await usersRepo.findForUpdate(tx, row.user_id);
      if (!user || user.status === 'deleted') throw invalidVerifyToken();
      await accountTokensRepo.useAll(tx, user.id, 'verify_email', now);
      const at = user.email_verified_at ?? now;
      if (user.email_verified_at === null) {
        await usersRepo.update(tx, user.id, { email_verified_at: at, updated_at: now });
        await this.deps.activity.record(tx, {
          action: 'user.email_verified',
          userId: user.id,
          actorId: user.id,
        });
      }
      return { userId: user.id, at };
    });
    await this.deps.events.user(result.userId);
    return { email_verified_at: result.at };
  }
}
