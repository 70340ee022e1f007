/** SQL for API keys. Takes the database or a transaction first; holds no rules. */
import type { Executor } from '../../db/index.js';
import type { ApiKeyRow } from '../../db/types.js';

export const apiKeysRepo = {
  async insert(db: Executor, row: ApiKeyRow): Promise<void> {
    await db.insertInto('api_keys').values(row).execute();
  },

  findById(db: Executor, id: string): Promise<ApiKeyRow | undefined> {
    return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** The key that is not revoked and has this SHA-256. */
  findLiveByHash(
    db: Executor,
    hash: string,
  ): Promise<Pick<ApiKeyRow, 'id' | 'name' | 'key_hash'> | undefined> {
    return db
      .selectFrom('api_keys')
      .select(['id', 'name', 'key_hash'])
      .where('key_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
  },

  list(db: Executor, opts: { after?: string; limit: number }): Promise<ApiKeyRow[]> {
    let q = db.selectFrom('api_keys').selectAll();
    if (opts.after) q = q.where('id', '<', opts.after);
    return q
      .orderBy('id', 'desc')
      .limit(opts.limit + 1)
      .execute();
  },

  /** Sets revoked_at unless already revoked; true when this call revoked it. */
  async revoke(db: Executor, id: string, at: number): Promise<boolean> {
    const r = await db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  },

  async touch(db: Executor, id: string, at: number): Promise<void> {
    await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  },
};
