/** Shared steps of the webhook tests: endpoints through the admin API, events through the outbox. */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { transaction } from '../../../src/db/index.js';
import { eventsRepo } from '../../../src/modules/events/repository.js';
import type { OutboxEvent } from '../../../src/modules/events/types.js';
import type { Session } from '../../helper.js';

export interface EndpointJson {
  id: string;
  url: string;
  event_types: string[];
  enabled: boolean;
  disabled_reason: string | null;
  secret?: string;
}

export interface DeliveryJson {
  id: string;
  event_id: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  attempts_log?: {
    attempt: number;
    status_code: number | null;
    succeeded: boolean;
    error: string | null;
    response_excerpt: string | null;
    latency_ms: number;
  }[];
}

export async function createEndpoint(
  app: FastifyInstance,
  admin: Session,
  url: string,
  eventTypes: string[] = ['user.suspended'],
): Promise<EndpointJson & { secret: string }> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/admin/webhooks',
    headers: admin.headers,
    payload: { url, event_types: eventTypes, description: 'test receiver' },
  });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

export async function disableEndpoint(app: FastifyInstance, admin: Session, id: string): Promise<void> {
  const res = await app.inject({
    method: 'PATCH',
    url: `/api/v1/admin/webhooks/${id}`,
    headers: admin.headers,
    payload: { enabled: false },
  });
  assert.equal(res.statusCode, 200, res.body);
}

/** `n` events of `type` committed in one transaction (as a service would emit them). */
export async function emitEvents(
  app: FastifyInstance,
  n: number,
  type: OutboxEvent['type'] = 'user.suspended',
): Promise<OutboxEvent[]> {
  const at = app.ctx.clock.now();
  return transaction(app.ctx.db, (tx) =>
    eventsRepo.emit(
      tx,
      Array.from({ length: n }, (_, i) => ({ type, userId: null, at, data: { n: i } })),
    ),
  );
}

export async function deliveriesOf(
  app: FastifyInstance,
  admin: Session,
  endpointId: string,
): Promise<DeliveryJson[]> {
  const res = await app.inject({
    method: 'GET',
    url: `/api/v1/admin/webhooks/${endpointId}/deliveries?limit=200`,
    headers: admin.headers,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json<{ items: DeliveryJson[] }>().items;
}

export async function deliveryDetail(
  app: FastifyInstance,
  admin: Session,
  id: string,
): Promise<DeliveryJson> {
  const res = await app.inject({
    method: 'GET',
    url: `/api/v1/admin/webhook-deliveries/${id}`,
    headers: admin.headers,
  });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

/** Waits until the endpoint's (first) delivery has `n` attempts in its log: the worker recorded them. */
export async function loggedAttempts(
  app: FastifyInstance,
  admin: Session,
  endpointId: string,
  n: number,
): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    const [d] = await deliveriesOf(app, admin, endpointId);
    if (d && ((await deliveryDetail(app, admin, d.id)).attempts_log?.length ?? 0) >= n) return;
    if (Date.now() > until) throw new Error(`no ${n} attempts logged in time`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
