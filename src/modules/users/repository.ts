/** SQL for users. Takes the database or a transaction first; holds no rules. */
import type { Executor } from '../../db/index.js';
import type { NewUser, UserRow, UserUpdate } from '../../db/types.js';

export const usersRepo = {
  findById(db: Executor, id: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** `email` must already be normalised (see normaliseEmail). */
  findByEmail(db: Executor, email: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  },

  async insert(db: Executor, user: NewUser): Promise<UserRow> {
    return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
  },

  async update(db: Executor, id: string, patch: UserUpdate): Promise<UserRow | undefined> {
    return db.updateTable('users').set(patch).where('id', '=', id).returningAll().executeTakeFirst();
  },
};
