/** SQL for refresh-token families and login throttling. */
import type { Executor } from '../../db/index.js';
import type { Selectable } from 'kysely';
import type { LoginThrottleTable, RefreshTokensTable } from '../../db/types.js';

export type RefreshTokenRow = Selectable<RefreshTokensTable>;

export const refreshTokensRepo = {
  insert(db: Executor, row: RefreshTokenRow): Promise<unknown> {
    return db.insertInto('refresh_tokens').values(row).execute();
  },

  findByHash(db: Executor, hash: string): Promise<RefreshTokenRow | undefined> {
    return db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
  },

  /** Marks a token used, only if nobody else did first; false means it was already used (a reuse). */
  async markUsed(db: Executor, id: string, now: number): Promise<boolean> {
    const r = await db
      .updateTable('refresh_tokens')
      .set({ used_at: now })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  },

  /**
   * Whether session (family) `familyId` of `userId` still stands: one of its tokens is not revoked
   * (authenticate asks it; refresh_tokens_family_idx). Expiry is not asked here: the access token's own
   * `exp` bounds it (checked with the JWT, on the JWT's clock, which is not the app's clock in tests).
   */
  async isFamilyLive(db: Executor, familyId: string, userId: string): Promise<boolean> {
    const row = await db
      .selectFrom('refresh_tokens')
      .select('id')
      .where('family_id', '=', familyId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  },

  async revokeFamily(db: Executor, familyId: string, now: number): Promise<void> {
    await db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute();
  },

  /** Revokes every live token of a user, except one family (the caller's own session) when given. */
  async revokeUser(db: Executor, userId: string, now: number, exceptFamily?: string): Promise<void> {
    let q = db
      .updateTable('refresh_tokens')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (exceptFamily) q = q.where('family_id', '!=', exceptFamily);
    await q.execute();
  },
};

export type ThrottleRow = Selectable<LoginThrottleTable>;

export const throttleRepo = {
  find(db: Executor, key: string): Promise<ThrottleRow | undefined> {
    return db.selectFrom('login_throttle').selectAll().where('email_key', '=', key).executeTakeFirst();
  },

  /** Counts one failure atomically (concurrent guesses all count) and returns the new state. */
  async addFailure(db: Executor, key: string, now: number): Promise<ThrottleRow> {
    return db
      .insertInto('login_throttle')
      .values({ email_key: key, failures: 1, window_start: now, locked_until: null })
      .onConflict((oc) =>
        oc
          .column('email_key')
          .doUpdateSet((eb) => ({ failures: eb(eb.ref('login_throttle.failures'), '+', 1) })),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  async set(db: Executor, row: ThrottleRow): Promise<void> {
    await db
      .updateTable('login_throttle')
      .set({ failures: row.failures, window_start: row.window_start, locked_until: row.locked_until })
      .where('email_key', '=', row.email_key)
      .execute();
  },

  async clear(db: Executor, key: string): Promise<void> {
    await db.deleteFrom('login_throttle').where('email_key', '=', key).execute();
  },
};
