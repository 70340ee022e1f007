/**
 * Fault injection for the ES2+ functions: each fault answers the next `times` calls of one function (or
 * of any) with a chosen Failed status, an HTTP 500, a delay before the normal answer (long enough to
 * pass the operator's timeout: the work is still done after it), or `lost`: the function runs and
 * commits, then the connection is closed without an answer (the answer lost on the way back).
 */
import type { StatusCodeData } from './functions.js';

export interface Fault {
  fn?: string;
  kind: 'failed' | 'http500' | 'delay' | 'lost';
  code?: StatusCodeData;
  delayMs?: number;
  times: number;
}

export class Faults {
  private list: Fault[] = [];

  add(f: Fault): void {
    this.list.push(f);
  }

  clear(): void {
    this.list = [];
  }

  pending(): Fault[] {
    return this.list;
  }

  /** The fault for this call of `fn`, used up by one. */
  take(fn: string): Fault | undefined {
    const f = this.list.find((x) => x.times > 0 && (x.fn === undefined || x.fn === fn));
    if (!f) return undefined;
    f.times -= 1;
    this.list = this.list.filter((x) => x.times > 0);
    return f;
  }
}
