/** The bench's HTTP client: one JSON request to the server under test, and a short description of an answer. */

export interface ApiAnswer {
  status: number;
  json: unknown;
  /** no such route: 404 from the not-found handler, or 501 */
  routeMissing: boolean;
}

export async function api(
  baseUrl: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
    headers['content-type'] = 'application/json';
  const res = await fetch(baseUrl + path, {
    method,
    headers,
    body:
      opts.body === undefined
        ? undefined
        : typeof opts.body === 'string'
          ? opts.body
          : JSON.stringify(opts.body),
    signal: AbortSignal.timeout(30000),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON (an image, a text body)
  }
  const detail = (json as { detail?: unknown } | null)?.detail;
  const routeMissing =
    res.status === 501 ||
    (res.status === 404 && typeof detail === 'string' && detail.startsWith('No route for'));
  return { status: res.status, json, routeMissing };
}

export function describeAnswer(a: ApiAnswer): string {
  const j = a.json as { code?: string; detail?: string } | null;
  const what = j && typeof j === 'object' ? [j.code, j.detail].filter(Boolean).join(': ') : '';
  return `${a.status}${what ? ` ${what}` : ''}`;
}
