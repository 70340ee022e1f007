/** SQL for the demo seed: the catalogue upsert by code and what the demo account already holds. */
import type { Executor } from '../../db/index.js';
import type { PlanRow } from '../../db/types.js';
import { newId } from '../../lib/ids.js';

export interface PlanTerms {
  code: string;
  name: string;
  description: string;
  data_bytes: number;
  validity_days: number;
  price_cents: number;
  currency: string;
  countries: string; // stored form (plans/model.ts countriesText)
}

export const demoRepo = {
  existingCodes(db: Executor, codes: string[]): Promise<{ code: string }[]> {
    return db.selectFrom('plans').select('code').where('code', 'in', codes).execute();
  },

  /** Inserts the plan, or refreshes its terms and re-activates it; the id and created_at of a known code stay. */
  upsertPlan(db: Executor, p: PlanTerms, now: number): Promise<PlanRow> {
    const { code, ...terms } = p;
    return db
      .insertInto('plans')
      .values({ id: newId(), code, ...terms, is_active: 1, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('code').doUpdateSet({ ...terms, is_active: 1, updated_at: now }))
      .returningAll()
      .executeTakeFirstOrThrow();
  },

  async firstPackOf(db: Executor, userId: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('packs')
      .select('id')
      .where('user_id', '=', userId)
      .orderBy('id')
      .executeTakeFirst();
    return row?.id;
  },

  async firstLiveEsimOf(db: Executor, userId: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('esims')
      .select('id')
      .where('user_id', '=', userId)
      .where('status', '!=', 'deleted')
      .orderBy('id')
      .executeTakeFirst();
    return row?.id;
  },
};
