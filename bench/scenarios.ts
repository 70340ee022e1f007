/**
 * The scenario registry: one entry per measured request shape. To add a scenario, add an entry here (and
 * a `Need` in seed.ts when it needs data the others do not make); the runner, the table, the results file and
 * the route probe pick it up. A scenario whose route answers 404 (no route) or 501 is reported as
 * "skipped: route not available", so scenarios can land before the module they measure.
 *
 * `{item}` in path, body or a header value is replaced per request by the next of `items(seed)`.
 */
import type { WrkRequest } from './wrk.js';
import type { Need, Seed } from './seed.js';

export interface Scenario {
  name: string;
  /** what it measures (docs/benchmarks.md repeats it) */
  summary: string;
  /** `ceiling`: the bench's own hello-world server instead of the app */
  kind?: 'app' | 'ceiling';
  method: 'GET' | 'POST';
  path: string | ((seed: Seed) => string);
  body?: string | ((seed: Seed) => string);
  headers?: (seed: Seed) => Record<string, string>;
  items?: (seed: Seed) => string[];
  /** POST /usage/records: `batch` records per request, generated in Lua with unique event ids */
  /** `hot`: every record on the fleet's first eSIM (one pack), the hot-pack case */
  usage?: { batch: number; bytes: number; hot?: boolean };
  connections: number;
  /** connections stay as given even with --connections */
  fixedConnections?: boolean;
  /** runs at least this long whatever --duration says (slow requests: few complete in a short run) */
  minDurationS?: number;
  /** ms between a connection's requests (a low-rate probe rather than a closed loop) */
  delayMs?: number;
  /** another scenario run at the same time as load; this one is the measured probe */
  during?: { scenario: string; connections: number };
  needs?: Need[];
  /** the table shows req/s as % of `ceiling` (the results file has the ratio for every scenario) */
  vsCeiling?: boolean;
}

const API = '/api/v1';
const bearer = (token: string | undefined) => ({ Authorization: `Bearer ${token ?? ''}` });
const json = { 'Content-Type': 'application/json' };

export const scenarios: Scenario[] = [
  {
    name: 'ceiling',
    summary: 'bare Fastify hello-world (bench/ceiling.ts), same Node and worker count: the upper bound',
    kind: 'ceiling',
    method: 'GET',
    path: '/',
    connections: 32,
  },
  {
    name: 'health',
    vsCeiling: true,
    summary: 'GET /health: routing, hooks (request id, helmet, CORS, metrics, access log), no database',
    method: 'GET',
    path: '/health',
    connections: 32,
  },
  {
    name: 'me',
    vsCeiling: true,
    summary: 'GET /users/me: JWT verify, rate-limit key, user read by primary key, response schema',
    method: 'GET',
    path: `${API}/users/me`,
    headers: (s) => bearer(s.user?.token),
    connections: 32,
    needs: ['user'],
  },
  {
    name: 'packs',
    vsCeiling: true,
    summary: 'GET /packs for a user with 10 packs: an authenticated indexed list',
    method: 'GET',
    path: `${API}/packs`,
    headers: (s) => bearer(s.user?.token),
    connections: 32,
    needs: ['user', 'packs'],
  },
  {
    name: 'login',
    summary: 'POST /auth/login with a valid user at bcrypt cost 12: compared with the bcrypt ceiling',
    method: 'POST',
    path: `${API}/auth/login`,
    body: (s) => JSON.stringify({ email: s.user?.email, password: s.user?.password }),
    headers: () => json,
    connections: 16,
    minDurationS: 5,
    needs: ['user'],
  },
  {
    name: 'login-storm-lag',
    summary: 'GET /health at a low rate (2 connections, 10 ms apart) while `login` runs with 16 connections',
    method: 'GET',
    path: '/health',
    connections: 2,
    fixedConnections: true,
    delayMs: 10,
    minDurationS: 5,
    during: { scenario: 'login', connections: 16 },
    needs: ['user'],
  },
  {
    name: 'usage-batch',
    summary: 'POST /usage/records, 100 records per request (X-API-Key), unique event ids: records/s',
    method: 'POST',
    path: `${API}/usage/records`,
    headers: (s) => ({ ...json, 'X-API-Key': s.apiKey ?? '' }),
    usage: { batch: 100, bytes: 1500 },
    connections: 16,
    needs: ['apiKey', 'fleet'],
  },
  {
    name: 'usage-single',
    summary: 'POST /usage/records, 1 record per request',
    method: 'POST',
    path: `${API}/usage/records`,
    headers: (s) => ({ ...json, 'X-API-Key': s.apiKey ?? '' }),
    usage: { batch: 1, bytes: 1500 },
    connections: 32,
    needs: ['apiKey', 'fleet'],
  },
  {
    name: 'usage-hot',
    summary: 'POST /usage/records, 1 record per request, all on one eSIM (one hot pack)',
    method: 'POST',
    path: `${API}/usage/records`,
    headers: (s) => ({ ...json, 'X-API-Key': s.apiKey ?? '' }),
    usage: { batch: 1, bytes: 1500, hot: true },
    connections: 32,
    needs: ['apiKey', 'fleet'],
  },
  {
    name: 'qr-warm',
    summary: 'GET /esims/{id}/qr?format=png, always the same eSIM (whatever caching the module does)',
    method: 'GET',
    path: (s) => `${API}/esims/${s.fleet?.esims[0]?.id ?? 'none'}/qr?format=png`,
    headers: (s) => bearer(s.fleet?.owner.token),
    connections: 32,
    needs: ['fleet'],
  },
  {
    name: 'qr-cold',
    summary: 'GET /esims/{id}/qr?format=png rotating through all the fleet eSIMs',
    method: 'GET',
    path: `${API}/esims/{item}/qr?format=png`,
    items: (s) => (s.fleet?.esims ?? []).map((e) => e.id),
    headers: (s) => bearer(s.fleet?.owner.token),
    connections: 32,
    needs: ['fleet'],
  },
  {
    name: 'esim-create',
    summary: 'POST /esims rotating over many accounts (ICCID + activation code issued, row written)',
    method: 'POST',
    path: `${API}/esims`,
    body: JSON.stringify({ label: 'bench' }),
    items: (s) => s.esimUserTokens ?? [],
    headers: () => ({ ...json, Authorization: 'Bearer {item}' }),
    connections: 32,
    needs: ['esimUsers'],
  },
  {
    name: 'stats',
    summary: 'GET /admin/stats as an admin (aggregates over everything the earlier scenarios wrote)',
    method: 'GET',
    path: `${API}/admin/stats`,
    headers: (s) => bearer(s.admin?.token),
    connections: 32,
    needs: ['admin'],
  },
];

export function scenarioByName(name: string): Scenario | undefined {
  return scenarios.find((s) => s.name === name);
}

const valueOf = (v: string | ((seed: Seed) => string) | undefined, seed: Seed) =>
  typeof v === 'function' ? v(seed) : v;

/** The wrk request of a scenario for this seed. */
export function wrkRequestOf(sc: Scenario, seed: Seed, usagePrefix: string, occurredAt: string): WrkRequest {
  return {
    method: sc.method,
    path: valueOf(sc.path, seed)!,
    body: valueOf(sc.body, seed),
    headers: sc.headers?.(seed),
    items: sc.items?.(seed),
    delayMs: sc.delayMs,
    usage: sc.usage && {
      batch: sc.usage.batch,
      bytes: sc.usage.bytes,
      prefix: usagePrefix,
      occurredAt,
      iccids: (seed.fleet?.esims ?? []).slice(0, sc.usage.hot ? 1 : undefined).map((e) => e.iccid),
    },
  };
}

/** The first request of a wrk request, as fetch arguments: the route probe. */
export function firstRequestOf(
  req: WrkRequest,
  eventId: string,
): { method: string; path: string; body?: string; headers: Record<string, string> } {
  const item = req.items?.[0] ?? '';
  const sub = (s: string) => s.split('{item}').join(item);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers ?? {})) headers[k] = sub(v);
  let body = req.body === undefined ? undefined : sub(req.body);
  if (req.usage) {
    body = JSON.stringify({
      records: [
        {
          event_id: eventId,
          iccid: req.usage.iccids[0] ?? '',
          bytes: req.usage.bytes,
          occurred_at: req.usage.occurredAt,
        },
      ],
    });
  }
  return { method: req.method, path: sub(req.path), body, headers };
}
