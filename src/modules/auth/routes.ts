/** /api/v1/auth: HTTP only; the rules live in AuthService. */
import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../http/schemas.js';
import { requestMeta } from '../../http/meta.js';
import {
  LoginBody,
  RefreshAnswer,
  RefreshBody,
  RegisterBody,
  Session,
  TokenForm,
  TokensRef,
} from './schemas.js';

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auth } = app.services;
  // the strict auth limit replaces the general one on these routes (see plugins/rate-limit.ts)
  const strict = { rateLimit: false } as const;
  const onRequest = app.authRateLimit;
  const tags = ['auth'];

  app.post(
    '/register',
    {
      config: strict,
      onRequest,
      schema: {
        tags,
        summary: 'Create an account',
        body: RegisterBody,
        response: { 201: Session, ...problems(400, 409, 429) },
      },
    },
    async (request, reply) => reply.code(201).send(await auth.register(request.body, requestMeta(request))),
  );

  app.post(
    '/login',
    {
      config: strict,
      onRequest,
      schema: {
        tags,
        summary: 'Log in with email and password',
        body: LoginBody,
        response: { 200: Session, ...problems(400, 401, 403, 429) },
      },
    },
    async (request) => auth.login(request.body.email, request.body.password, requestMeta(request)),
  );

  // RFC 6749 (4.3.2): the token endpoint takes a form, and only a form (JSON is a 415); the form parser
  // lives in this context alone, so the JSON routes answer a form with 415 too
  const tokenRoute: FastifyPluginAsyncTypebox = async (form) => {
    form.removeContentTypeParser('application/json');
    await form.register(formbody, { bodyLimit: 16 * 1024 });
    form.post(
      '/token',
      {
        config: strict,
        onRequest,
        schema: {
          tags,
          summary: 'OAuth2 password grant (form encoded), used by the docs Authorize button',
          consumes: ['application/x-www-form-urlencoded'],
          body: TokenForm,
          response: { 200: TokensRef, ...problems(400, 401, 403, 429) },
        },
      },
      async (request) => {
        const { tokens } = await auth.login(
          request.body.username,
          request.body.password,
          requestMeta(request),
        );
        return tokens;
      },
    );
  };
  await app.register(tokenRoute);

  app.post(
    '/refresh',
    {
      config: strict,
      onRequest,
      schema: {
        tags,
        summary: 'Rotate a refresh token',
        body: RefreshBody,
        response: { 200: RefreshAnswer, ...problems(400, 401, 403, 429) },
      },
    },
    async (request) => ({ tokens: await auth.refresh(request.body.refresh_token, requestMeta(request)) }),
  );

  app.post(
    '/logout',
    {
      schema: {
        tags,
        summary: 'End the session of a refresh token',
        body: RefreshBody,
        response: { 204: { type: 'null' }, ...problems(400) },
      },
    },
    async (request, reply) => {
      await auth.logout(request.body.refresh_token, requestMeta(request));
      return reply.code(204).send(null);
    },
  );
};
