/** SQL for admin alerts. `raise` relies on the unique `dedupe_key` index: a repeat is a no-op. */
import type { Executor } from '../../db/index.js';
import type { AdminAlertRow } from '../../db/types.js';
import { newId } from '../../lib/ids.js';

export interface NewAlert {
  /** What happened, as a stable dotted name: `inventory.low`, `webhook.endpoint_disabled`, `payment.dispute`. */
  kind: string;
  /** One or two plain sentences an operator understands without looking anything up. */
  message: string;
  /** The object it is about (`esim_profiles`, `webhook_endpoint`, `order` …) and its id. */
  refType?: string | null;
  refId?: string | null;
  /** Set when the same condition may be seen again: only the first raise with this key is kept. */
  dedupeKey?: string | null;
  at: number;
}

export interface AlertFilter {
  unread: boolean;
  kind?: string;
  before?: string;
  limit: number;
}

export const alertsRepo = {
  /**
   * Raises an alert through `db`, normally the caller's transaction, so it exists only if the change it
   * reports committed. True when it was inserted now, false when its dedupe key was raised before.
   */
  async raise(db: Executor, a: NewAlert): Promise<boolean> {
    const r = await db
      .insertInto('admin_alerts')
      .values({
        id: newId(),
        kind: a.kind,
        message: a.message.slice(0, 2000),
        ref_type: a.refType ?? null,
        ref_id: a.refId ?? null,
        dedupe_key: a.dedupeKey ?? null,
        created_at: a.at,
        read_at: null,
        read_by: null,
      })
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .executeTakeFirst();
    return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
  },

  /** Newest first by id, `limit + 1` rows so the caller can tell whether more exist. */
  list(db: Executor, f: AlertFilter): Promise<AdminAlertRow[]> {
    let q = db.selectFrom('admin_alerts').selectAll();
    if (f.unread) q = q.where('read_at', 'is', null);
    if (f.kind) q = q.where('kind', '=', f.kind);
    if (f.before) q = q.where('id', '<', f.before);
    return q
      .orderBy('id', 'desc')
      .limit(f.limit + 1)
      .execute();
  },

  /** Marks one alert read (the first reader and time are kept); undefined when there is no such alert. */
  async markRead(db: Executor, id: string, by: string, at: number): Promise<AdminAlertRow | undefined> {
    await db
      .updateTable('admin_alerts')
      .set({ read_at: at, read_by: by })
      .where('id', '=', id)
      .where('read_at', 'is', null)
      .execute();
    return db.selectFrom('admin_alerts').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async countUnreadByKind(db: Executor): Promise<{ kind: string; n: number }[]> {
    const rows = await db
      .selectFrom('admin_alerts')
      .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
      .where('read_at', 'is', null)
      .groupBy('kind')
      .execute();
    return rows.map((r) => ({ kind: r.kind, n: Number(r.n) }));
  },
};
