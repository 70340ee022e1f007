/**
 * Operators' read-only lists over everyone's packs and eSIMs, rendered with the same views the
 * owners see (packs/model.ts, esims/model.ts).
 */
import type { Db } from '../../db/index.js';
import type { EsimStatus, PackStatus } from '../../db/types.js';
import type { Clock } from '../../lib/clock.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import type { ActivityService } from '../activity/service.js';
import { oversightRepo } from './oversight.repository.js';
import { toEsimView, type EsimView } from '../esims/model.js';
import { toPackView, type PackView } from '../packs/model.js';

export interface PackSearch {
  userId?: string;
  status?: PackStatus;
  planId?: string;
  esimId?: string;
  limit: number;
  cursor?: string;
}

export interface EsimSearch {
  userId?: string;
  status?: EsimStatus;
  iccid?: string;
  limit: number;
  cursor?: string;
}

export class OversightService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly activity: ActivityService,
  ) {}

  async packs(s: PackSearch): Promise<Page<PackView>> {
    const now = this.clock.now();
    const rows = await oversightRepo.listPacks(this.db, {
      userId: s.userId,
      status: s.status,
      planId: s.planId,
      esimId: s.esimId,
      before: decodeCursor(s.cursor),
      limit: s.limit,
      now,
    });
    return toPage(rows, s.limit, (p) => toPackView(p, now));
  }

  async esims(s: EsimSearch): Promise<Page<EsimView>> {
    const rows = await oversightRepo.listEsims(this.db, {
      userId: s.userId,
      status: s.status,
      iccid: s.iccid,
      before: decodeCursor(s.cursor),
      limit: s.limit,
    });
    return toPage(rows, s.limit, toEsimView);
  }
}
