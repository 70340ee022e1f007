/**
 * The webhooks' consumer of the event outbox: in the emitting transaction, one pending delivery per
 * (event, enabled endpoint that takes its type). The worker sends them after the commit.
 */
import type { Executor } from '../../db/index.js';
import { newId } from '../../lib/ids.js';
import type { OutboxEvent } from '../events/types.js';
import { deliveriesRepo } from './deliveries.repository.js';
import { endpointsRepo } from './endpoints.repository.js';

/** The event types an endpoint takes (stored as a JSON array; `*` is every type). */
export function takesType(eventTypes: string, type: string): boolean {
  const types = JSON.parse(eventTypes) as string[];
  return types.includes('*') || types.includes(type);
}

/**
 * Writes the deliveries `events` call for; how many. The emit hands over only the events some enabled
 * endpoint may take (`endpointsRepo.mayTake`, asked in its INSERT), so most emits read no endpoint here.
 */
export async function fanOutToWebhooks(db: Executor, events: readonly OutboxEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  const endpoints = await endpointsRepo.listEnabled(db);
  if (endpoints.length === 0) return 0;
  const rows = [];
  for (const e of events) {
    for (const ep of endpoints) {
      if (!takesType(ep.event_types, e.type)) continue;
      rows.push({
        id: newId(),
        endpoint_id: ep.id,
        event_id: e.id,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: e.at,
        claimed_until: null,
        claim_token: null,
        last_status_code: null,
        last_error: null,
        created_at: e.at,
        updated_at: e.at,
        delivered_at: null,
      });
    }
  }
  await deliveriesRepo.insertMany(db, rows);
  return rows.length;
}
