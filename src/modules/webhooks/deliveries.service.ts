/**
 * Webhook deliveries for the operators: an endpoint's deliveries, one delivery with its attempt log, and
 * replays (one delivery, or the events of a time range) as new deliveries of the same events, so the
 * `webhook-id` is the same as the first time and a receiver that already has it can tell.
 */
import { transaction, type Db } from '../../db/index.js';
import { conflict, notFound } from '../../errors.js';
import type { Clock } from '../../lib/clock.js';
import { newId } from '../../lib/ids.js';
import { decodeCursor, toPage, type Page } from '../../lib/pagination.js';
import { eventsRepo } from '../events/repository.js';
import { rangeOf } from '../events/service.js';
import { signalCommitted } from '../events/signal.js';
import type { WebhookDeliveryRow, WebhookDeliveryStatus } from '../../db/types.js';
import { deliveriesRepo } from './deliveries.repository.js';
import { endpointsRepo } from './endpoints.repository.js';
import type { ReplayRangeBody, WebhookDeliveryView } from './schemas.js';
import { toAttemptView, toDeliveryView } from './views.js';

/** Events one range replay queues at most (a larger outage is replayed in several ranges). */
export const REPLAY_MAX = 10_000;

export class WebhookDeliveriesService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async list(
    endpointId: string,
    q: { status?: WebhookDeliveryStatus; limit: number; cursor?: string },
  ): Promise<Page<WebhookDeliveryView>> {
    const before = decodeCursor(q.cursor);
    if (!(await endpointsRepo.findById(this.db, endpointId))) throw notFound('Webhook endpoint');
    const rows = await deliveriesRepo.list(this.db, { endpointId, status: q.status, before, limit: q.limit });
    return toPage(rows, q.limit, toDeliveryView);
  }

  async get(id: string) {
    const row = await deliveriesRepo.findById(this.db, id);
    if (!row) throw notFound('Webhook delivery');
    const attempts = await deliveriesRepo.attemptsOf(this.db, id);
    return { ...toDeliveryView(row), attempts_log: attempts.map(toAttemptView) };
  }

  /** Sends the delivery's event to its endpoint again, as a new delivery. */
  async replayOne(id: string): Promise<WebhookDeliveryView> {
    const row = await deliveriesRepo.findById(this.db, id);
    if (!row) throw notFound('Webhook delivery');
    const [created] = await this.queue(row.endpoint_id, [row.event_id]);
    return toDeliveryView(created!);
  }

  /** The endpoint's failed events (or all its events) of [since, until) again; how many were queued. */
  async replayRange(endpointId: string, body: ReplayRangeBody): Promise<{ replayed: number }> {
    const { since, until } = rangeOf(body.since, body.until) as { since: number; until: number };
    const endpoint = await endpointsRepo.findById(this.db, endpointId);
    if (!endpoint) throw notFound('Webhook endpoint');
    const types = JSON.parse(endpoint.event_types) as string[];
    const ids =
      body.only_failed === false
        ? await eventsRepo.idsBetween(this.db, since, until, types.includes('*') ? [] : types, REPLAY_MAX)
        : await deliveriesRepo.failedEventIds(this.db, endpointId, since, until, REPLAY_MAX);
    return { replayed: (await this.queue(endpointId, ids)).length };
  }

  private async queue(endpointId: string, eventIds: string[]): Promise<WebhookDeliveryRow[]> {
    const rows = await transaction(this.db, async (tx) => {
      const endpoint = await endpointsRepo.findById(tx, endpointId);
      if (!endpoint) throw notFound('Webhook endpoint');
      if (endpoint.enabled !== 1)
        throw conflict('ENDPOINT_DISABLED', 'Switch the endpoint on before replaying to it');
      const now = this.clock.now();
      const created: WebhookDeliveryRow[] = eventIds.map((eventId) => ({
        id: newId(),
        endpoint_id: endpointId,
        event_id: eventId,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        claimed_until: null,
        claim_token: null,
        last_status_code: null,
        last_error: null,
        created_at: now,
        updated_at: now,
        delivered_at: null,
      }));
      await deliveriesRepo.insertMany(tx, created);
      return created;
    });
    if (rows.length) signalCommitted();
    return rows;
  }
}
