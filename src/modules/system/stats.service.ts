/**
 * The operators' numbers: accounts, packs, data, eSIMs, revenue and daily usage, from SQL aggregates that
 * each owning module's repository computes (the indexes they lean on are in migration 0005).
 */
import type { Db } from '../../db/index.js';
import { DAY_MS, iso, type Clock } from '../../lib/clock.js';
import { ESIM_STATUSES } from '../esims/lifecycle.js';
import { PACK_STATUSES } from '../packs/lifecycle.js';
import type { Stats } from './schemas.js';
import { esimsRepo } from '../esims/repository.js';
import { ordersRepo } from '../packs/orders.repository.js';
import { packsRepo } from '../packs/repository.js';
import { rollupsRepo } from '../usage/rollups.repository.js';
import { usersRepo } from '../users/repository.js';

export const USAGE_DAYS = 30;

export class StatsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async snapshot(): Promise<Stats> {
    const now = this.clock.now();
    const today = Math.floor(now / DAY_MS) * DAY_MS;
    const from = today - (USAGE_DAYS - 1) * DAY_MS;
    const [users, packs, esims, revenue, usage] = await Promise.all([
      usersRepo.countsByStatus(this.db, now - 7 * DAY_MS),
      packsRepo.countsByStatus(this.db, now),
      esimsRepo.countsByStatus(this.db),
      ordersRepo.revenue(this.db),
      rollupsRepo.bytesPerDay(this.db, from, today + DAY_MS),
    ]);

    const userCount = (status: string) => users.find((u) => u.status === status)?.n ?? 0;
    const live = users.filter((u) => u.status !== 'deleted');

    const packsByStatus = zeroes(PACK_STATUSES);
    const data = { sold_bytes: 0, granted_bytes: 0, used_bytes: 0 };
    for (const p of packs) {
      packsByStatus[p.status] = (packsByStatus[p.status] ?? 0) + p.n;
      data.used_bytes += p.used_bytes;
      if (p.status === 'cancelled') continue;
      if (p.paid) data.sold_bytes += p.total_bytes;
      else data.granted_bytes += p.total_bytes;
    }

    const esimsByStatus = zeroes(ESIM_STATUSES);
    for (const e of esims) esimsByStatus[e.status] = e.n;

    // a dense series: one entry per day, zero where nothing was reported
    const perDay = new Map(usage.map((u) => [u.day, u.bytes]));
    const usagePerDay = Array.from({ length: USAGE_DAYS }, (_, i) => {
      const day = from + i * DAY_MS;
      return { day: iso(day).slice(0, 10), bytes: perDay.get(day) ?? 0 };
    });

    return {
      users: {
        total: live.reduce((sum, u) => sum + u.n, 0),
        active: userCount('active'),
        suspended: userCount('suspended'),
        deleted: userCount('deleted'),
        new_7d: live.reduce((sum, u) => sum + u.recent, 0),
      },
      packs: { by_status: packsByStatus },
      data,
      esims: { by_status: esimsByStatus },
      revenue,
      usage_per_day: usagePerDay,
      generated_at: iso(now),
    };
  }
}

function zeroes(keys: readonly string[]): Record<string, number> {
  return Object.fromEntries(keys.map((k) => [k, 0]));
}
