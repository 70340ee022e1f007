/**
 * "Mail was queued and committed in this process": the signal the mail worker waits on, so a mail leaves
 * right after the commit instead of at the next poll. Other instances find it by polling.
 */
import { EventEmitter } from 'node:events';

export const mailSignal = new EventEmitter();
mailSignal.setMaxListeners(0);

export function signalMailQueued(): void {
  mailSignal.emit('queued');
}
