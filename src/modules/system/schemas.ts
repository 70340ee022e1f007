/** TypeBox shapes of the system routes: liveness, readiness, and the operators' stats and health. */
import { Type, type Static } from 'typebox';
import { Timestamp } from '../../http/schemas.js';

const Count = Type.Integer({ minimum: 0 });
const Bytes = Type.Integer({ minimum: 0, description: 'bytes' });

// ---- liveness and readiness --------------------------------------------------------------------------

export const Health = Type.Object({ status: Type.Literal('ok') });

/** `off`: in-memory limits (no REDIS_URL); `ok`: Redis answers; `degraded`: Redis is down, limits fail open. */
const RateLimitStore = Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('off')]);
export type RateLimitStore = Static<typeof RateLimitStore>;

/** `local`: one process; `ok`: the session invalidation channel is up; `degraded`: it is down (reads bypass the cache). */
const SessionsState = Type.Union([Type.Literal('local'), Type.Literal('ok'), Type.Literal('degraded')]);

export const Ready = Type.Object({
  status: Type.Literal('ready'),
  database: Type.Literal('ok'),
  rate_limit_store: RateLimitStore,
  sessions: SessionsState,
  usage_feed: Type.Enum(['off', 'connecting', 'ok', 'degraded'], {
    description:
      'the NATS usage feed: `off` (not configured), `connecting`, `ok`, `degraded` (the broker is unreachable; ' +
      'the feed waits and nothing is lost; still ready for HTTP)',
  }),
});

export const NotReady = Type.Object({
  status: Type.Literal('unavailable'),
  database: Type.Literal('unreachable'),
});

// ---- the operators' stats and health -----------------------------------------------------------------

const ByStatus = Type.Record(Type.String(), Count);

export const Stats = Type.Object({
  users: Type.Object({
    total: Type.Integer({ minimum: 0, description: 'accounts that are not deleted' }),
    active: Count,
    suspended: Count,
    deleted: Count,
    new_7d: Type.Integer({ minimum: 0, description: 'not-deleted accounts created in the last 7 days' }),
  }),
  packs: Type.Object({
    by_status: Type.Record(Type.String(), Count, {
      description: 'every pack status; an active pack past its expiry counts as expired',
    }),
  }),
  data: Type.Object({
    sold_bytes: Type.Integer({ minimum: 0, description: 'data of paid packs that are not cancelled' }),
    granted_bytes: Type.Integer({ minimum: 0, description: 'data of free (granted) packs not cancelled' }),
    used_bytes: Type.Integer({ minimum: 0, description: 'bytes debited from packs' }),
  }),
  esims: Type.Object({ by_status: ByStatus }),
  revenue: Type.Array(Type.Object({ currency: Type.String(), cents: Type.Integer({ minimum: 0 }) }), {
    description: 'paid orders, by currency',
  }),
  usage_per_day: Type.Array(Type.Object({ day: Type.String({ format: 'date' }), bytes: Bytes }), {
    description: 'usage reported per UTC day, the last 30 days including today, oldest first',
  }),
  generated_at: Timestamp,
});
export type Stats = Static<typeof Stats>;

const Ms = Type.Number({ minimum: 0, description: 'milliseconds' });

export const SystemHealth = Type.Object({
  version: Type.String(),
  uptime_s: Type.Integer({ minimum: 0 }),
  node: Type.String(),
  database: Type.Object({
    dialect: Type.Enum(['sqlite', 'postgres']),
    latency_ms: Ms,
    pool: Type.Object({ total: Count, idle: Count, waiting: Count, max: Count }),
  }),
  memory: Type.Object({ rss: Bytes, heap_used: Bytes, heap_total: Bytes, external: Bytes }),
  event_loop_lag_ms: Type.Object(
    { p50: Ms, p99: Ms, max: Ms },
    { description: 'event-loop delay since the app started (perf_hooks histogram)' },
  ),
});
export type SystemHealth = Static<typeof SystemHealth>;
