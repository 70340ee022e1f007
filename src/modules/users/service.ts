/**
 * The caller's own account (profile, profile edits) and creating admins (bootstrap and CLI). Also the
 * rules on accounts every module shares: how an email is normalised, and the public view of a user.
 */
import { isUniqueViolation, transaction, type Db, type Executor } from '../../db/index.js';
import type { UserRow } from '../../db/types.js';
import { notFound } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import { SessionEvents } from '../../sessions/events.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import type { PasswordHasher } from '../auth/passwords.js';
import { usersRepo } from './repository.js';
import type { ProfilePatch, UserView } from './schemas.js';

/**
 * Emails compare case-insensitively: stored trimmed, in Unicode NFC and lower-cased, with a unique index on
 * lower(email). Every path that takes an email (register, login, token, admin) goes through here.
 */
export function normaliseEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

/** Never exposes the password hash: the view is built field by field. */
export function toUserView(u: UserRow): UserView {
  return {
    id: u.id,
    email: u.email,
    full_name: u.full_name,
    phone_number: u.phone_number,
    role: u.role,
    status: u.status,
    created_at: iso(u.created_at),
    last_login_at: iso(u.last_login_at),
    email_verified_at: iso(u.email_verified_at),
    email_notifications: Boolean(u.email_notifications),
  };
}

export class UsersService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly passwords: PasswordHasher,
    private readonly activity: ActivityService,
    /**
     * Published to after each commit that writes a users row (src/sessions). None by default: the
     * server's start-up bootstrap runs before it serves.
     */
    private readonly events: SessionEvents = SessionEvents.none,
  ) {}

  /** The public view of a row the caller already holds (the authenticated user: no query). */
  view(user: UserRow): UserView {
    return toUserView(user);
  }

  async profile(userId: string): Promise<UserView> {
    const user = await usersRepo.findById(this.db, userId);
    if (!user) throw notFound('User');
    return toUserView(user);
  }

  async updateProfile(userId: string, patch: ProfilePatch, meta: RequestMeta): Promise<UserView> {
    const changes: Omit<ProfilePatch, 'email_notifications'> & { email_notifications?: number } = {};
    if (patch.full_name !== undefined) changes.full_name = patch.full_name?.trim() || null;
    if (patch.phone_number !== undefined) changes.phone_number = patch.phone_number;
    if (patch.email_notifications !== undefined)
      changes.email_notifications = patch.email_notifications ? 1 : 0;
    if (Object.keys(changes).length === 0) return this.profile(userId);
    const updated = await transaction(this.db, async (tx) => {
      const u = await usersRepo.update(tx, userId, { ...changes, updated_at: this.clock.now() });
      await this.activity.record(tx, {
        action: 'user.updated',
        userId,
        actorId: userId,
        targetType: 'user',
        targetId: userId,
        metadata: { fields: Object.keys(changes) },
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
      return u;
    });
    if (!updated) throw notFound('User');
    await this.events.user(userId);
    return toUserView(updated);
  }

  /**
   * Makes `email` an active admin with `password`: creates the account, or promotes and re-activates an
   * existing one (keeping its password unless `resetPassword`). Idempotent: safe at every start.
   * `passwordHash`: a bcrypt hash of `password` already under way (the server starts it while the
   * migrations of a fresh database run); used instead of hashing here, ignored when no hash is needed.
   */
  async ensureAdmin(
    emailInput: string,
    password: string,
    resetPassword: boolean,
    passwordHash?: Promise<string>,
  ): Promise<{ user: UserView; created: boolean }> {
    const email = normaliseEmail(emailInput);
    const hash = () => passwordHash ?? this.passwords.hash(password);
    const existing = await usersRepo.findByEmail(this.db, email);
    if (existing) {
      const user = await this.promote(existing, resetPassword ? hash : undefined);
      return { user: toUserView(user), created: false };
    }
    try {
      return { user: toUserView(await this.createAdmin(email, await hash())), created: true };
    } catch (err) {
      // another worker bootstrapped the same admin at the same moment
      if (isUniqueViolation(err)) return this.ensureAdmin(emailInput, password, false);
      throw err;
    }
  }

  /** Makes an existing account an active admin; sets its password only when a new hash is given. */
  private async promote(existing: UserRow, newHash: (() => Promise<string>) | undefined): Promise<UserRow> {
    if (existing.role === 'admin' && existing.status === 'active' && newHash === undefined) {
      return existing;
    }
    const hash = newHash === undefined ? existing.password_hash : await newHash();
    const promoted = await transaction(this.db, async (tx) => {
      const u = await usersRepo.update(tx, existing.id, {
        role: 'admin',
        status: 'active',
        password_hash: hash,
        updated_at: this.clock.now(),
      });
      await this.logBootstrap(tx, existing.id, { promoted: true });
      return u ?? existing;
    });
    // no session is revoked here (a password reset keeps them); if that changes, publish userSessions too
    await this.events.user(existing.id);
    return promoted;
  }

  private createAdmin(email: string, passwordHash: string): Promise<UserRow> {
    return transaction(this.db, async (tx) => {
      const u = await usersRepo.create(tx, { email, passwordHash, role: 'admin' }, this.clock.now());
      await this.logBootstrap(tx, u.id, { created: true });
      return u;
    });
  }

  private logBootstrap(tx: Executor, userId: string, metadata: Record<string, unknown>): Promise<void> {
    return this.activity.record(tx, {
      action: 'admin.bootstrap',
      userId,
      targetType: 'user',
      targetId: userId,
      metadata,
    });
  }
}
