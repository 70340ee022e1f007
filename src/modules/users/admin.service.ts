/**
 * Operators acting on accounts: find them, change their status or role, delete them. The rules: a
 * suspension or deletion ends every session at once; the last active admin can never be demoted,
 * suspended or deleted (also under concurrent requests); every write lands in the activity log with its
 * actor, before, after and reason.
 */
import { transaction, type Db, type Executor } from '../../db/index.js';
import type { Role, UserRow, UserStatus, UserUpdate } from '../../db/types.js';
import { badRequest, conflict, notFound } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import { randomToken } from '../../lib/secrets.js';
import type { SessionEvents } from '../../sessions/events.js';
import type { ActivityService, RequestMeta } from '../activity/service.js';
import { refreshTokensRepo } from '../auth/repository.js';
import { esimsRepo } from '../esims/repository.js';
import { eventsRepo } from '../events/repository.js';
import { packsRepo } from '../packs/repository.js';
import { usersRepo } from './repository.js';
import type { AdminUserDetail, UserView } from './schemas.js';
import { toUserView } from './service.js';

export interface UserSearch {
  query?: string;
  status?: UserStatus;
  role?: Role;
  limit: number;
  cursor?: string;
}

export interface UserChange {
  status?: 'active' | 'suspended';
  role?: Role;
  reason?: string;
}

/** The address a deleted account gets: unique per account, never deliverable, frees the original. */
export function deletedEmailOf(id: string): string {
  return `deleted+${id}@deleted.invalid`;
}

/** Not a bcrypt string, so no password can ever match it (and login skips deleted accounts anyway). */
function unusablePasswordHash(): string {
  return `!deleted:${randomToken(24)}`;
}

const lastAdmin = () =>
  conflict('LAST_ADMIN', 'The last active admin cannot be demoted, suspended or deleted');

const isActiveAdmin = (u: { role: Role; status: UserStatus }) => u.role === 'admin' && u.status === 'active';

/**
 * Locks the active admins first, then the target: every writer takes the locks in the same order. Returns
 * the target (404 when unknown) and whether another active admin would remain without it.
 */
async function lockTarget(tx: Executor, id: string): Promise<{ before: UserRow; othersRemain: boolean }> {
  const admins = await usersRepo.lockActiveAdmins(tx);
  const before = await usersRepo.findForUpdate(tx, id);
  if (!before) throw notFound('User');
  return { before, othersRemain: admins.some((a) => a !== id) };
}

export class AdminUsersService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
    /** Published to after each commit that writes a users row or revokes sessions (src/sessions). */
    private readonly events: SessionEvents,
  ) {}

  async list(s: UserSearch): Promise<Page<UserView>> {
    const query = s.query?.trim();
    const rows = await usersRepo.list(this.db, {
      query: query || undefined,
      status: s.status,
      role: s.role,
      before: decodeCursor(s.cursor),
      limit: s.limit,
    });
    return toPage(rows, s.limit, toUserView);
  }

  /** One account with counts of its packs, live eSIMs and bytes used. */
  async detail(id: string): Promise<AdminUserDetail> {
    const user = await usersRepo.findById(this.db, id);
    if (!user) throw notFound('User');
    const [packs, esimsCount] = await Promise.all([
      packsRepo.totalsOf(this.db, id),
      esimsRepo.countLive(this.db, id),
    ]);
    return {
      ...toUserView(user),
      deleted_at: iso(user.deleted_at),
      packs_count: packs.packs_count,
      esims_count: esimsCount,
      used_bytes: packs.used_bytes,
    };
  }

  /** Changes status and/or role. A suspension revokes every refresh token of the user. */
  async update(actorId: string, id: string, change: UserChange, meta: RequestMeta): Promise<UserView> {
    if (change.status === undefined && change.role === undefined) {
      throw badRequest('NOTHING_TO_CHANGE', 'Give a status or a role to change', [
        { field: 'body', message: 'needs status or role' },
      ]);
    }
    let changed = false;
    let revoked = false;
    const user = await transaction(this.db, async (tx) => {
      const { before, othersRemain } = await lockTarget(tx, id);
      if (before.status === 'deleted') throw conflict('USER_DELETED', 'This account is deleted');
      const next = { status: change.status ?? before.status, role: change.role ?? before.role };
      if (next.status === before.status && next.role === before.role) return before;
      if (isActiveAdmin(before) && !isActiveAdmin(next) && !othersRemain) throw lastAdmin();

      const now = this.clock.now();
      const after = await this.write(tx, id, { ...next, updated_at: now });
      changed = true;
      if (next.status === 'suspended' && before.status !== 'suspended') {
        await refreshTokensRepo.revokeUser(tx, id, now);
        revoked = true;
        await eventsRepo.emit(tx, {
          type: 'user.suspended',
          userId: id,
          at: now,
          data: { user: { id, status: after.status, role: after.role } },
        });
      }
      await this.log(tx, 'admin.user_updated', actorId, id, meta, {
        before: { status: before.status, role: before.role },
        after: { status: after.status, role: after.role },
        ...(change.reason ? { reason: change.reason } : {}),
      });
      return after;
    });
    if (revoked) await this.events.userAndSessions(id);
    else if (changed) await this.events.user(id);
    return toUserView(user);
  }

  /**
   * Soft delete: the row stays (packs, eSIMs, usage and activity keep pointing at it), personal fields
   * are anonymised, the email is freed for a new registration and every session ends. Deleting a deleted
   * account answers it unchanged.
   */
  async remove(
    actorId: string,
    id: string,
    reason: string | undefined,
    meta: RequestMeta,
  ): Promise<UserView> {
    if (actorId === id) throw conflict('CANNOT_DELETE_SELF', 'An admin cannot delete their own account');
    let deleted = false;
    const user = await transaction(this.db, async (tx) => {
      const { before, othersRemain } = await lockTarget(tx, id);
      if (before.status === 'deleted') return before;
      if (isActiveAdmin(before) && !othersRemain) throw lastAdmin();

      const now = this.clock.now();
      const after = await this.write(tx, id, {
        status: 'deleted',
        deleted_at: now,
        updated_at: now,
        email: deletedEmailOf(id),
        full_name: null,
        phone_number: null,
        password_hash: unusablePasswordHash(),
      });
      await refreshTokensRepo.revokeUser(tx, id, now);
      // the log keeps no personal field of the deleted account: only what changed in kind
      await this.log(tx, 'admin.user_deleted', actorId, id, meta, {
        before: { status: before.status, role: before.role, deleted_at: null },
        after: { status: after.status, role: after.role, deleted_at: iso(now), anonymised: true },
        ...(reason ? { reason } : {}),
      });
      deleted = true;
      return after;
    });
    if (deleted) await this.events.userAndSessions(id);
    return toUserView(user);
  }

  /** An operator's change to account `id`, in the activity log of that account. */
  private log(
    tx: Executor,
    action: string,
    actorId: string,
    id: string,
    meta: RequestMeta,
    metadata: Record<string, unknown>,
  ): Promise<void> {
    return this.activity.record(tx, {
      action,
      userId: id,
      actorId,
      targetType: 'user',
      targetId: id,
      metadata,
      ...meta,
    });
  }

  /** Updates the locked row; it cannot have gone since it was locked. */
  private async write(tx: Executor, id: string, patch: UserUpdate): Promise<UserRow> {
    const after = await usersRepo.update(tx, id, patch);
    if (!after) throw notFound('User');
    return after;
  }
}
