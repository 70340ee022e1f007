/** SQL for the admin view of accounts. Takes the database or a transaction first; holds no rules. */
import { sql } from 'kysely';
import { likePattern, type Dialect, type Executor } from '../../db/index.js';
import type { Role, UserRow, UserStatus } from '../../db/types.js';

export interface UserListFilter {
  query?: string;
  /** Without a status, deleted accounts are left out. */
  status?: UserStatus;
  role?: Role;
  /** Keyset: only ids below this one (newest first). */
  before?: string;
  limit: number;
}

export interface UserFootprint {
  packs_count: number;
  esims_count: number;
  used_bytes: number;
}

export const adminUsersRepo = {
  /** Newest first by id (UUIDv7), `limit + 1` rows so the caller can tell whether more exist. */
  list(db: Executor, f: UserListFilter): Promise<UserRow[]> {
    let q = db.selectFrom('users').selectAll();
    q = f.status ? q.where('status', '=', f.status) : q.where('status', '!=', 'deleted');
    if (f.role) q = q.where('role', '=', f.role);
    if (f.query) {
      // LOWER on both sides and an explicit ESCAPE: the same case-insensitive substring match on both
      // dialects (SQLite's LIKE is case-insensitive for ASCII only, PostgreSQL's LIKE is case-sensitive)
      const pattern = likePattern(f.query);
      q = q.where(
        sql<boolean>`(lower(email) like lower(${pattern}) escape '\\' or lower(full_name) like lower(${pattern}) escape '\\')`,
      );
    }
    if (f.before) q = q.where('id', '<', f.before);
    return q
      .orderBy('id', 'desc')
      .limit(f.limit + 1)
      .execute();
  },

  /** The user's packs, live eSIMs and bytes debited from their packs, in one round trip. */
  async footprint(db: Executor, userId: string): Promise<UserFootprint> {
    const row = await db
      .selectNoFrom((eb) => [
        eb
          .selectFrom('packs')
          .select((e) => e.fn.countAll<number>().as('n'))
          .where('user_id', '=', userId)
          .as('packs_count'),
        eb
          .selectFrom('esims')
          .select((e) => e.fn.countAll<number>().as('n'))
          .where('user_id', '=', userId)
          .where('status', '!=', 'deleted')
          .as('esims_count'),
        eb
          .selectFrom('packs')
          .select((e) => e.fn.coalesce(e.fn.sum<number>('used_bytes'), sql.lit(0)).as('n'))
          .where('user_id', '=', userId)
          .as('used_bytes'),
      ])
      .executeTakeFirstOrThrow();
    return {
      packs_count: Number(row.packs_count ?? 0),
      esims_count: Number(row.esims_count ?? 0),
      used_bytes: Number(row.used_bytes ?? 0),
    };
  },

  /**
   * Reads the ids of the active admins. On PostgreSQL it locks those rows (in id order, so concurrent
   * callers queue instead of deadlocking) until the transaction ends; a second caller that waited then
   * sees the first one's change. On SQLite the transaction already holds the database write lock
   * (BEGIN IMMEDIATE), which serialises the same way.
   */
  async lockActiveAdmins(db: Executor, dialect: Dialect): Promise<string[]> {
    let q = db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('status', '=', 'active')
      .orderBy('id');
    if (dialect === 'postgres') q = q.forUpdate();
    return (await q.execute()).map((r) => r.id);
  },

  /** The user row, locked for the rest of the transaction on PostgreSQL. */
  findForUpdate(db: Executor, dialect: Dialect, id: string): Promise<UserRow | undefined> {
    let q = db.selectFrom('users').selectAll().where('id', '=', id);
    if (dialect === 'postgres') q = q.forUpdate();
    return q.executeTakeFirst();
  },
};
