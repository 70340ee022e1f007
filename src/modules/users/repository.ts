/** SQL for users. Takes the database or a transaction first; holds no rules. */
import { expressionBuilder, sql, type Expression } from 'kysely';
import { likePattern, type Executor } from '../../db/index.js';
import type { Database, Role, UserRow, UserStatus, UserUpdate } from '../../db/types.js';
import { newId } from '../../lib/ids.js';

/** A new account: every path that creates one (register, admin bootstrap, demo seed) goes through here. */
export interface NewAccount {
  /** Already normalised (see normaliseEmail). */
  email: string;
  passwordHash: string;
  fullName?: string | null;
  phoneNumber?: string | null;
  /** 'user' unless given. */
  role?: Role;
  /** Set when the account is created by its own sign-in (registration); null otherwise. */
  lastLoginAt?: number | null;
}

export interface UserListFilter {
  query?: string;
  /** Without a status, deleted accounts are left out. */
  status?: UserStatus;
  role?: Role;
  /** Keyset: only ids below this one (newest first). */
  before?: string;
  limit: number;
}

export const usersRepo = {
  findById(db: Executor, id: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /**
   * What an e-mail needs of the user whose id is `id` (a column of another statement), as one subquery that
   * statement returns alongside its rows (`owner`: a JSON object of email, full_name, status and
   * email_notifications, or null when there is no such user): the event outbox reads the owners of the
   * events it writes in its own INSERT rather than in one more round trip per event. One subquery, not
   * four: PostgreSQL plans each one anew per statement. Built once by the caller (it runs no query).
   */
  mailFactsOf(id: Expression<string | null>) {
    return expressionBuilder<Database, never>()
      .selectFrom('users')
      .select((eb) =>
        eb
          .fn<unknown>('json_build_object', [
            sql.lit('email'),
            eb.ref('email'),
            sql.lit('full_name'),
            eb.ref('full_name'),
            sql.lit('status'),
            eb.ref('status'),
            sql.lit('email_notifications'),
            eb.ref('email_notifications'),
          ])
          .as('facts'),
      )
      .where('users.id', '=', id)
      .as('owner');
  },

  /** The user row, locked until the transaction ends. */
  findForUpdate(db: Executor, id: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  },

  /** `email` must already be normalised (see normaliseEmail). */
  findByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  },

  /** Inserts an active account created at `now`; a taken email is a unique violation. */
  create(db: Executor, a: NewAccount, now: number): Promise<UserRow> {
    return db
      .insertInto('users')
      .values({
        id: newId(),
        email: a.email,
        password_hash: a.passwordHash,
        full_name: a.fullName ?? null,
        phone_number: a.phoneNumber ?? null,
        role: a.role ?? 'user',
        status: 'active',
        created_at: now,
        updated_at: now,
        last_login_at: a.lastLoginAt ?? null,
        deleted_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  update(db: Executor, id: string, patch: UserUpdate): Promise<UserRow | undefined> {
    return db.updateTable('users').set(patch).where('id', '=', id).returningAll().executeTakeFirst();
  },

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

  /**
   * Reads the ids of the active admins and locks those rows (in id order, so concurrent callers queue
   * instead of deadlocking) until the transaction ends; a second caller that waited then sees the first
   * one's change.
   */
  async lockActiveAdmins(db: Executor): Promise<string[]> {
    const rows = await db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('status', '=', 'active')
      .orderBy('id')
      .forUpdate()
      .execute();
    return rows.map((r) => r.id);
  },

  /** Accounts per status, and how many of them were created at or after `since` (the stats). */
  async countsByStatus(
    db: Executor,
    since: number,
  ): Promise<{ status: string; n: number; recent: number }[]> {
    const rows = await db
      .selectFrom('users')
      .select((eb) => [
        'status',
        eb.fn.countAll().as('n'),
        eb.fn.sum(eb.case().when('created_at', '>=', since).then(1).else(0).end()).as('recent'),
      ])
      .groupBy('status')
      .execute();
    return rows.map((r) => ({ status: r.status, n: Number(r.n ?? 0), recent: Number(r.recent ?? 0) }));
  },
};
