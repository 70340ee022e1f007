/**
 * Table types of what the service tells and owes the outside world after a commit: admin alerts, the
 * event outbox and its webhook deliveries, the mail outbox, and the payments' processed provider events
 * and refund outbox. The conventions are those of types.ts (which re-exports everything here).
 */
export interface AdminAlertsTable {
  id: string;
  kind: string;
  message: string;
  ref_type: string | null;
  ref_id: string | null;
  dedupe_key: string | null; // unique where set: the same condition raises one alert
  created_at: number;
  read_at: number | null;
  read_by: string | null;
}

/** One thing that happened, written in the transaction of the change it reports (the outbox). */
export interface EventsTable {
  id: string;
  type: string; // `pack.depleted`, `order.paid` ... (modules/events/types.ts)
  occurred_at: number;
  user_id: string | null;
  payload: string; // JSON text
  dedupe_key: string | null; // unique where set: a once-only event
}

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  description: string | null;
  event_types: string; // JSON array of event types, or ["*"]
  enabled: number; // 0/1
  secret_sealed: string; // AES-256-GCM sealed `whsec_...`
  previous_secret_sealed: string | null; // the secret before the last rotation, also signed with until:
  previous_secret_expires_at: number | null;
  failing_since: number | null; // first failure of the current run of failures
  disabled_reason: string | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  event_id: string; // also the `webhook-id` header: the same on every attempt and replay
  status: WebhookDeliveryStatus;
  attempts: number;
  next_attempt_at: number;
  claimed_until: number | null; // a worker's lease; past it, the delivery is due again
  claim_token: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  attempt: number;
  started_at: number;
  latency_ms: number;
  status_code: number | null;
  succeeded: number; // 0/1
  error: string | null;
  response_excerpt: string | null; // at most 1 KB of the answer
}

export type MailStatus = 'pending' | 'sent' | 'failed';

export interface MailOutboxTable {
  id: string;
  idempotency_key: string; // unique: `<event or purpose id>:<template>`, a repeat is a no-op
  user_id: string | null;
  kind: string; // the template
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string;
  status: MailStatus;
  attempts: number;
  next_attempt_at: number; // due time; while a worker sends, its lease
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

/** A provider event already applied: its id is the primary key, so a redelivery applies once. */
export interface PaymentEventsTable {
  id: string;
  provider: string;
  type: string;
  order_id: string | null;
  outcome: string; // what it did: paid, failed, refunded, disputed, ignored, unknown_order ...
  received_at: number;
}

export type RefundStatus = 'pending' | 'sent' | 'failed';

/** A refund to send after its transaction committed; the row id is the provider's idempotency key. */
export interface RefundOutboxTable {
  id: string;
  order_id: string; // unique: one refund per order
  provider: string;
  payment_id: string;
  amount: number; // our minor units, the order's amount
  currency: string;
  reason: string;
  status: RefundStatus;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  provider_refund_id: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}
