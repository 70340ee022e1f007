/**
 * Readiness (a database round trip within a time limit) and system health for operators: version,
 * process, database round trip and pool, memory and event-loop delay. The event-loop histogram runs from
 * the app's start to its close (system/index.ts starts and stops it with the app), so its percentiles
 * describe the whole life of the process's app.
 */
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { DatabaseHandle } from '../../db/index.js';
import { VERSION } from '../../version.js';
import type { SystemHealth } from './schemas.js';

/** How long readiness waits for the database before answering that it is unreachable. */
const PING_TIMEOUT_MS = 2000;

const NS_PER_MS = 1e6;
// the histogram samples the interval between timer ticks; the lag is what exceeds the resolution
const RESOLUTION_MS = 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

export class SystemService {
  private histogram: IntervalHistogram | undefined;

  constructor(private readonly database: DatabaseHandle) {}

  start(): void {
    if (this.histogram) return;
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.histogram.enable();
  }

  stop(): void {
    this.histogram?.disable();
    this.histogram = undefined;
  }

  /** Resolves when the database answers a round trip in time; rejects otherwise. */
  async checkDatabase(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.database.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('database ping timed out')), PING_TIMEOUT_MS);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async health(): Promise<SystemHealth> {
    const t0 = performance.now();
    await this.database.ping();
    const latency = performance.now() - t0;
    const mem = process.memoryUsage();
    const h = this.histogram;
    const lag = (ns: number | undefined) =>
      h && h.count > 0 && ns ? round2(Math.max(0, ns / NS_PER_MS - RESOLUTION_MS)) : 0;
    return {
      version: VERSION,
      uptime_s: Math.floor(process.uptime()),
      node: process.version,
      database: { dialect: this.database.dialect, latency_ms: round2(latency), pool: this.database.pool() },
      memory: { rss: mem.rss, heap_used: mem.heapUsed, heap_total: mem.heapTotal, external: mem.external },
      event_loop_lag_ms: { p50: lag(h?.percentile(50)), p99: lag(h?.percentile(99)), max: lag(h?.max) },
    };
  }
}
