/**
 * /api/v1/auth/browser: the same sessions as the JSON routes, for a web page. The refresh token never
 * reaches the page's JavaScript: it travels in an `HttpOnly; Secure; SameSite=Strict` cookie whose path is
 * this prefix, so the browser sends it to these four routes and nowhere else; the access token is in the
 * answer body and the page keeps it in memory. Rotation and reuse detection are AuthService's, unchanged.
 *
 * Beside it, `kswifi_signed_in=1` (readable by the page, path /, no secret in it) only tells the page that
 * a session cookie exists, so a first visit does not call refresh just to be told 401.
 *
 * CSRF: SameSite=Strict already keeps the cookie off cross-site requests; on top of that every route here
 * wants the `X-CSRF: 1` header (a page on another origin cannot send a custom header without a CORS
 * preflight this service does not grant) and, when the browser sends `Origin`, one this service serves or
 * lists in CORS_ORIGINS. Login and registration are guarded too (no signing a victim into another account).
 */
import cookie from '@fastify/cookie';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../../errors.js';
import { requestMeta } from '../../http/meta.js';
import { problems } from '../../http/schemas.js';
import { BrowserRefreshAnswer, BrowserSession, LoginBody, RegisterBody } from './schemas.js';
import type { Tokens } from './service.js';

export const BROWSER_PREFIX = '/api/v1/auth/browser';
export const REFRESH_COOKIE = 'kswifi_refresh';
export const HINT_COOKIE = 'kswifi_signed_in';
export const CSRF_HEADER = 'x-csrf';

const csrfHeaderParam = {
  type: 'object',
  properties: {
    [CSRF_HEADER]: { type: 'string', const: '1', description: 'always 1: proves a same-origin page' },
  },
  required: [CSRF_HEADER],
} as const;

export const browserRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auth } = app.services;
  const { config } = app.ctx;
  await app.register(cookie);
  const allowedOrigins = new Set(
    config.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter((o) => o && o !== '*'),
  );
  const strict = { rateLimit: false } as const;
  const limited = app.authRateLimit;
  const tags = ['auth'];
  const cookieOptions = {
    path: BROWSER_PREFIX,
    httpOnly: true,
    secure: true,
    sameSite: 'strict' as const,
  };

  // runs before the body is read, so a forged request costs no password check
  app.addHook('onRequest', async (request: FastifyRequest) => {
    if (request.headers[CSRF_HEADER] !== '1') {
      throw forbidden('CSRF_HEADER_MISSING', 'Send the header X-CSRF: 1 with this request');
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, request) && !allowedOrigins.has(origin)) {
      throw forbidden('CSRF_ORIGIN', 'This request comes from a page this service does not serve');
    }
  });

  const hintOptions = { path: '/', httpOnly: false, secure: true, sameSite: 'strict' as const };
  const setRefresh = (reply: FastifyReply, token: string) =>
    reply
      .setCookie(REFRESH_COOKIE, token, { ...cookieOptions, maxAge: config.REFRESH_TOKEN_TTL })
      .setCookie(HINT_COOKIE, '1', { ...hintOptions, maxAge: config.REFRESH_TOKEN_TTL });
  const clearRefresh = (reply: FastifyReply) =>
    reply.clearCookie(REFRESH_COOKIE, cookieOptions).clearCookie(HINT_COOKIE, hintOptions);
  const accessOnly = ({ access_token, token_type, expires_in }: Tokens) => ({
    access_token,
    token_type,
    expires_in,
  });

  app.post(
    '/register',
    {
      config: strict,
      onRequest: limited,
      schema: {
        tags,
        summary: 'Create an account (browser: the refresh token is set as a cookie)',
        headers: csrfHeaderParam,
        body: RegisterBody,
        response: { 201: BrowserSession, ...problems(400, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      const { user, tokens } = await auth.register(request.body, requestMeta(request));
      setRefresh(reply, tokens.refresh_token);
      return reply.code(201).send({ user, tokens: accessOnly(tokens) });
    },
  );

  app.post(
    '/login',
    {
      config: strict,
      onRequest: limited,
      schema: {
        tags,
        summary: 'Log in (browser: the refresh token is set as a cookie)',
        headers: csrfHeaderParam,
        body: LoginBody,
        response: { 200: BrowserSession, ...problems(400, 401, 403, 429) },
      },
    },
    async (request, reply) => {
      const { user, tokens } = await auth.login(
        request.body.email,
        request.body.password,
        requestMeta(request),
      );
      setRefresh(reply, tokens.refresh_token);
      return { user, tokens: accessOnly(tokens) };
    },
  );

  app.post(
    '/refresh',
    {
      config: strict,
      onRequest: limited,
      schema: {
        tags,
        summary: 'A new access token from the session cookie (rotates the cookie)',
        description:
          'Answers 401 when there is no session cookie or it no longer works (the cookie is then cleared): sign in again.',
        headers: csrfHeaderParam,
        response: { 200: BrowserRefreshAnswer, ...problems(401, 403, 429) },
      },
    },
    async (request, reply) => {
      const token = request.cookies[REFRESH_COOKIE];
      if (!token) throw unauthorized('NO_SESSION', 'You are not signed in');
      try {
        const tokens = await auth.refresh(token, requestMeta(request));
        setRefresh(reply, tokens.refresh_token);
        return { tokens: accessOnly(tokens) };
      } catch (err) {
        clearRefresh(reply);
        throw err;
      }
    },
  );

  app.post(
    '/logout',
    {
      schema: {
        tags,
        summary: 'End the session of the cookie and clear it',
        headers: csrfHeaderParam,
        response: { 204: { type: 'null' }, ...problems(403) },
      },
    },
    async (request, reply) => {
      const token = request.cookies[REFRESH_COOKIE];
      if (token) await auth.logout(token, requestMeta(request));
      clearRefresh(reply);
      return reply.code(204).send(null);
    },
  );
};

function sameOrigin(origin: string, request: FastifyRequest): boolean {
  try {
    return new URL(origin).host === request.host;
  } catch {
    return false;
  }
}
