/**
 * The event outbox, as the operators read it. Events are written by the modules where things happen,
 * through `eventsRepo.emit` in their own transactions; this service only lists them.
 */
import type { Db } from '../../db/index.js';
import type { EventRow } from '../../db/types.js';
import { badRequest } from '../../errors.js';
import { iso } from '../../lib/clock.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import { eventsRepo } from './repository.js';
import type { EventListQuery, EventView } from './schemas.js';
import type { EventType } from './types.js';

export function toEventView(r: EventRow): EventView {
  return {
    id: r.id,
    type: r.type as EventType,
    occurred_at: iso(r.occurred_at),
    user_id: r.user_id,
    data: JSON.parse(r.payload) as Record<string, unknown>,
  };
}

/** A `since`/`until` pair as epoch ms; `since` must come first. */
export function rangeOf(since?: string, until?: string): { since?: number; until?: number } {
  const from = since === undefined ? undefined : Date.parse(since);
  const to = until === undefined ? undefined : Date.parse(until);
  if (from !== undefined && to !== undefined && from >= to) {
    throw badRequest('INVALID_RANGE', '`since` must be before `until`', [
      { field: 'querystring.since', message: 'must be before until' },
    ]);
  }
  return { since: from, until: to };
}

export class EventsService {
  constructor(private readonly db: Db) {}

  /** Newest first, filtered by type, owner and time. */
  async list(q: EventListQuery & { limit: number }): Promise<Page<EventView>> {
    const rows = await eventsRepo.list(this.db, {
      type: q.type,
      userId: q.user_id,
      ...rangeOf(q.since, q.until),
      before: decodeCursor(q.cursor),
      limit: q.limit,
    });
    return toPage(rows, q.limit, toEventView);
  }
}
