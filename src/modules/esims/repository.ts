/** SQL for eSIMs and their history. Takes the database or a transaction first; holds no rules. */
import type { Executor } from '../../db/index.js';
import type { EsimEventsTable, EsimRow, EsimStatus, EsimsTable } from '../../db/types.js';
import type { Insertable } from 'kysely';

export interface EsimListFilter {
  userId: string;
  /** Without it, deleted eSIMs are left out. */
  status?: EsimStatus;
  /** Keyset: only ids below this one (newest first). */
  before?: string;
  limit: number;
}

export const esimsRepo = {
  findById(db: Executor, id: string): Promise<EsimRow | undefined> {
    return db.selectFrom('esims').selectAll().where('id', '=', id).executeTakeFirst();
  },

  findOwned(db: Executor, userId: string, id: string): Promise<EsimRow | undefined> {
    return db
      .selectFrom('esims')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  },

  /**
   * PostgreSQL only: locks the owner's row until the transaction ends, so concurrent issues for one user
   * count and insert one after another. (SQLite has no FOR UPDATE; BEGIN IMMEDIATE serialises writers.)
   */
  async lockOwner(db: Executor, userId: string): Promise<void> {
    await db.selectFrom('users').select('id').where('id', '=', userId).forUpdate().executeTakeFirst();
  },

  async countLive(db: Executor, userId: string): Promise<number> {
    const row = await db
      .selectFrom('esims')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('status', '!=', 'deleted')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  insert(db: Executor, row: Insertable<EsimsTable>): Promise<EsimRow> {
    return db.insertInto('esims').values(row).returningAll().executeTakeFirstOrThrow();
  },

  list(db: Executor, f: EsimListFilter): Promise<EsimRow[]> {
    let q = db.selectFrom('esims').selectAll().where('user_id', '=', f.userId);
    q = f.status ? q.where('status', '=', f.status) : q.where('status', '!=', 'deleted');
    if (f.before) q = q.where('id', '<', f.before);
    return q
      .orderBy('id', 'desc')
      .limit(f.limit + 1)
      .execute();
  },

  updateLabel(db: Executor, id: string, label: string | null, now: number): Promise<EsimRow | undefined> {
    return db
      .updateTable('esims')
      .set({ label, updated_at: now })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  /**
   * Moves the eSIM only if it is still in `from`: of two concurrent moves from one state, one updates a
   * row and the other none.
   */
  moveStatus(
    db: Executor,
    id: string,
    from: EsimStatus,
    set: { status: EsimStatus; updated_at: number; eid?: string; deleted_at?: number },
  ): Promise<EsimRow | undefined> {
    return db
      .updateTable('esims')
      .set(set)
      .where('id', '=', id)
      .where('status', '=', from)
      .returningAll()
      .executeTakeFirst();
  },

  async insertEvent(db: Executor, event: EsimEventsTable): Promise<void> {
    await db.insertInto('esim_events').values(event).execute();
  },

  listEvents(db: Executor, esimId: string, limit: number, before?: string): Promise<EsimEventsTable[]> {
    let q = db.selectFrom('esim_events').selectAll().where('esim_id', '=', esimId);
    if (before) q = q.where('id', '<', before);
    return q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
  },
};
