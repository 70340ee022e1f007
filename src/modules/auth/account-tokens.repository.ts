/**
 * SQL for the single-use links of account e-mails (password reset, e-mail verification). Only the SHA-256
 * of a token is stored; a token is used once (`used_at`), before `expires_at`.
 */
import type { Executor } from '../../db/index.js';
import type { AccountTokenPurpose, AccountTokenRow } from '../../db/types.js';

export const accountTokensRepo = {
  async insert(db: Executor, row: AccountTokenRow): Promise<void> {
    await db.insertInto('account_tokens').values(row).execute();
  },

  /** The token with this hash and purpose, locked until the transaction ends. */
  findForUpdate(
    db: Executor,
    hash: string,
    purpose: AccountTokenPurpose,
  ): Promise<AccountTokenRow | undefined> {
    return db
      .selectFrom('account_tokens')
      .selectAll()
      .where('token_hash', '=', hash)
      .where('purpose', '=', purpose)
      .forUpdate()
      .executeTakeFirst();
  },

  /** Uses every unused token of a user for `purpose` (the one just presented, and older links). */
  async useAll(db: Executor, userId: string, purpose: AccountTokenPurpose, now: number): Promise<number> {
    const r = await db
      .updateTable('account_tokens')
      .set({ used_at: now })
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },

  /** Tokens of a user for `purpose` created after `since` (bounds how many links one can ask for). */
  async countSince(
    db: Executor,
    userId: string,
    purpose: AccountTokenPurpose,
    since: number,
  ): Promise<number> {
    const row = await db
      .selectFrom('account_tokens')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('created_at', '>', since)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  },

  /** Housekeeping: forgets tokens that expired before `before`. */
  async deleteExpired(db: Executor, before: number): Promise<void> {
    await db.deleteFrom('account_tokens').where('expires_at', '<', before).execute();
  },
};
