import { sql, type Kysely } from 'kysely';

// The event outbox and the webhooks that carry it to partners.
// - `events`: one row per thing that happened (a pack depleted, an order paid ...), written in the same
//   transaction as the change it reports. `dedupe_key` (unique where set) makes a once-only event
//   (a usage threshold, an expiry notice) a no-op when seen again.
// - `webhook_endpoints`: the partners' URLs, with the signing secret sealed (AES-256-GCM), the previous
//   secret kept during a rotation's overlap, and `failing_since` for the auto-disable rule.
// - `webhook_deliveries`: one row per (event, endpoint) to send; `next_attempt_at` orders the work and a
//   claim (lease) moves it forward, so a worker that crashed mid-delivery leaves it due again.
// - `webhook_attempts`: the delivery log, one row per HTTP attempt.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('dedupe_key', 'text')
    .addCheckConstraint('events_type_check', sql`length(type) between 1 and 64`)
    .addCheckConstraint('events_payload_check', sql`length(payload) between 2 and 16000`)
    .execute();
  await db.schema.createIndex('events_dedupe_uq').on('events').column('dedupe_key').unique().execute();
  await db.schema.createIndex('events_type_idx').on('events').columns(['type', 'id']).execute();
  await db.schema.createIndex('events_user_idx').on('events').columns(['user_id', 'id']).execute();
  await db.schema.createIndex('events_occurred_idx').on('events').columns(['occurred_at', 'id']).execute();

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('event_types', 'text', (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('previous_secret_sealed', 'text')
    .addColumn('previous_secret_expires_at', 'bigint')
    .addColumn('failing_since', 'bigint')
    .addColumn('disabled_reason', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('webhook_endpoints_url_check', sql`length(url) between 8 and 2000`)
    .addCheckConstraint('webhook_endpoints_enabled_check', sql`enabled in (0, 1)`)
    .addCheckConstraint(
      'webhook_endpoints_description_check',
      sql`description is null or length(description) <= 500`,
    )
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) => c.notNull().references('webhook_endpoints.id'))
    .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_until', 'bigint')
    .addColumn('claim_token', 'text')
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .addCheckConstraint('webhook_deliveries_status_check', sql`status in ('pending', 'succeeded', 'failed')`)
    .addCheckConstraint('webhook_deliveries_attempts_check', sql`attempts between 0 and 1000`)
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_due_idx')
    .on('webhook_deliveries')
    .columns(['status', 'next_attempt_at'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_endpoint_idx')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'id'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_event_idx')
    .on('webhook_deliveries')
    .column('event_id')
    .execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('delivery_id', 'text', (c) => c.notNull().references('webhook_deliveries.id'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('succeeded', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('response_excerpt', 'text')
    .addCheckConstraint('webhook_attempts_succeeded_check', sql`succeeded in (0, 1)`)
    .addCheckConstraint('webhook_attempts_latency_check', sql`latency_ms >= 0`)
    .addCheckConstraint(
      'webhook_attempts_excerpt_check',
      sql`response_excerpt is null or length(response_excerpt) <= 1024`,
    )
    .execute();
  await db.schema
    .createIndex('webhook_attempts_delivery_idx')
    .on('webhook_attempts')
    .columns(['delivery_id', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('webhook_attempts').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('webhook_endpoints').execute();
  await db.schema.dropTable('events').execute();
}
