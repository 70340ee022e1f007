/**
 * The API client: openapi-fetch typed by the generated schema (schema.d.ts, `npm run gen:api`).
 * The access token lives in this module's memory only; the refresh token is an HttpOnly cookie the page
 * never sees, sent by the browser to /api/v1/auth/browser/* alone. A 401 on any other call refreshes
 * once (one refresh at a time, across tabs too) and retries the call.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type User = Schemas['User'];
export type Plan = Schemas['Plan'];
export type Pack = Schemas['Pack'];
export type Esim = Schemas['Esim'];
export type Notification = Schemas['Notification'];
export type Problem = Schemas['Problem'];

const BROWSER = '/api/v1/auth/browser/';
let accessToken: string | null = null;
let onSignedOut: () => void = () => undefined;

export function setAccessToken(token: string | null): void {
  accessToken = token;
}
export function whenSignedOut(listener: () => void): void {
  onSignedOut = listener;
}

/** A problem+json answer, thrown by `unwrap`: `detail` is written for people, `code` for the app. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(problem.detail ?? `The service answered ${status}`);
  }
  get code(): string {
    return this.problem.code ?? '';
  }
}

function withHeaders(request: Request): Request {
  const headers = new Headers(request.headers);
  if (new URL(request.url).pathname.startsWith(BROWSER)) headers.set('x-csrf', '1');
  else if (accessToken) headers.set('authorization', `Bearer ${accessToken}`);
  return new Request(request, { headers });
}

let refreshing: Promise<boolean> | null = null;

/** Whether the service set a session cookie (its companion `kswifi_signed_in` hint says so; no secret). */
export function hasSessionCookie(): boolean {
  return document.cookie.split('; ').includes('kswifi_signed_in=1');
}

/** A new access token from the session cookie; false when there is no session (signed out). */
export function refreshAccess(): Promise<boolean> {
  if (!hasSessionCookie()) return Promise.resolve(false);
  refreshing ??= (async () => {
    const run = async () => {
      const res = await fetch(`${BROWSER}refresh`, { method: 'POST', headers: { 'x-csrf': '1' } });
      if (!res.ok) {
        accessToken = null;
        return false;
      }
      const body = (await res.json()) as { tokens: { access_token: string } };
      accessToken = body.tokens.access_token;
      return true;
    };
    // two tabs refreshing the same cookie at once would look like a stolen token: take turns
    const locks = (navigator as Navigator & { locks?: LockManager }).locks;
    try {
      return locks ? await locks.request('kswifi-refresh', run) : await run();
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

async function authedFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const res = await fetch(withHeaders(input));
  if (res.status !== 401 || new URL(input.url).pathname.startsWith(BROWSER)) return res;
  if (await refreshAccess()) return fetch(withHeaders(retry));
  onSignedOut();
  return res;
}

export const api = createClient<paths>({ baseUrl: location.origin, fetch: authedFetch });

/** The data of an openapi-fetch answer, or an ApiError with the problem it carried. */
export async function unwrap<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await call;
  } catch {
    throw new ApiError(0, {
      detail: 'We could not reach KSWiFi. Check your internet connection, then try again.',
      code: 'NETWORK',
    });
  }
  if (answer.response.ok) return answer.data as T;
  const problem = (answer.error ?? {}) as Partial<Problem>;
  throw new ApiError(answer.response.status, problem);
}

/** The eSIM's QR code as an object URL (the image needs the bearer token, so <img src> cannot fetch it). */
export async function qrObjectUrl(esimId: string, size = 480): Promise<string> {
  const { data, response } = await api.GET('/api/v1/esims/{id}/qr', {
    params: { path: { id: esimId }, query: { format: 'png', size } },
    parseAs: 'blob',
  });
  if (!response.ok || !data)
    throw new ApiError(response.status, { detail: 'The QR code could not be loaded.' });
  return URL.createObjectURL(data as Blob);
}
