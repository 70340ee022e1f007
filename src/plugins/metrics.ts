/**
 * Prometheus metrics on /metrics: process defaults, an HTTP duration histogram by route template and
 * status, the database pool, the rate-limit store's health, the session cache and its bus, and counters
 * other modules increment (usage records ingested). One registry per app instance so tests can build many apps. Guarded by METRICS_TOKEN
 * when it is set.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { unauthorized } from '../errors.js';
import { safeEqual } from '../lib/secrets.js';
import type { AppContext } from '../context.js';

export interface Metrics {
  registry: Registry;
  usageRecords: Counter<'outcome'>;
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
  }
}

export const metricsPlugin = fp(
  async (app: FastifyInstance, opts: { ctx: AppContext }) => {
    const { ctx } = opts;
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by method, route template and status',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    const usageRecords = new Counter({
      name: 'usage_records_ingested_total',
      help: 'Usage records received, by outcome (accepted, duplicate, rejected)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    });
    new Gauge({
      name: 'db_pool_connections',
      help: 'Database pool connections by state',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const p = ctx.database.pool();
        this.set({ state: 'total' }, p.total);
        this.set({ state: 'idle' }, p.idle);
        this.set({ state: 'waiting' }, p.waiting);
        this.set({ state: 'max' }, p.max);
      },
    });
    new Gauge({
      name: 'db_prepared_statements',
      help: 'PostgreSQL statement texts kept prepared (names), and times a connection forgot its own (resets)',
      labelNames: ['kind'] as const,
      registers: [registry],
      collect() {
        const p = ctx.database.prepared();
        this.set({ kind: 'names' }, p.names);
        this.set({ kind: 'resets' }, p.resets);
      },
    });
    // 1 while the rate-limit store answers; Redis at 0 means the limits fail open (not enforced)
    new Gauge({
      name: 'rate_limit_store_up',
      help: 'Whether the rate-limit store answers (1) or not (0: limits fail open), by store',
      labelNames: ['store'] as const,
      registers: [registry],
      collect() {
        const state = app.hasDecorator('rateLimitStore') ? app.rateLimitStore() : 'off';
        if (state === 'off') this.set({ store: 'memory' }, 1);
        else this.set({ store: 'redis' }, state === 'ok' ? 1 : 0);
      },
    });
    // the session cache (src/sessions): trusted while its invalidation channel is up, else bypassed
    const { cache, bus } = ctx.sessions;
    new Gauge({
      name: 'session_cache_trusted',
      help: 'Whether authenticate serves from its session cache (1) or reads the rows (0: channel down)',
      registers: [registry],
      collect() {
        this.set(cache.trusted() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'session_cache_entries',
      help: 'Entries held by the session cache, by kind (users, sessions)',
      labelNames: ['kind'] as const,
      registers: [registry],
      collect() {
        const s = cache.stats();
        this.set({ kind: 'users' }, s.users);
        this.set({ kind: 'sessions' }, s.sessions);
      },
    });
    const counterOf = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          // the source counts; the counter mirrors it (it only ever grows)
          this.reset();
          this.inc(read());
        },
      });
    counterOf(
      'session_cache_hits_total',
      'Session cache reads answered from the cache',
      () => cache.stats().hits,
    );
    counterOf(
      'session_cache_misses_total',
      'Session cache reads that loaded the row (then kept it)',
      () => cache.stats().misses,
    );
    counterOf(
      'session_cache_bypasses_total',
      'Session cache reads that went to the database because the invalidation channel was down',
      () => cache.stats().bypasses,
    );
    counterOf(
      'session_bus_publish_failures_total',
      'Session invalidations that could not be sent to the other instances',
      () => bus.stats().publishFailures,
    );
    counterOf(
      'session_bus_reconnects_total',
      'Times the session invalidation channel came back after being lost',
      () => bus.stats().reconnects,
    );
    // the pack-list cache (src/sessions/pack-lists.ts): GET /packs first pages, cleared by the same bus
    const packLists = ctx.packLists;
    new Gauge({
      name: 'pack_list_cache_entries',
      help: 'Users whose newest packs the pack-list cache holds',
      registers: [registry],
      collect() {
        this.set(packLists.stats().users);
      },
    });
    counterOf(
      'pack_list_cache_hits_total',
      'Pack lists answered from the cache',
      () => packLists.stats().hits,
    );
    counterOf(
      'pack_list_cache_misses_total',
      'Pack lists read from the database (then kept)',
      () => packLists.stats().misses,
    );
    counterOf(
      'pack_list_cache_bypasses_total',
      'Pack lists read from the database because the invalidation channel was down',
      () => packLists.stats().bypasses,
    );
    app.decorate('metrics', { registry, usageRecords });

    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      duration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
    });

    const token = ctx.config.METRICS_TOKEN;
    app.get('/metrics', { schema: { hide: true }, config: { rateLimit: false } }, async (request, reply) => {
      if (token) {
        const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
        if (!safeEqual(given, token)) throw unauthorized('UNAUTHENTICATED', 'A metrics token is required');
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    });
  },
  { name: 'metrics' },
);
