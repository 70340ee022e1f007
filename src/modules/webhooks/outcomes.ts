/**
 * Recording what the worker's attempts came to, in one transaction per group: the attempt log, each
 * delivery's new state (only while the worker still holds its claim), and each endpoint's health. An
 * endpoint that has failed without a single success for WEBHOOK_DISABLE_AFTER_S is disabled, its pending
 * deliveries given up, and the operators alerted (alerts module), all in that same transaction.
 */
import { transaction, type Db, type Tx } from '../../db/index.js';
import { alertsRepo } from '../alerts/repository.js';
import { deliveriesRepo, type AttemptOutcome } from './deliveries.repository.js';
import { endpointsRepo } from './endpoints.repository.js';
import { failingTooLong } from './retry.js';

export interface OutcomeRules {
  scheduleMs: readonly number[];
  disableAfterMs: number;
}

export async function recordOutcomes(
  db: Db,
  outcomes: readonly AttemptOutcome[],
  now: number,
  rules: OutcomeRules,
): Promise<void> {
  await transaction(db, async (tx) => {
    await deliveriesRepo.finish(tx, outcomes, now);
    const healthy = new Set<string>();
    const failing = new Set<string>();
    for (const o of outcomes) {
      if (o.status === 'succeeded') healthy.add(o.delivery.endpoint_id);
      else if (o.attempt.error !== 'the endpoint is disabled') failing.add(o.delivery.endpoint_id);
    }
    await endpointsRepo.markHealthy(tx, [...healthy]);
    for (const id of failing) if (!healthy.has(id)) await checkHealth(tx, id, now, rules);
  });
}

async function checkHealth(tx: Tx, endpointId: string, now: number, rules: OutcomeRules): Promise<void> {
  const endpoint = await endpointsRepo.markFailing(tx, endpointId, now);
  if (!endpoint || endpoint.enabled !== 1) return;
  if (!failingTooLong(endpoint.failing_since, now, rules.disableAfterMs)) return;
  const since = new Date(endpoint.failing_since ?? now).toISOString();
  const reason = `Every delivery failed since ${since}`;
  if (!(await endpointsRepo.disable(tx, endpointId, reason, now))) return;
  await deliveriesRepo.failPendingOf(tx, endpointId, 'the endpoint was disabled', now);
  await alertsRepo.raise(tx, {
    kind: 'webhook.endpoint_disabled',
    message: `The webhook endpoint ${endpoint.url} was switched off: every delivery to it has failed since ${since}. Fix the receiver, switch it on again and replay what it missed.`,
    refType: 'webhook_endpoint',
    refId: endpointId,
    dedupeKey: `webhook.endpoint_disabled:${endpointId}:${endpoint.failing_since ?? now}`,
    at: now,
  });
}
