/**
 * The retry rules of a webhook delivery, with no I/O: after a failed attempt, when the next one is due
 * (the configured schedule, with ±10 % jitter so a burst of failures does not come back as one burst),
 * or that the delivery has failed for good; and whether an endpoint failing for long enough is disabled.
 */
export function parseSchedule(text: string): number[] {
  return text.split(',').map((s) => Number(s) * 1000);
}

export type NextStep = { status: 'pending'; at: number } | { status: 'failed' };

/** After attempt number `attempts` (1 = the first) failed at `now`. */
export function afterFailure(
  attempts: number,
  scheduleMs: readonly number[],
  now: number,
  random: () => number = Math.random,
): NextStep {
  const wait = scheduleMs[attempts - 1];
  if (wait === undefined) return { status: 'failed' };
  const jitter = wait * 0.1 * (2 * random() - 1);
  return { status: 'pending', at: now + Math.max(0, Math.round(wait + jitter)) };
}

/** Whether an endpoint failing since `failingSince` (no success since) is to be disabled at `now`. */
export function failingTooLong(failingSince: number | null, now: number, disableAfterMs: number): boolean {
  return failingSince !== null && now - failingSince >= disableAfterMs;
}
