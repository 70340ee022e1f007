/**
 * SQL for the mail outbox. `enqueue` takes the caller's transaction, so a mail exists only if the change
 * it tells about committed (and the worker of this process is signalled once it has); the unique
 * `idempotency_key` makes the same cause enqueue one mail only.
 * The worker's `claimDue` takes due rows with FOR UPDATE SKIP LOCKED (PostgreSQL; SQLite holds the write
 * lock instead) and pushes their `next_attempt_at` ahead as a lease, so instances never send one row at
 * the same time and a process that died mid-send leaves the row for the next claim after the lease.
 */
import { insertRows, writeRows } from '../../db/batch.js';
import { onCommit, type Executor } from '../../db/index.js';
import type { MailRow } from '../../db/types.js';
import { newId } from '../../lib/ids.js';
import { signalMailQueued } from './signal.js';
import type { RenderedMail } from './templates.js';

export interface NewMail extends RenderedMail {
  /** `<event or purpose id>:<template>`: a second enqueue with the same key is a no-op. */
  key: string;
  userId: string | null;
  kind: string;
  to: string;
  at: number;
}

export interface MailFilter {
  status?: MailRow['status'];
  userId?: string;
  /** Keyset: only ids below this one (newest first). */
  before?: string;
  limit: number;
}

function mailRow(m: NewMail): MailRow {
  return {
    id: newId(m.at),
    idempotency_key: m.key.slice(0, 200),
    user_id: m.userId,
    kind: m.kind,
    recipient: m.to,
    subject: m.subject.slice(0, 300),
    text_body: m.text,
    html_body: m.html,
    status: 'pending',
    attempts: 0,
    next_attempt_at: m.at,
    last_error: null,
    created_at: m.at,
    sent_at: null,
  };
}

export const mailRepo = {
  /** True when the mail was queued now, false when its key was queued before. */
  async enqueue(db: Executor, m: NewMail): Promise<boolean> {
    const queued = (await insertRows(db, 'mail_outbox', [mailRow(m)], 'idempotency_key')) > 0;
    if (queued) onCommit(db, signalMailQueued);
    return queued;
  },

  /**
   * Queues the mail unless its key was queued before, reading nothing back: in a transaction on
   * PostgreSQL it goes with the next statement (writeRows). The worker is woken after the commit
   * either way (it finds nothing new when the key was taken).
   */
  async offer(db: Executor, m: NewMail): Promise<void> {
    await writeRows(db, 'mail_outbox', [mailRow(m)], 'idempotency_key');
    onCommit(db, signalMailQueued);
  },

  /**
   * Claims up to `limit` due mails for one send each: counts the attempt and moves `next_attempt_at` to
   * `now + leaseMs`. Run inside a transaction (the row locks last until it commits).
   */
  async claimDue(db: Executor, now: number, limit: number, leaseMs: number): Promise<MailRow[]> {
    const rows = await db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length === 0) return [];
    await db
      .updateTable('mail_outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: now + leaseMs }))
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    return rows.map((r) => ({ ...r, attempts: r.attempts + 1, next_attempt_at: now + leaseMs }));
  },

  async markSent(db: Executor, id: string, at: number): Promise<void> {
    await db
      .updateTable('mail_outbox')
      .set({ status: 'sent', sent_at: at, last_error: null })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  },

  async retryLater(db: Executor, id: string, at: number, error: string): Promise<void> {
    await db
      .updateTable('mail_outbox')
      .set({ next_attempt_at: at, last_error: error.slice(0, 1000) })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  },

  async markFailed(db: Executor, id: string, error: string): Promise<boolean> {
    const r = await db
      .updateTable('mail_outbox')
      .set({ status: 'failed', last_error: error.slice(0, 1000) })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  },

  /** Newest first by id, `limit` rows (the operators' list asks `limit + 1` to tell whether more exist). */
  /**
   * Retention: deletes up to `limit` mails sent or given up on before `before` (their last attempt, kept
   * in `next_attempt_at`); pending ones stay. How many.
   */
  async deleteDoneBefore(db: Executor, before: number, limit: number): Promise<number> {
    const done = db
      .selectFrom('mail_outbox')
      .select('id')
      .where('status', 'in', ['sent', 'failed'])
      .where('next_attempt_at', '<', before)
      .limit(limit);
    const r = await db.deleteFrom('mail_outbox').where('id', 'in', done).executeTakeFirst();
    return Number(r.numDeletedRows);
  },

  list(db: Executor, f: MailFilter): Promise<MailRow[]> {
    let q = db.selectFrom('mail_outbox').selectAll();
    if (f.status) q = q.where('status', '=', f.status);
    if (f.userId) q = q.where('user_id', '=', f.userId);
    if (f.before) q = q.where('id', '<', f.before);
    return q.orderBy('id', 'desc').limit(f.limit).execute();
  },

  findById(db: Executor, id: string): Promise<MailRow | undefined> {
    return db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** A failed mail goes back to pending, due at `at`, with a fresh count of tries; false when not failed. */
  async requeueFailed(db: Executor, id: string, at: number): Promise<boolean> {
    const r = await db
      .updateTable('mail_outbox')
      .set({ status: 'pending', attempts: 0, next_attempt_at: at })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  },

  async countByStatus(db: Executor): Promise<{ status: string; n: number }[]> {
    const rows = await db
      .selectFrom('mail_outbox')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return rows.map((r) => ({ status: r.status, n: Number(r.n) }));
  },
};
