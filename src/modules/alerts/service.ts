/**
 * Admin alerts: the things an operator must look at. Other modules raise them through `alertsRepo.raise`
 * inside their own transaction; this service lists them and marks them read.
 */
import type { Db } from '../../db/index.js';
import type { AdminAlertRow } from '../../db/types.js';
import { notFound } from '../../errors.js';
import { iso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import { alertsRepo } from './repository.js';
import type { AlertView } from './schemas.js';

export function toAlertView(r: AdminAlertRow): AlertView {
  return {
    id: r.id,
    kind: r.kind,
    message: r.message,
    ref_type: r.ref_type,
    ref_id: r.ref_id,
    created_at: iso(r.created_at),
    read_at: r.read_at === null ? null : iso(r.read_at),
    read_by: r.read_by,
  };
}

export class AlertsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async list(q: {
    unread: boolean;
    kind?: string;
    limit: number;
    cursor?: string;
  }): Promise<Page<AlertView>> {
    const rows = await alertsRepo.list(this.db, {
      unread: q.unread,
      kind: q.kind,
      before: decodeCursor(q.cursor),
      limit: q.limit,
    });
    return toPage(rows, q.limit, toAlertView);
  }

  async markRead(id: string, adminId: string): Promise<AlertView> {
    const row = await alertsRepo.markRead(this.db, id, adminId, this.clock.now());
    if (!row) throw notFound('Alert');
    return toAlertView(row);
  }

  unreadByKind(): Promise<{ kind: string; n: number }[]> {
    return alertsRepo.countUnreadByKind(this.db);
  }
}
