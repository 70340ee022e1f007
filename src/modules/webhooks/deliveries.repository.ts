/**
 * SQL for webhook deliveries and their attempt log. Takes the database or a transaction first; holds no
 * rules. A delivery is due while `pending` with `next_attempt_at` reached; a claim moves `next_attempt_at`
 * to the end of its lease (`claimed_until`), so a worker that dies mid-delivery leaves it due again then.
 */
import { chunks } from '../../db/batch.js';
import type { Executor } from '../../db/index.js';
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookDeliveryStatus } from '../../db/types.js';

/** The outcome of one attempt, written when the worker finishes it. */
export interface AttemptOutcome {
  delivery: WebhookDeliveryRow;
  attempt: WebhookAttemptRow;
  /** pending (retry at `nextAttemptAt`), succeeded or failed (no retry left). */
  status: WebhookDeliveryStatus;
  nextAttemptAt: number;
}

export const deliveriesRepo = {
  /** Retention: deletes the finished deliveries of these events and their attempt logs; how many. */
  async deleteFinishedOf(db: Executor, eventIds: readonly string[]): Promise<number> {
    if (eventIds.length === 0) return 0;
    const finished = db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('event_id', 'in', eventIds)
      .where('status', '!=', 'pending');
    await db.deleteFrom('webhook_attempts').where('delivery_id', 'in', finished).execute();
    const r = await db
      .deleteFrom('webhook_deliveries')
      .where('event_id', 'in', eventIds)
      .where('status', '!=', 'pending')
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  },

  async insertMany(db: Executor, rows: WebhookDeliveryRow[]): Promise<void> {
    for (const part of chunks(rows)) await db.insertInto('webhook_deliveries').values(part).execute();
  },

  /**
   * Claims up to `limit` due deliveries for a lease ending at `leaseUntil`: `FOR UPDATE SKIP LOCKED` on
   * PostgreSQL, so concurrent workers (other instances) each take other rows; SQLite has one writer.
   * The claim counts the attempt and stamps `token`, which the finishing write must present.
   */
  claimDue(
    db: Executor,
    now: number,
    limit: number,
    leaseUntil: number,
    token: string,
  ): Promise<WebhookDeliveryRow[]> {
    const due = db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(limit)
      .forUpdate()
      .skipLocked();
    return db
      .updateTable('webhook_deliveries')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        claimed_until: leaseUntil,
        next_attempt_at: leaseUntil,
        claim_token: token,
        updated_at: now,
      }))
      .where('id', 'in', due)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .returningAll()
      .execute();
  },

  /** Whether any delivery is due at `now` (a cheap read before a claim). */
  async anyDue(db: Executor, now: number): Promise<boolean> {
    const row = await db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  },

  /**
   * Writes each delivery's new state while `claim_token` still matches (a claim that was lost to a lease
   * expiry changes nothing), and the attempt log of those it wrote (a deleted delivery has none).
   */
  async finish(db: Executor, outcomes: readonly AttemptOutcome[], now: number): Promise<void> {
    const logged: WebhookAttemptRow[] = [];
    for (const o of outcomes) {
      const r = await db
        .updateTable('webhook_deliveries')
        .set({
          status: o.status,
          next_attempt_at: o.nextAttemptAt,
          claimed_until: null,
          claim_token: null,
          last_status_code: o.attempt.status_code,
          last_error: o.attempt.error,
          updated_at: now,
          delivered_at: o.status === 'succeeded' ? now : null,
        })
        .where('id', '=', o.delivery.id)
        .where('claim_token', '=', o.delivery.claim_token)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) > 0) logged.push(o.attempt);
    }
    for (const part of chunks(logged)) await db.insertInto('webhook_attempts').values(part).execute();
  },

  findById(db: Executor, id: string): Promise<WebhookDeliveryRow | undefined> {
    return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** One endpoint's deliveries, newest first, `limit + 1` rows. */
  list(
    db: Executor,
    f: { endpointId: string; status?: WebhookDeliveryStatus; before?: string; limit: number },
  ): Promise<WebhookDeliveryRow[]> {
    let q = db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', f.endpointId);
    if (f.status) q = q.where('status', '=', f.status);
    if (f.before) q = q.where('id', '<', f.before);
    return q
      .orderBy('id', 'desc')
      .limit(f.limit + 1)
      .execute();
  },

  attemptsOf(db: Executor, deliveryId: string): Promise<WebhookAttemptRow[]> {
    return db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where('delivery_id', '=', deliveryId)
      .orderBy('id')
      .execute();
  },

  /** Event ids of the endpoint's failed deliveries created in [since, until), oldest first, distinct. */
  async failedEventIds(
    db: Executor,
    endpointId: string,
    since: number,
    until: number,
    limit: number,
  ): Promise<string[]> {
    const rows = await db
      .selectFrom('webhook_deliveries')
      .select('event_id')
      .distinct()
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'failed')
      .where('created_at', '>=', since)
      .where('created_at', '<', until)
      .orderBy('event_id')
      .limit(limit)
      .execute();
    return rows.map((r) => r.event_id);
  },

  /** Deliveries per status (the metrics). */
  async countByStatus(db: Executor): Promise<{ status: string; n: number }[]> {
    const rows = await db
      .selectFrom('webhook_deliveries')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
  },

  /** Gives up the endpoint's pending deliveries (it was disabled); how many. */
  async failPendingOf(db: Executor, endpointId: string, error: string, now: number): Promise<number> {
    const r = await db
      .updateTable('webhook_deliveries')
      .set({ status: 'failed', last_error: error, claimed_until: null, claim_token: null, updated_at: now })
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  },

  /** Deletes the endpoint's deliveries and their attempts (the endpoint is being deleted). */
  async removeOfEndpoint(db: Executor, endpointId: string): Promise<void> {
    const ids = db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', endpointId);
    await db.deleteFrom('webhook_attempts').where('delivery_id', 'in', ids).execute();
    await db.deleteFrom('webhook_deliveries').where('endpoint_id', '=', endpointId).execute();
  },
};
