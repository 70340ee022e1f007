/**
 * What the component tests share: the service stood in for at the network boundary (fetch answers by
 * "METHOD /path"), fixtures shaped like the API's, and a render with the app's providers at a given path.
 */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, expect, vi } from 'vitest';
import type { Esim, Pack, Plan, User } from '../src/api/client';
import { SessionProvider } from '../src/session';

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}
type Answer = { status?: number; body?: unknown } | Response;
type Handler = (call: Call) => Answer | Promise<Answer>;

let routes = new Map<string, Handler>();
/** Every request the page made, in order. */
export let calls: Call[] = [];
let unexpected: string[] = [];

/** Answers for "GET /api/v1/plans" and so on; anything else fails the test. */
export function serve(table: Record<string, Handler | object>): void {
  for (const [route, answer] of Object.entries(table))
    routes.set(route, typeof answer === 'function' ? (answer as Handler) : () => ({ body: answer }));
}

function json(status: number, body: unknown): Response {
  const type = status >= 400 ? 'application/problem+json' : 'application/json';
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': type },
  });
}

export function problem(status: number, code: string, detail: string) {
  return { status, body: { type: 'about:blank', title: code, status, code, detail } };
}

vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
  const request = new Request(input, init);
  const url = new URL(request.url);
  const text = await request.text();
  const call: Call = {
    method: request.method,
    path: url.pathname,
    query: url.searchParams,
    headers: request.headers,
    body: text ? JSON.parse(text) : undefined,
  };
  calls.push(call);
  const route = `${call.method} ${call.path}`;
  const handler = routes.get(route);
  if (!handler) {
    unexpected.push(route);
    return json(404, { code: 'NOT_FOUND', detail: `no stand-in for ${route}` });
  }
  const answer = await handler(call);
  return answer instanceof Response ? answer : json(answer.status ?? 200, answer.body ?? {});
});

afterEach(() => {
  cleanup(); // before the check below, which may throw
  const missed = unexpected;
  routes = new Map();
  calls = [];
  unexpected = [];
  expect(missed, 'requests the test did not expect').toEqual([]);
});

/** The page at `path` with the app's providers; `user` signs in (session cookie, refresh, /users/me). */
export function renderAt(ui: ReactNode, { path = '/', user }: { path?: string; user?: User } = {}) {
  history.replaceState(null, '', path);
  document.cookie = `kswifi_signed_in=${user ? '1' : '; expires=Thu, 01 Jan 1970 00:00:00 GMT'}; path=/`;
  if (user) {
    serve({
      'POST /api/v1/auth/browser/refresh': { tokens: { access_token: 'at-1' } },
      'GET /api/v1/users/me': user,
    });
  }
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <SessionProvider>{ui}</SessionProvider>
    </QueryClientProvider>,
  );
}

const T = '2026-11-01T10:00:00.000Z';

export function aUser(over: Partial<User> = {}): User {
  return {
    id: 'u1',
    email: 'ada@example.com',
    full_name: 'Ada',
    phone_number: null,
    role: 'user',
    status: 'active',
    created_at: T,
    last_login_at: T,
    email_verified_at: T,
    email_notifications: true,
    ...over,
  };
}

export function aPlan(over: Partial<Plan> = {}): Plan {
  return {
    id: 'p1',
    code: 'EU-5GB',
    name: 'Europe 5 GB',
    description: null,
    data_bytes: 5_000_000_000,
    validity_days: 30,
    price_cents: 1499,
    currency: 'EUR',
    countries: ['FR'],
    is_active: true,
    created_at: T,
    updated_at: T,
    ...over,
  };
}

export function aPack(over: Partial<Pack> = {}): Pack {
  return {
    id: 'k1',
    user_id: 'u1',
    plan_id: 'p1',
    esim_id: 'e1',
    name: 'Europe 5 GB',
    total_bytes: 5_000_000_000,
    used_bytes: 0,
    remaining_bytes: 5_000_000_000,
    status: 'active',
    validity_days: 30,
    created_at: T,
    activated_at: T,
    expires_at: null,
    ended_at: null,
    price_cents: 1499,
    currency: 'EUR',
    ...over,
  };
}

export function anEsim(over: Partial<Esim> = {}): Esim {
  return {
    id: 'e1',
    user_id: 'u1',
    label: 'My phone',
    iccid: '8944000000000001234',
    eid: null,
    status: 'installed',
    smdp_address: 'smdp.example',
    matching_id: 'M1',
    activation_code: 'LPA:1$smdp.example$M1',
    confirmation_code_required: false,
    apple_install_url: 'https://esimsetup.apple.com/esim_qrcode_provisioning?carddata=x',
    created_at: T,
    updated_at: T,
    ...over,
  };
}
