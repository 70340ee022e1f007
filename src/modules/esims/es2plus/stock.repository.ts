/** SQL for the operator's profile stock (esim_profiles) and its low-water marks (esim_stock_levels). */
import type { Executor } from '../../../db/index.js';
import type { EsimProfilesTable, ProfileStockState } from '../../../db/types.js';

export const stockRepo = {
  /** Inserts the rows whose ICCID is new; returns how many were inserted (a re-import inserts none). */
  async insertNew(db: Executor, rows: EsimProfilesTable[]): Promise<number> {
    if (rows.length === 0) return 0;
    const r = await db
      .insertInto('esim_profiles')
      .values(rows)
      .onConflict((oc) => oc.column('iccid').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n);
  },

  /** Which of these ICCIDs are already in stock, with their profile type. */
  async findByIccids(db: Executor, iccids: string[]): Promise<{ iccid: string; profile_type: string }[]> {
    if (iccids.length === 0) return [];
    return db
      .selectFrom('esim_profiles')
      .select(['iccid', 'profile_type'])
      .where('iccid', 'in', iccids)
      .execute();
  },

  async hasType(db: Executor, profileType: string): Promise<boolean> {
    const row = await db
      .selectFrom('esim_profiles')
      .select('id')
      .where('profile_type', '=', profileType)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  },

  /**
   * Takes the first available profile of the type for `esimId`. Of two concurrent takers of one row the
   * second updates nothing (its `state = 'available'` no longer holds) and the caller tries again.
   */
  async take(db: Executor, profileType: string, esimId: string, now: number) {
    const next = db
      .selectFrom('esim_profiles')
      .select('id')
      .where('profile_type', '=', profileType)
      .where('state', '=', 'available')
      .orderBy('iccid')
      .limit(1);
    return db
      .updateTable('esim_profiles')
      .set({ state: 'allocated', esim_id: esimId, updated_at: now })
      .where('id', '=', next)
      .where('state', '=', 'available')
      .returningAll()
      .executeTakeFirst();
  },

  async setState(db: Executor, iccid: string, state: ProfileStockState, now: number): Promise<void> {
    await db
      .updateTable('esim_profiles')
      .set({ state, updated_at: now, ...(state === 'available' ? { esim_id: null } : {}) })
      .where('iccid', '=', iccid)
      .execute();
  },

  async countAvailable(db: Executor, profileType: string): Promise<{ available: number; total: number }> {
    const row = await db
      .selectFrom('esim_profiles')
      .select((eb) => [
        eb.fn.countAll<number>().as('total'),
        eb.fn.sum<number>(eb.case().when('state', '=', 'available').then(1).else(0).end()).as('available'),
      ])
      .where('profile_type', '=', profileType)
      .executeTakeFirstOrThrow();
    return { available: Number(row.available ?? 0), total: Number(row.total ?? 0) };
  },

  /** Counts per profile type and state. */
  async levels(db: Executor): Promise<{ profile_type: string; state: ProfileStockState; n: number }[]> {
    const rows = await db
      .selectFrom('esim_profiles')
      .select((eb) => ['profile_type', 'state', eb.fn.countAll<number>().as('n')])
      .groupBy(['profile_type', 'state'])
      .orderBy('profile_type')
      .execute();
    return rows.map((r) => ({ ...r, n: Number(r.n) }));
  },

  async lowWaterMarks(db: Executor): Promise<{ profile_type: string; low_water: number }[]> {
    return db.selectFrom('esim_stock_levels').select(['profile_type', 'low_water']).execute();
  },

  async lowWater(db: Executor, profileType: string): Promise<number | undefined> {
    const row = await db
      .selectFrom('esim_stock_levels')
      .select('low_water')
      .where('profile_type', '=', profileType)
      .executeTakeFirst();
    return row?.low_water;
  },

  async setLowWater(db: Executor, profileType: string, lowWater: number, now: number): Promise<void> {
    await db
      .insertInto('esim_stock_levels')
      .values({ profile_type: profileType, low_water: lowWater, updated_at: now })
      .onConflict((oc) => oc.column('profile_type').doUpdateSet({ low_water: lowWater, updated_at: now }))
      .execute();
  },
};
