/**
 * Retention of the outboxes (events/retention.ts), on both databases: events, their finished webhook
 * deliveries (with attempt logs) and sent or failed e-mails older than the retention go; anything newer,
 * an event whose delivery is still pending (with that delivery) and a pending e-mail stay. Small batches
 * prove the loop goes on past the first one; a second run deletes nothing more.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Db } from '../../../src/db/index.js';
import { DAY_MS } from '../../../src/lib/clock.js';
import { newId } from '../../../src/lib/ids.js';
import { pruneOutboxes } from '../../../src/modules/events/retention.js';
import { forEachDialect } from '../../helper.js';

const NOW = Date.UTC(2026, 11, 1);
const OLD = NOW - 100 * DAY_MS;
const RECENT = NOW - 10 * DAY_MS;

async function event(db: Db, at: number): Promise<string> {
  const id = newId();
  await db
    .insertInto('events')
    .values({ id, type: 'pack.depleted', occurred_at: at, user_id: null, payload: '{}', dedupe_key: null })
    .execute();
  return id;
}

async function delivery(db: Db, endpoint: string, eventId: string, status: 'pending' | 'succeeded') {
  const id = newId();
  await db
    .insertInto('webhook_deliveries')
    .values({
      ...{ id, endpoint_id: endpoint, event_id: eventId, status, attempts: 1, next_attempt_at: OLD },
      ...{ claimed_until: null, claim_token: null, last_status_code: 200, last_error: null },
      ...{ created_at: OLD, updated_at: OLD, delivered_at: status === 'pending' ? null : OLD },
    })
    .execute();
  await db
    .insertInto('webhook_attempts')
    .values({
      ...{ id: newId(), delivery_id: id, attempt: 1, started_at: OLD, latency_ms: 5, status_code: 200 },
      ...{ succeeded: status === 'pending' ? 0 : 1, error: null, response_excerpt: null },
    })
    .execute();
  return id;
}

async function mail(db: Db, status: 'pending' | 'sent' | 'failed', at: number): Promise<string> {
  const id = newId();
  await db
    .insertInto('mail_outbox')
    .values({
      ...{ id, idempotency_key: `k:${id}`, user_id: null, kind: 'welcome', recipient: 'a@example.test' },
      ...{ subject: 'Hi', text_body: 'Hi', html_body: '<p>Hi</p>', status, attempts: 1 },
      ...{ next_attempt_at: at, last_error: null, created_at: at, sent_at: status === 'sent' ? at : null },
    })
    .execute();
  return id;
}

const ids = async (db: Db, table: 'events' | 'webhook_deliveries' | 'mail_outbox') =>
  (await db.selectFrom(table).select('id').execute()).map((r) => r.id).sort();

forEachDialect('outbox retention', ({ env }) => {
  test('old finished rows go, in batches; recent and still-waiting rows stay', async () => {
    const { db } = env();
    const endpoint = newId();
    await db
      .insertInto('webhook_endpoints')
      .values({
        ...{ id: endpoint, url: 'https://hooks.example.test/in', description: null, event_types: '["*"]' },
        ...{ enabled: 1, secret_sealed: 'x', previous_secret_sealed: null, previous_secret_expires_at: null },
        ...{ failing_since: null, disabled_reason: null, created_by: null, created_at: OLD, updated_at: OLD },
      })
      .execute();
    const oldEvents = [];
    for (let i = 0; i < 7; i++) oldEvents.push(await event(db, OLD + i));
    const delivered = await delivery(db, endpoint, oldEvents[0]!, 'succeeded');
    const waiting = await delivery(db, endpoint, oldEvents[1]!, 'pending');
    const recent = await event(db, RECENT);
    const recentDelivery = await delivery(db, endpoint, recent, 'succeeded');
    const mails = {
      oldSent: await mail(db, 'sent', OLD),
      oldFailed: await mail(db, 'failed', OLD),
      oldPending: await mail(db, 'pending', OLD),
      recentSent: await mail(db, 'sent', RECENT),
    };

    const r = await pruneOutboxes(db, NOW, 90, { batch: 2 });
    assert.deepEqual(r, { events: 6, deliveries: 1, mails: 2 });
    assert.deepEqual(await ids(db, 'events'), [oldEvents[1]!, recent].sort());
    assert.deepEqual(await ids(db, 'webhook_deliveries'), [waiting, recentDelivery].sort());
    assert.ok(!(await ids(db, 'webhook_deliveries')).includes(delivered));
    const attempts = await db.selectFrom('webhook_attempts').select('delivery_id').execute();
    assert.deepEqual(attempts.map((a) => a.delivery_id).sort(), [waiting, recentDelivery].sort());
    assert.deepEqual(await ids(db, 'mail_outbox'), [mails.oldPending, mails.recentSent].sort());

    assert.deepEqual(await pruneOutboxes(db, NOW, 90, { batch: 2 }), { events: 0, deliveries: 0, mails: 0 });
    // the batches per run bound one run's work; the rest goes at the next run
    for (let i = 0; i < 5; i++) await event(db, OLD + 100 + i);
    const bounded = await pruneOutboxes(db, NOW, 90, { batch: 2, batches: 1 });
    assert.equal(bounded.events, 2);
    assert.equal((await pruneOutboxes(db, NOW, 90, { batch: 2 })).events, 3);
  });
});
