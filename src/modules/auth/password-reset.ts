/**
 * "Forgot password": a single-use link valid 30 minutes, mailed to the address of an active account.
 * Asking answers the same whatever the address (the route says 202 either way) and does the same work
 * for an unknown address; the token is stored only as SHA-256. Using the link sets the new password,
 * uses every reset link of the account, confirms the address (the link reached it) and ends every session.
 */
import { transaction, type Db } from '../../db/index.js';
import { badRequest } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { randomToken, sha256 } from '../../lib/secrets.js';
import type { SessionEvents } from '../../sessions/events.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import { queueAccountMail } from '../mail/account.js';
import type { MailService } from '../mail/service.js';
import { usersRepo } from '../users/repository.js';
import { normaliseEmail } from '../users/service.js';
import { accountTokensRepo } from './account-tokens.repository.js';
import type { PasswordHasher } from './passwords.js';
import { refreshTokensRepo, throttleRepo } from './repository.js';

export const RESET_TTL_MS = 30 * 60_000;
/** At most this many reset links per account per 30 minutes: nobody can flood a mailbox through us. */
const MAX_LINKS_PER_TTL = 3;
const DAY_MS = 86_400_000;

export interface AccountLinkDeps {
  db: Db;
  clock: Clock;
  activity: ActivityService;
  events: SessionEvents;
  mail: MailService;
  /** PUBLIC_APP_URL: where the links point. */
  appUrl: string;
}

const invalidResetToken = () =>
  badRequest(
    'INVALID_RESET_TOKEN',
    'This reset link is not valid: it was already used or it expired. Ask for a new one.',
    [{ field: 'token', message: 'is unknown, already used or expired' }],
  );

export class PasswordResetService {
  constructor(
    private readonly deps: AccountLinkDeps,
    private readonly passwords: PasswordHasher,
  ) {}

  /** Mails a reset link when `emailInput` is an active account; nothing otherwise (the caller cannot tell). */
  async request(emailInput: string, meta: RequestMeta): Promise<void> {
    const { db, clock } = this.deps;
    const email = normaliseEmail(emailInput);
    const token = randomToken(32);
    const tokenHash = sha256(token);
    const now = clock.now();
    const user = await usersRepo.findByEmail(db, email);
    const live = user?.status === 'active' ? user : undefined;
    const queued = await transaction(db, async (tx) => {
      // the same statements run for an unknown address, so both answers take about as long
      await accountTokensRepo.deleteExpired(tx, now - DAY_MS);
      const recent = await accountTokensRepo.countSince(
        tx,
        live?.id ?? '',
        'password_reset',
        now - RESET_TTL_MS,
      );
      if (!live || recent >= MAX_LINKS_PER_TTL) return false;
      const id = newId(now);
      await accountTokensRepo.insert(tx, {
        id,
        user_id: live.id,
        purpose: 'password_reset',
        token_hash: tokenHash,
        created_at: now,
        expires_at: now + RESET_TTL_MS,
        used_at: null,
      });
      const url = `${this.deps.appUrl}/reset-password#token=${token}`;
      await queueAccountMail(
        tx,
        live,
        { kind: 'password_reset', url, validMinutes: RESET_TTL_MS / 60_000 },
        now,
        id,
      );
      await this.deps.activity.record(tx, {
        action: 'auth.password_reset_requested',
        userId: live.id,
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
      return true;
    });
    if (queued) this.deps.mail.wake();
  }

  /** Sets the password of the link's account and ends every session of it; a bad link is a 400 on `token`. */
  async confirm(token: string, newPassword: string, meta: RequestMeta): Promise<void> {
    const { db, clock } = this.deps;
    const tokenHash = sha256(token);
    const passwordHash = await this.passwords.hash(newPassword);
    const now = clock.now();
    const user = await transaction(db, async (tx) => {
      const row = await accountTokensRepo.findForUpdate(tx, tokenHash, 'password_reset');
      if (!row || row.used_at !== null || row.expires_at <= now) throw invalidResetToken();
      const target = await usersRepo.findForUpdate(tx, row.user_id);
      if (!target || target.status !== 'active') throw invalidResetToken();
      await accountTokensRepo.useAll(tx, target.id, 'password_reset', now);
      const after = await usersRepo.update(tx, target.id, {
        password_hash: passwordHash,
        email_verified_at: target.email_verified_at ?? now,
        updated_at: now,
      });
      await refreshTokensRepo.revokeUser(tx, target.id, now);
      // a lock-out from failed logins ends too: the owner of the address just proved who they are
      await throttleRepo.clear(tx, sha256(`login:${target.email}`));
      await this.deps.activity.record(tx, {
        action: 'user.password_reset',
        userId: target.id,
        actorId: target.id,
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
      await queueAccountMail(tx, target, { kind: 'password_changed' }, now, row.id);
      return after ?? target;
    });
    await this.deps.events.userAndSessions(user.id);
    this.deps.mail.wake();
  }
}
