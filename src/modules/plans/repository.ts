/** SQL for the catalogue. Takes the database or a transaction first; holds no rules. */
import type { Selectable, Updateable } from 'kysely';
import type { Executor } from '../../db/index.js';
import type { PlanRow, PlansTable } from '../../db/types.js';

export interface PlanSearch {
  activeOnly?: boolean;
  inactiveOnly?: boolean;
  /** An upper-case ISO 3166-1 alpha-2 code, already validated: it is matched inside the JSON text. */
  country?: string;
  after?: string;
  limit: number;
}

export const plansRepo = {
  findById(db: Executor, id: string): Promise<PlanRow | undefined> {
    return db.selectFrom('plans').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** The plan with this catalogue code (codes are unique), active or not. */
  findByCode(db: Executor, code: string): Promise<PlanRow | undefined> {
    return db.selectFrom('plans').selectAll().where('code', '=', code).executeTakeFirst();
  },

  /** Newest first, `limit + 1` rows (for toPage). */
  list(db: Executor, s: PlanSearch): Promise<PlanRow[]> {
    let q = db.selectFrom('plans').selectAll();
    if (s.activeOnly) q = q.where('is_active', '=', 1);
    if (s.inactiveOnly) q = q.where('is_active', '=', 0);
    // countries is a sorted JSON array of two-letter codes: `"FR"` with its quotes matches FR only
    if (s.country) q = q.where('countries', 'like', `%"${s.country}"%`);
    if (s.after) q = q.where('id', '<', s.after);
    return q
      .orderBy('id', 'desc')
      .limit(s.limit + 1)
      .execute();
  },

  insert(db: Executor, row: Selectable<PlansTable>): Promise<PlanRow> {
    return db.insertInto('plans').values(row).returningAll().executeTakeFirstOrThrow();
  },

  update(db: Executor, id: string, patch: Updateable<PlansTable>): Promise<PlanRow | undefined> {
    return db.updateTable('plans').set(patch).where('id', '=', id).returningAll().executeTakeFirst();
  },
};
