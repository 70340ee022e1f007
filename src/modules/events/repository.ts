/**
 * SQL for the event outbox, and `emit`, the one way an event is written. `emit` runs in the caller's
 * transaction (so an event exists if and only if the change it reports committed), then hands the events
 * it wrote to their in-transaction consumers: the user's notifications, the customer e-mails and the
 * webhook deliveries. Once the transaction commits, the webhook worker of this process is woken (other
 * instances poll).
 */
import { expressionBuilder } from 'kysely';
import { chunks } from '../../db/batch.js';
import { onCommit, type Executor } from '../../db/index.js';
import type { Database, EventRow } from '../../db/types.js';
import { newId } from '../../lib/ids.js';
import { mailFromEvents, needsOwner, ownerFrom, type Owners } from '../mail/consumer.js';
import { notifyFromEvents } from '../notifications/consumer.js';
import { usersRepo } from '../users/repository.js';
import { endpointsRepo } from '../webhooks/endpoints.repository.js';
import { fanOutToWebhooks } from '../webhooks/fanout.js';
import { signalCommitted } from './signal.js';
import type { EventType, NewEvent, OutboxEvent } from './types.js';

const inEvents = expressionBuilder<Database, 'events'>();
/** Returned with each event written: whether some enabled webhook endpoint may take it. */
const SUBSCRIBED = inEvents.exists(endpointsRepo.mayTake(inEvents.ref('events.type'))).as('subscribed');
/** Returned with events that may call for an e-mail: their owner, as the mail consumer needs it. */
const OWNER = usersRepo.mailFactsOf(inEvents.ref('events.user_id'));

export interface EventFilter {
  type?: EventType;
  userId?: string;
  since?: number;
  until?: number;
  before?: string;
  limit: number;
}

export const eventsRepo = {
  /**
   * Writes `events` through `db` (the caller's transaction) and runs their consumers in it. An event
   * whose dedupe key was emitted before is left out. Returns the events written now.
   */
  async emit(db: Executor, events: NewEvent | readonly NewEvent[]): Promise<OutboxEvent[]> {
    const list: readonly NewEvent[] = Array.isArray(events) ? events : [events as NewEvent];
    const written: OutboxEvent[] = [];
    // what the consumers need besides the event comes back from the INSERT itself (one round trip): whether
    // some webhook endpoint may take it, and the owner when it may call for an e-mail
    const subscribed: OutboxEvent[] = [];
    const owners: Owners = new Map();
    for (const part of chunks(list)) {
      const rows = part.map((e) => ({
        id: newId(),
        type: e.type,
        occurred_at: e.at,
        user_id: e.userId,
        payload: JSON.stringify(e.data),
        dedupe_key: e.dedupeKey ?? null,
      }));
      const inserted = await db
        .insertInto('events')
        .values(rows)
        .onConflict((oc) => oc.column('dedupe_key').doNothing())
        .returning(['id', SUBSCRIBED])
        .$if(part.some(needsOwner), (q) => q.returning([OWNER]))
        .execute();
      const byId = new Map(inserted.map((r) => [r.id, r]));
      part.forEach((e, i) => {
        const r = byId.get(rows[i]!.id);
        if (!r) return;
        const event: OutboxEvent = { id: r.id, type: e.type, userId: e.userId, at: e.at, data: e.data };
        written.push(event);
        if (r.subscribed) subscribed.push(event);
        if (e.userId && 'owner' in r) owners.set(e.userId, ownerFrom(e.userId, r.owner));
      });
    }
    if (written.length === 0) return written;
    await notifyFromEvents(db, written);
    await mailFromEvents(db, written, owners);
    if ((await fanOutToWebhooks(db, subscribed)) > 0) onCommit(db, signalCommitted);
    return written;
  },

  /** Newest first by id, `limit + 1` rows so the caller can tell whether more exist. */
  /**
   * Retention: up to `limit` events that happened before `before`, oldest first, leaving out those a
   * webhook delivery still waits to send (they are kept until it is done).
   */
  async idsToPrune(db: Executor, before: number, limit: number): Promise<string[]> {
    const rows = await db
      .selectFrom('events')
      .select('id')
      .where('occurred_at', '<', before)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('webhook_deliveries as d')
              .select('d.id')
              .whereRef('d.event_id', '=', 'events.id')
              .where('d.status', '=', 'pending'),
          ),
        ),
      )
      .orderBy('occurred_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  },

  /** Deletes these events (their deliveries must be gone first); how many. */
  async deleteMany(db: Executor, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await db.deleteFrom('events').where('id', 'in', ids).executeTakeFirst();
    return Number(r.numDeletedRows);
  },

  list(db: Executor, f: EventFilter): Promise<EventRow[]> {
    let q = db.selectFrom('events').selectAll();
    if (f.type) q = q.where('type', '=', f.type);
    if (f.userId) q = q.where('user_id', '=', f.userId);
    if (f.since !== undefined) q = q.where('occurred_at', '>=', f.since);
    if (f.until !== undefined) q = q.where('occurred_at', '<', f.until);
    if (f.before) q = q.where('id', '<', f.before);
    return q
      .orderBy('id', 'desc')
      .limit(f.limit + 1)
      .execute();
  },

  findById(db: Executor, id: string): Promise<EventRow | undefined> {
    return db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
  },

  /** Events by id (the webhook worker reads the events of the deliveries it claimed). */
  findMany(db: Executor, ids: readonly string[]): Promise<EventRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return db.selectFrom('events').selectAll().where('id', 'in', ids).execute();
  },

  /** Ids of the events of `types` (all when empty) that happened in [since, until), oldest first. */
  async idsBetween(
    db: Executor,
    since: number,
    until: number,
    types: readonly string[],
    limit: number,
  ): Promise<string[]> {
    let q = db
      .selectFrom('events')
      .select('id')
      .where('occurred_at', '>=', since)
      .where('occurred_at', '<', until);
    if (types.length) q = q.where('type', 'in', types);
    const rows = await q.orderBy('occurred_at').orderBy('id').limit(limit).execute();
    return rows.map((r) => r.id);
  },
};
