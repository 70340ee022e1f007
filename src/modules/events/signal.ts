/**
 * "Events were committed in this process": the signal the webhook worker waits on, so a delivery leaves
 * right after the commit instead of at the next poll. Other instances find the work by polling.
 */
import { EventEmitter } from 'node:events';

export const outboxSignal = new EventEmitter();
outboxSignal.setMaxListeners(0);

export function signalCommitted(): void {
  outboxSignal.emit('committed');
}
