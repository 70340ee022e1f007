/**
 * The aggregates behind GET /admin/stats: COUNT / SUM over one table each, written so the same SQL text
 * means the same thing on SQLite and PostgreSQL (integer epoch-ms arithmetic, CASE instead of FILTER,
 * counts and sums normalised to numbers). The indexes they lean on are in migration 0005 (admin indexes).
 */
import { sql } from 'kysely';
import type { Executor } from '../../db/index.js';

export interface UserCountRow {
  status: string;
  n: number;
  recent: number;
}

export interface PackCountRow {
  status: string;
  paid: number;
  n: number;
  total_bytes: number;
  used_bytes: number;
}

const num = (v: unknown): number => Number(v ?? 0);

export const statsRepo = {
  /** Accounts per status, and how many of them were created at or after `since`. */
  async userCounts(db: Executor, since: number): Promise<UserCountRow[]> {
    const rows = await db
      .selectFrom('users')
      .select((eb) => [
        'status',
        eb.fn.countAll().as('n'),
        eb.fn.sum(eb.case().when('created_at', '>=', since).then(1).else(0).end()).as('recent'),
      ])
      .groupBy('status')
      .execute();
    return rows.map((r) => ({ status: r.status, n: num(r.n), recent: num(r.recent) }));
  },

  /**
   * Packs per status as a reader sees it at `now` (an active pack past its expiry is expired) and per
   * paid/free, with their data totals.
   */
  async packCounts(db: Executor, now: number): Promise<PackCountRow[]> {
    const status = sql<string>`case when status = 'active' and expires_at is not null and expires_at <= ${now} then 'expired' else status end`;
    const paid = sql<number>`case when price_cents > 0 then 1 else 0 end`;
    const rows = await db
      .selectFrom('packs')
      .select((eb) => [
        status.as('status'),
        paid.as('paid'),
        eb.fn.countAll().as('n'),
        eb.fn.sum('total_bytes').as('total_bytes'),
        eb.fn.sum('used_bytes').as('used_bytes'),
      ])
      // by position: the CASE holds a parameter, and PostgreSQL matches GROUP BY expressions textually
      .groupBy([sql`1`, sql`2`])
      .execute();
    return rows.map((r) => ({
      status: r.status,
      paid: num(r.paid),
      n: num(r.n),
      total_bytes: num(r.total_bytes),
      used_bytes: num(r.used_bytes),
    }));
  },

  async esimCounts(db: Executor): Promise<{ status: string; n: number }[]> {
    const rows = await db
      .selectFrom('esims')
      .select((eb) => ['status', eb.fn.countAll().as('n')])
      .groupBy('status')
      .execute();
    return rows.map((r) => ({ status: r.status, n: num(r.n) }));
  },

  /** Money taken: paid orders per currency (refunded, failed and free orders are not revenue). */
  async revenue(db: Executor): Promise<{ currency: string; cents: number }[]> {
    const rows = await db
      .selectFrom('orders')
      .select((eb) => ['currency', eb.fn.sum('amount_cents').as('cents')])
      .where('status', '=', 'paid')
      .where('amount_cents', '>', 0)
      .groupBy('currency')
      .orderBy('currency')
      .execute();
    return rows.map((r) => ({ currency: r.currency, cents: num(r.cents) }));
  },

  /**
   * Reported usage per UTC day for the days starting at `from` (a UTC midnight) up to `to`: one row per day,
   * 0 where nothing was reported. A recursive CTE lists the days and a correlated SUM reads each day's
   * range of the (occurred_at, bytes) index: index-only on both dialects, with no sort of the records
   * (a GROUP BY on the day expression would sort every record of the window first).
   */
  async usagePerDay(db: Executor, from: number, to: number): Promise<{ day: number; bytes: number }[]> {
    const { rows } = await sql<{ day: unknown; bytes: unknown }>`
      with recursive days(day) as (
        select cast(${from} as bigint)
        union all
        select day + 86400000 from days where day + 86400000 < ${to}
      )
      select day,
             (select coalesce(sum(bytes), 0) from usage_records
               where occurred_at >= days.day and occurred_at < days.day + 86400000) as bytes
      from days
      order by day`.execute(db);
    return rows.map((r) => ({ day: num(r.day), bytes: num(r.bytes) }));
  },
};
