/** SQL for eSIMs and their history. Takes the database or a transaction first; holds no rules. */
import type { Executor } from '../../db/index.js';
import type { Database, EsimEventsTable, EsimRow, EsimStatus, EsimsTable } from '../../db/types.js';
import { sql, type ExpressionBuilder, type Insertable, type Updateable } from 'kysely';

export interface EsimListFilter {
  userId: string;
  /** Without it, deleted eSIMs are left out. */
  status?: EsimStatus;
  /** Keyset: only ids below this one (newest first). */
  before?: string;
  limit: number;
}

/** The operators' filter over everyone's eSIMs: every status unless one is asked for. */
export interface EsimSearchFilter {
  userId?: string;
  status?: EsimStatus;
  iccid?: string;
  before?: string;
  limit: number;
}

/**
 * The one meaning of a live eSIM: not deleted (`deleted_at` is set in the same move that sets the status
 * to deleted). Every read of live eSIMs (the per-user limit, binding a pack, the user lists) uses it.
 */
const live = (eb: ExpressionBuilder<Database, 'esims'>) => eb('status', '!=', 'deleted');

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

  async countLive(db: Executor, userId: string): Promise<number> {
    const row = await db
      .selectFrom('esims')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where(live)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  insert(db: Executor, row: Insertable<EsimsTable>): Promise<EsimRow> {
    return db.insertInto('esims').values(row).returningAll().executeTakeFirstOrThrow();
  },

  list(db: Executor, f: EsimListFilter): Promise<EsimRow[]> {
    let q = db.selectFrom('esims').selectAll().where('user_id', '=', f.userId);
    q = f.status ? q.where('status', '=', f.status) : q.where(live);
    if (f.before) q = q.where('id', '<', f.before);
    return q
      .orderBy('id', 'desc')
      .limit(f.limit + 1)
      .execute();
  },

  /** Everyone's eSIMs for operators, newest first, `limit + 1` rows. */
  search(db: Executor, f: EsimSearchFilter): Promise<EsimRow[]> {
    let q = db.selectFrom('esims').selectAll();
    if (f.userId) q = q.where('user_id', '=', f.userId);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.iccid) q = q.where('iccid', '=', f.iccid);
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
   * row and the other none. `unordered`: only while no SM-DP+ order is recorded on it (the move records one).
   */
  moveStatus(
    db: Executor,
    id: string,
    from: EsimStatus,
    set: Updateable<EsimsTable> & { status: EsimStatus; updated_at: number },
    unordered = false,
  ): Promise<EsimRow | undefined> {
    let q = db.updateTable('esims').set(set).where('id', '=', id).where('status', '=', from);
    if (unordered) q = q.where('smdp_ordered_at', 'is', null);
    return q.returningAll().executeTakeFirst();
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

  /** `userId`'s eSIM when it is live (see `live`), else undefined. */
  findLiveOwned(db: Executor, userId: string, esimId: string): Promise<EsimRow | undefined> {
    return db
      .selectFrom('esims')
      .selectAll()
      .where('id', '=', esimId)
      .where('user_id', '=', userId)
      .where(live)
      .executeTakeFirst();
  },

  /** The eSIMs with these ICCIDs, deleted ones included (usage ingestion resolves its records by ICCID). */
  findByIccids(
    db: Executor,
    iccids: string[],
  ): Promise<(Pick<EsimRow, 'id' | 'user_id' | 'status'> & { iccid: string })[]> {
    if (iccids.length === 0) return Promise.resolve([]);
    return db
      .selectFrom('esims')
      .select(['id', 'user_id', 'iccid', 'status'])
      .where('iccid', 'in', iccids)
      .$narrowType<{ iccid: string }>()
      .execute();
  },

  /** The user's eSIM created with this Idempotency-Key. */
  findByKey(db: Executor, userId: string, key: string): Promise<EsimRow | undefined> {
    return db
      .selectFrom('esims')
      .selectAll()
      .where('user_id', '=', userId)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
  },

  findByIccid(db: Executor, iccid: string): Promise<EsimRow | undefined> {
    return db.selectFrom('esims').selectAll().where('iccid', '=', iccid).executeTakeFirst();
  },

  setIccid(db: Executor, id: string, iccid: string): Promise<EsimRow | undefined> {
    return db.updateTable('esims').set({ iccid }).where('id', '=', id).returningAll().executeTakeFirst();
  },

  /** DownloadOrder answered: the ICCID is ours now (only the first answer, while still provisioning). */
  recordOrdered(db: Executor, id: string, iccid: string, now: number): Promise<EsimRow | undefined> {
    return db
      .updateTable('esims')
      .set({ iccid, smdp_ordered_at: now, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'provisioning')
      .where('smdp_ordered_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  },

  /** Notes an SM-DP+ status on a row still provisioning (e.g. a DownloadOrder whose answer was lost). */
  async setProvisioningStatus(db: Executor, id: string, status: string, now: number): Promise<void> {
    await db
      .updateTable('esims')
      .set({ smdp_status: status, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'provisioning')
      .execute();
  },

  /**
   * Frees the Idempotency-Keys of eSIMs created at or before `before`, except orders still provisioning
   * (a retry with the key completes them); the number freed.
   */
  async clearKeysBefore(db: Executor, before: number, now: number): Promise<number> {
    const r = await db
      .updateTable('esims')
      .set({ idempotency_key: null, request_hash: null, updated_at: now })
      .where('idempotency_key', 'is not', null)
      .where('created_at', '<=', before)
      .where('status', '!=', 'provisioning')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },

  /** Frees one eSIM's Idempotency-Key (past its window, before the sweep got to it). */
  async clearKey(db: Executor, id: string, now: number): Promise<void> {
    await db
      .updateTable('esims')
      .set({ idempotency_key: null, request_hash: null, updated_at: now })
      .where('id', '=', id)
      .execute();
  },

  /** An order started again with a new confirmation code (its hash): no SM-DP+ order recorded any more. */
  restartOrder(db: Executor, id: string, codeHash: string, now: number): Promise<EsimRow | undefined> {
    return db
      .updateTable('esims')
      .set({ smdp_ordered_at: null, confirmation_code_hash: codeHash, updated_at: now })
      .where('id', '=', id)
      .where('status', '=', 'provisioning')
      .returningAll()
      .executeTakeFirst();
  },

  /** Rows still provisioning whose last change is older than `before` (the reconciler's work). */
  stuckProvisioning(db: Executor, before: number, limit: number): Promise<EsimRow[]> {
    return db
      .selectFrom('esims')
      .selectAll()
      .where('status', '=', 'provisioning')
      .where('updated_at', '<', before)
      .orderBy('updated_at')
      .limit(limit)
      .execute();
  },

  /**
   * The reconciler takes a row by counting an attempt, only if nobody changed it since it was read: of
   * two instances reconciling at once, one gets it.
   */
  claim(db: Executor, row: EsimRow, now: number): Promise<EsimRow | undefined> {
    return db
      .updateTable('esims')
      .set({ provision_attempts: sql<number>`provision_attempts + 1`, updated_at: now })
      .where('id', '=', row.id)
      .where('status', '=', 'provisioning')
      .where('updated_at', '=', row.updated_at)
      .returningAll()
      .executeTakeFirst();
  },

  /** eSIMs per status (the stats). */
  async countsByStatus(db: Executor): Promise<{ status: string; n: number }[]> {
    const rows = await db
      .selectFrom('esims')
      .select((eb) => ['status', eb.fn.countAll().as('n')])
      .groupBy('status')
      .execute();
    return rows.map((r) => ({ status: r.status, n: Number(r.n ?? 0) }));
  },
};
