/**
 * Accounts: registration, login with per-account throttling, refresh-token rotation with reuse detection,
 * logout, password change. Access tokens are JWTs signed by the auth plugin; refresh tokens are opaque and
 * stored as SHA-256 hashes, grouped in families (one per login) so a replayed token can revoke its family.
 */
import { transaction, isUniqueViolation, type Db, type Executor } from '../../db/index.js';
import { conflict, forbidden, tooManyRequests, unauthorized } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { randomToken, sha256 } from '../../lib/secrets.js';
import type { SessionEvents } from '../../sessions/events.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import type { UserView } from '../users/schemas.js';
import { normaliseEmail, toUserView } from '../users/service.js';
import { usersRepo } from '../users/repository.js';
import { NO_ACCOUNT_MAIL, type AccountMailHooks } from './account-mail.js';
import type { PasswordHasher } from './passwords.js';
import { refreshTokensRepo, throttleRepo } from './repository.js';

export interface Tokens {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token: string;
}

export interface AccessClaims {
  sub: string;
  sid: string; // the refresh-token family (session) this access token belongs to
}

export interface AuthSettings {
  accessTtlS: number;
  refreshTtlS: number;
  maxFailures: number;
  lockS: number;
}

/** What register and login answer: the account and the tokens of its new session. */
export interface SessionView {
  user: UserView;
  tokens: Tokens;
}

export interface Registration {
  email: string;
  password: string;
  full_name?: string;
  phone_number?: string;
}

const invalidCredentials = () => unauthorized('INVALID_CREDENTIALS', 'Email or password is incorrect');
const invalidToken = () => unauthorized('INVALID_TOKEN', 'The refresh token is invalid or expired');

export class AuthService {
  /** The verification link at sign-up, the notice of a password change (set by the auth index). */
  accountMail: AccountMailHooks = NO_ACCOUNT_MAIL;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly passwords: PasswordHasher,
    private readonly activity: ActivityService,
    private readonly signAccess: (claims: AccessClaims, ttlS: number) => string,
    private readonly settings: AuthSettings,
    /** Published to after each commit that revokes a session or writes a users row (src/sessions). */
    private readonly events: SessionEvents,
  ) {}

  async register(input: Registration, meta: RequestMeta): Promise<SessionView> {
    const email = normaliseEmail(input.email);
    const passwordHash = await this.passwords.hash(input.password);
    const now = this.clock.now();
    try {
      return await transaction(this.db, async (tx) => {
        const user = await usersRepo.create(
          tx,
          {
            email,
            passwordHash,
            fullName: input.full_name?.trim(),
            phoneNumber: input.phone_number,
            lastLoginAt: now,
          },
          now,
        );
        const tokens = await this.startSession(tx, user.id, meta);
        await this.accountMail.registered(tx, user);
        await this.activity.record(tx, {
          action: 'user.registered',
          userId: user.id,
          actorId: user.id,
          ...metaOf(meta),
        });
        return { user: toUserView(user), tokens };
      });
    } catch (err) {
      // the unique index on lower(email) decides races: exactly one concurrent registration wins
      if (isUniqueViolation(err)) throw conflict('EMAIL_TAKEN', 'An account with this email already exists');
      throw err;
    }
  }

  async login(emailInput: string, password: string, meta: RequestMeta): Promise<SessionView> {
    const email = normaliseEmail(emailInput);
    const key = sha256(`login:${email}`);
    const now = this.clock.now();
    const throttle = await throttleRepo.find(this.db, key);
    if (throttle?.locked_until && throttle.locked_until > now) {
      throw tooManyRequests(
        'LOGIN_THROTTLED',
        'Too many failed logins for this account; try again later',
        (throttle.locked_until - now) / 1000,
      );
    }
    const user = await usersRepo.findByEmail(this.db, email);
    const live = user && user.status !== 'deleted' ? user : undefined;
    const ok = await this.passwords.verify(password, live?.password_hash);
    if (!ok || !live) {
      await this.recordFailure(key);
      await this.activity.record(this.db, {
        action: 'auth.login_failed',
        userId: live?.id ?? null,
        metadata: { email },
        ...metaOf(meta),
      });
      throw invalidCredentials();
    }
    if (throttle) await throttleRepo.clear(this.db, key);
    if (live.status === 'suspended') {
      await this.activity.record(this.db, { action: 'auth.login_refused', userId: live.id, ...metaOf(meta) });
      throw forbidden('ACCOUNT_SUSPENDED', 'This account is suspended');
    }
    const session = await transaction(this.db, async (tx) => {
      const user = (await usersRepo.update(tx, live.id, { last_login_at: this.clock.now() })) ?? live;
      const tokens = await this.startSession(tx, user.id, meta);
      await this.activity.record(tx, {
        action: 'auth.login',
        userId: user.id,
        actorId: user.id,
        ...metaOf(meta),
      });
      return { user: toUserView(user), tokens };
    });
    await this.events.user(live.id); // last_login_at: the cached row is the whole row
    return session;
  }

  private async recordFailure(key: string): Promise<void> {
    const now = this.clock.now();
    const windowMs = this.settings.lockS * 1000;
    const row = await throttleRepo.addFailure(this.db, key, now);
    if (row.window_start < now - windowMs) {
      await throttleRepo.set(this.db, { ...row, failures: 1, window_start: now, locked_until: null });
    } else if (row.failures >= this.settings.maxFailures) {
      await throttleRepo.set(this.db, {
        ...row,
        failures: 0,
        window_start: now,
        locked_until: now + windowMs,
      });
    }
  }

  /** Rotates a refresh token; a token presented twice revokes its whole family (TOKEN_REUSED). */
  async refresh(refreshToken: string, meta: RequestMeta): Promise<Tokens> {
    const now = this.clock.now();
    const row = await refreshTokensRepo.findByHash(this.db, sha256(refreshToken));
    if (!row || row.expires_at <= now) throw invalidToken();
    if (row.revoked_at !== null) throw invalidToken();
    const user = await usersRepo.findById(this.db, row.user_id);
    if (!user || user.status === 'deleted') throw invalidToken();
    if (user.status === 'suspended') throw forbidden('ACCOUNT_SUSPENDED', 'This account is suspended');
    const outcome = await transaction(this.db, async (tx) => {
      if (!(await refreshTokensRepo.markUsed(tx, row.id, now))) return null;
      return this.issue(tx, user.id, row.family_id, meta);
    });
    if (outcome) return outcome;
    await transaction(this.db, async (tx) => {
      await refreshTokensRepo.revokeFamily(tx, row.family_id, now);
      await this.activity.record(tx, {
        action: 'auth.refresh_reused',
        userId: user.id,
        metadata: { family_id: row.family_id },
        ...metaOf(meta),
      });
    });
    await this.events.session(row.family_id);
    throw unauthorized('TOKEN_REUSED', 'This refresh token was already used; the session is revoked');
  }

  /** Ends the session the refresh token belongs to. Unknown tokens are ignored (logout is idempotent). */
  async logout(refreshToken: string, meta: RequestMeta): Promise<void> {
    const row = await refreshTokensRepo.findByHash(this.db, sha256(refreshToken));
    if (!row || row.revoked_at !== null) return;
    await transaction(this.db, async (tx) => {
      await refreshTokensRepo.revokeFamily(tx, row.family_id, this.clock.now());
      await this.activity.record(tx, {
        action: 'auth.logout',
        userId: row.user_id,
        actorId: row.user_id,
        ...metaOf(meta),
      });
    });
    await this.events.session(row.family_id);
  }

  /** Every other session of the user ends; `sessionId` (the caller's own) stays. */
  async changePassword(
    userId: string,
    sessionId: string,
    current: string,
    next: string,
    meta: RequestMeta,
  ): Promise<void> {
    const user = await usersRepo.findById(this.db, userId);
    if (!user || !(await this.passwords.verify(current, user.password_hash))) {
      throw unauthorized('INVALID_CREDENTIALS', 'The current password is incorrect');
    }
    const hash = await this.passwords.hash(next);
    const now = this.clock.now();
    await transaction(this.db, async (tx) => {
      await usersRepo.update(tx, user.id, { password_hash: hash, updated_at: now });
      await refreshTokensRepo.revokeUser(tx, user.id, now, sessionId);
      await this.accountMail.passwordChanged(tx, user);
      await this.activity.record(tx, {
        action: 'user.password_changed',
        userId: user.id,
        actorId: user.id,
        ...metaOf(meta),
      });
    });
    await this.events.userAndSessions(user.id);
  }

  private startSession(tx: Executor, userId: string, meta: RequestMeta): Promise<Tokens> {
    return this.issue(tx, userId, newId(), meta);
  }

  private async issue(tx: Executor, userId: string, familyId: string, meta: RequestMeta): Promise<Tokens> {
    const now = this.clock.now();
    const refresh = randomToken(32);
    await refreshTokensRepo.insert(tx, {
      id: newId(),
      user_id: userId,
      family_id: familyId,
      token_hash: sha256(refresh),
      created_at: now,
      expires_at: now + this.settings.refreshTtlS * 1000,
      used_at: null,
      revoked_at: null,
      ip: meta.ip,
      user_agent: meta.userAgent ? meta.userAgent.slice(0, 512) : null,
    });
    return {
      access_token: this.signAccess({ sub: userId, sid: familyId }, this.settings.accessTtlS),
      token_type: 'bearer',
      expires_in: this.settings.accessTtlS,
      refresh_token: refresh,
    };
  }
}

function metaOf(meta: RequestMeta) {
  return { ip: meta.ip, userAgent: meta.userAgent };
}
