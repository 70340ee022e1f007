/**
 * What every operation of the OpenAPI document carries, applied in one place (the docs plugin's
 * transform) so a route added by any module gets it without thinking about it:
 * - a stable camelCase `operationId` derived from the method and the path (`GET /api/v1/packs/{id}/usage`
 *   → `getPackUsage`... see `operationIdOf`); a route may still set its own, and `OPERATION_IDS` holds the
 *   few where the derived name reads badly. The id is part of the contract: generated clients name their
 *   functions after it, so renaming one breaks them (the docs test pins a few);
 * - explicit security: a route that declares none is public and says so with `security: []`; a bearer
 *   route also accepts the docs page's OAuth2 password flow (the same token);
 * - the client errors every route of its kind can answer, when the route did not list them: 400 for a
 *   route with input (the strict validator), 401 for a guarded route, 429 under /api (the rate limit).
 * Only the document changes: the route's own schema (validation, serialization) is left as it is.
 */
import { ProblemRef } from '../http/schemas.js';

/** Derived names that read badly, by "METHOD /path" (the path as Fastify has it). */
export const OPERATION_IDS: Record<string, string> = {
  'POST /api/v1/auth/register': 'register',
  'POST /api/v1/auth/login': 'logIn',
  'POST /api/v1/auth/token': 'createTokenWithPassword',
  'POST /api/v1/auth/refresh': 'refreshTokens',
  'POST /api/v1/auth/logout': 'logOut',
  'GET /api/v1/users/me': 'getMe',
  'PATCH /api/v1/users/me': 'updateMe',
  'POST /api/v1/users/me/password': 'changePassword',
  'GET /api/v1/users/me/activity': 'listMyActivity',
  'GET /api/v1/usage': 'listUsage',
  'POST /api/v1/usage/records': 'ingestUsageRecords',
  'GET /api/v1/admin/activity': 'listAdminActivity',
  'GET /api/v1/admin/stats': 'getAdminStats',
  'POST /api/v1/admin/users/:id/packs': 'grantAdminUserPack',
  'POST /api/v1/auth/password-reset': 'requestPasswordReset',
  'POST /api/v1/auth/password-reset/confirm': 'confirmPasswordReset',
  'POST /api/v1/auth/verify-email': 'verifyEmail',
  'POST /api/v1/auth/verify-email/resend': 'resendVerificationEmail',
  'GET /api/v1/admin/mail': 'listAdminMail',
  'POST /api/v1/admin/esim-profiles/import': 'importAdminEsimProfiles',
  'POST /api/v1/admin/esims/:id/status': 'setAdminEsimStatus',
};

function camel(words: string[]): string {
  return words
    .filter(Boolean)
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase()))
    .join('');
}

function singular(word: string): string {
  if (word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(ss|us)$/.test(word)) return word;
  return word.replace(/s$/, '');
}

const isParam = (segment: string | undefined) => !!segment && /^[:{]/.test(segment);
const isPlural = (segment: string | undefined) => !!segment && !isParam(segment) && /[^su]s$/.test(segment);

/**
 * Method + path, read as a sentence: `GET /api/v1/packs` → `listPacks`, `GET /api/v1/packs/:id` →
 * `getPack`, `POST /api/v1/packs` → `createPack`, `PATCH /api/v1/admin/plans/:id` → `updateAdminPlan`,
 * `DELETE /api/v1/esims/:id` → `deleteEsim`, `POST /api/v1/packs/:id/cancel` → `cancelPack` (a word
 * after an id is an action), `GET /api/v1/packs/:id/usage` → `getPackUsage`, `GET /health` →
 * `getHealth`, any other POST → `post` + the path (`POST /api/v1/webhooks/stripe` → `postWebhooksStripe`).
 * The version prefix is left out; a segment before a parameter becomes singular; `-`, `_` and `.` split words.
 */
export function operationIdOf(method: string, url: string): string {
  const explicit = OPERATION_IDS[`${method} ${url}`];
  if (explicit) return explicit;
  const segments = url
    .replace(/^\/api\/v\d+/, '')
    .split('/')
    .filter(Boolean);
  const words: string[] = [];
  for (const [i, segment] of segments.entries()) {
    if (isParam(segment)) continue;
    const parts = segment.split(/[-_.]/);
    if (isParam(segments[i + 1])) parts.push(singular(parts.pop()!));
    words.push(...parts);
  }
  const last = segments.at(-1);
  const collection = isPlural(last);
  if (method === 'GET') return camel([collection ? 'list' : 'get', ...words]);
  if (method === 'PATCH' || method === 'PUT') return camel(['update', ...words]);
  if (method === 'DELETE') return camel(['delete', ...words]);
  if (method === 'POST' && collection)
    return camel(['create', ...words.slice(0, -1), singular(words.at(-1)!)]);
  if (method === 'POST' && isParam(segments.at(-2)) && last && !isParam(last)) {
    // the whole last segment is the action: /webhooks/:id/rotate-secret → rotateSecretAdminWebhook
    const action = last.split(/[-_.]/);
    return camel([...action, ...words.slice(0, -action.length)]);
  }
  return camel([method.toLowerCase(), ...words]);
}

type Responses = Record<string | number, unknown>;
export interface RouteSchema {
  operationId?: string;
  security?: Record<string, string[]>[];
  response?: Responses;
  body?: unknown;
  querystring?: unknown;
  params?: unknown;
  hide?: boolean;
  [k: string]: unknown;
}

function hasClientError(responses: Responses, status: number): boolean {
  return Object.keys(responses).some((k) => k === String(status) || k === `${String(status)[0]}xx`);
}

/** The document's view of one route's schema, following the conventions above. */
export function documentedSchema(
  method: string,
  url: string,
  schema: RouteSchema | undefined,
): RouteSchema | undefined {
  if (!schema || schema.hide) return schema;
  const out: RouteSchema = { ...schema };
  out.operationId = schema.operationId ?? operationIdOf(method, url);
  const security = schema.security ?? [];
  out.security = security.flatMap((s) => ('bearerAuth' in s ? [s, { oauth2: [] }] : [s]));
  if (schema.response) {
    const responses: Responses = { ...schema.response };
    const add = (status: number) => {
      if (!hasClientError(responses, status)) responses[status] = ProblemRef;
    };
    if (schema.body || schema.querystring || schema.params) add(400);
    if (security.length > 0) add(401);
    if (url.startsWith('/api/')) add(429);
    out.response = responses;
  }
  return out;
}
