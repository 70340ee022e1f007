/** The caller's own account: profile edits, and creating admins (bootstrap and CLI). */
import { isUniqueViolation, transaction, type Db } from '../../db/index.js';
import type { UserRow } from '../../db/types.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import type { PasswordHasher } from '../auth/passwords.js';
import { normaliseEmail } from './model.js';
import { usersRepo } from './repository.js';

export interface ProfilePatch {
  full_name?: string | null;
  phone_number?: string | null;
}

export class UsersService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly passwords: PasswordHasher,
    private readonly activity: ActivityService,
  ) {}

  async updateProfile(user: UserRow, patch: ProfilePatch, meta: RequestMeta): Promise<UserRow> {
    const changes: ProfilePatch = {};
    if (patch.full_name !== undefined) changes.full_name = patch.full_name?.trim() || null;
    if (patch.phone_number !== undefined) changes.phone_number = patch.phone_number;
    if (Object.keys(changes).length === 0) return user;
    return transaction(this.db, async (tx) => {
      const updated = await usersRepo.update(tx, user.id, { ...changes, updated_at: this.clock.now() });
      await this.activity.record(tx, {
        action: 'user.updated',
        userId: user.id,
        actorId: user.id,
        targetType: 'user',
        targetId: user.id,
        metadata: { fields: Object.keys(changes) },
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
      return updated ?? user;
    });
  }

  /**
   * Makes `email` an active admin with `password`: creates the account, or promotes and re-activates an
   * existing one (keeping its password unless `resetPassword`). Idempotent: safe at every start.
   */
  async ensureAdmin(
    emailInput: string,
    password: string,
    resetPassword: boolean,
  ): Promise<{ user: UserRow; created: boolean }> {
    const email = normaliseEmail(emailInput);
    const existing = await usersRepo.findByEmail(this.db, email);
    const now = this.clock.now();
    if (existing) {
      if (existing.role === 'admin' && existing.status === 'active' && !resetPassword) {
        return { user: existing, created: false };
      }
      const hash = resetPassword ? await this.passwords.hash(password) : existing.password_hash;
      const user = await transaction(this.db, async (tx) => {
        const u = await usersRepo.update(tx, existing.id, {
          role: 'admin',
          status: 'active',
          password_hash: hash,
          updated_at: now,
        });
        await this.activity.record(tx, {
          action: 'admin.bootstrap',
          userId: existing.id,
          targetType: 'user',
          targetId: existing.id,
          metadata: { promoted: true },
        });
        return u ?? existing;
      });
      return { user, created: false };
    }
    const hash = await this.passwords.hash(password);
    try {
      const user = await transaction(this.db, async (tx) => {
        const u = await usersRepo.insert(tx, {
          id: newId(),
          email,
          password_hash: hash,
          full_name: null,
          phone_number: null,
          role: 'admin',
          status: 'active',
          created_at: now,
          updated_at: now,
          last_login_at: null,
          deleted_at: null,
        });
        await this.activity.record(tx, {
          action: 'admin.bootstrap',
          userId: u.id,
          targetType: 'user',
          targetId: u.id,
          metadata: { created: true },
        });
        return u;
      });
      return { user, created: true };
    } catch (err) {
      // another worker bootstrapped the same admin at the same moment
      if (isUniqueViolation(err)) return this.ensureAdmin(emailInput, password, false);
      throw err;
    }
  }
}
