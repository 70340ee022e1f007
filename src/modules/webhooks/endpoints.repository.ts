/** SQL for webhook endpoints. Takes the database or a transaction first; holds no rules. */
import { expressionBuilder, sql, type Expression, type Updateable } from 'kysely';
import type { Executor } from '../../db/index.js';
import type { Database, WebhookEndpointRow, WebhookEndpointsTable } from '../../db/types.js';

export type EndpointPatch = Updateable<WebhookEndpointsTable>;

export const endpointsRepo = {
  async insert(db: Executor, row: WebhookEndpointRow): Promise<WebhookEndpointRow> {
    return db.insertInto('webhook_endpoints').values(row).returningAll().executeTakeFirstOrThrow();
  },

  findById(db: Executor, id: string): Promise<WebhookEndpointRow | undefined> {
    return db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
  },

  findMany(db: Executor, ids: readonly string[]): Promise<WebhookEndpointRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return db.selectFrom('webhook_endpoints').selectAll().where('id', 'in', ids).execute();
  },

  /** What the fan-out needs of every enabled endpoint: its id and the event types it takes. */
  listEnabled(db: Executor): Promise<Pick<WebhookEndpointRow, 'id' | 'event_types'>[]> {
    return db
      .selectFrom('webhook_endpoints')
      .select(['id', 'event_types'])
      .where('enabled', '=', 1)
      .execute();
  },

  /**
   * Whether some enabled endpoint may take events of `type` (a column of another statement), as a
   * subquery for it: the event outbox asks in its own INSERT, so an event no endpoint takes costs no read
   * of this table. A cheap superset (the stored JSON array holds `"<type>"` or `"*"`); `takesType` on the
   * rows of `listEnabled` decides exactly. Built once by the caller (it runs no query).
   */
  mayTake(type: Expression<string>) {
    return expressionBuilder<Database, never>()
      .selectFrom('webhook_endpoints')
      .select(sql<number>`1`.as('one'))
      .where('enabled', '=', 1)
      .where((eb) =>
        eb.or([
          eb('event_types', 'like', sql<string>`'%"' || ${type} || '"%'`),
          eb('event_types', 'like', '%"*"%'),
        ]),
      );
  },

  /** Newest first by id, `limit + 1` rows. */
  list(db: Executor, f: { before?: string; limit: number }): Promise<WebhookEndpointRow[]> {
    let q = db.selectFrom('webhook_endpoints').selectAll();
    if (f.before) q = q.where('id', '<', f.before);
    return q
      .orderBy('id', 'desc')
      .limit(f.limit + 1)
      .execute();
  },

  update(db: Executor, id: string, patch: EndpointPatch): Promise<WebhookEndpointRow | undefined> {
    return db
      .updateTable('webhook_endpoints')
      .set(patch)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
  },

  /** A success: the endpoint is healthy again. */
  async markHealthy(db: Executor, ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await db
      .updateTable('webhook_endpoints')
      .set({ failing_since: null })
      .where('id', 'in', ids)
      .where('failing_since', 'is not', null)
      .execute();
  },

  /** A failure: starts the endpoint's run of failures at `at` unless one is running; the row after. */
  async markFailing(db: Executor, id: string, at: number): Promise<WebhookEndpointRow | undefined> {
    await db
      .updateTable('webhook_endpoints')
      .set({ failing_since: at })
      .where('id', '=', id)
      .where('failing_since', 'is', null)
      .execute();
    return endpointsRepo.findById(db, id);
  },

  /** Disables an enabled endpoint; true when it was enabled until now. */
  async disable(db: Executor, id: string, reason: string, at: number): Promise<boolean> {
    const r = await db
      .updateTable('webhook_endpoints')
      .set({ enabled: 0, disabled_reason: reason, updated_at: at })
      .where('id', '=', id)
      .where('enabled', '=', 1)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },

  async remove(db: Executor, id: string): Promise<boolean> {
    const r = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  },
};
