/** Rows of the webhook tables → the views the admin routes answer. */
import type { WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from '../../db/types.js';
import { iso } from '../../lib/clock.js';
import type { WebhookDeliveryView, WebhookEndpointView } from './schemas.js';

export function toEndpointView(r: WebhookEndpointRow): WebhookEndpointView {
  return {
    id: r.id,
    url: r.url,
    description: r.description,
    event_types: JSON.parse(r.event_types) as string[],
    enabled: r.enabled === 1,
    disabled_reason: r.disabled_reason,
    failing_since: iso(r.failing_since),
    previous_secret_expires_at: iso(r.previous_secret_expires_at),
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
  };
}

export function toDeliveryView(r: WebhookDeliveryRow): WebhookDeliveryView {
  return {
    id: r.id,
    endpoint_id: r.endpoint_id,
    event_id: r.event_id,
    status: r.status,
    attempts: r.attempts,
    next_attempt_at: r.status === 'pending' ? iso(r.next_attempt_at) : null,
    last_status_code: r.last_status_code,
    last_error: r.last_error,
    created_at: iso(r.created_at),
    delivered_at: iso(r.delivered_at),
  };
}

export function toAttemptView(a: WebhookAttemptRow) {
  return {
    attempt: a.attempt,
    started_at: iso(a.started_at),
    latency_ms: a.latency_ms,
    status_code: a.status_code,
    succeeded: a.succeeded === 1,
    error: a.error,
    response_excerpt: a.response_excerpt,
  };
}
