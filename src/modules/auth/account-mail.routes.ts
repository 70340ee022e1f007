/**
 * /api/v1/auth: password reset and e-mail verification (HTTP only; the rules live in password-reset.ts and
 * email-verification.ts). Rate-limited like login: the strict per-IP auth limit.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../http/schemas.js';
import { requestMeta } from '../../http/meta.js';
import { iso } from '../../lib/clock.js';
import { currentUser } from '../../plugins/auth.js';
import {
  EmailVerified,
  LinkSent,
  PasswordResetAccepted,
  PasswordResetBody,
  PasswordResetConfirmBody,
  VerifyEmailBody,
} from './account-mail.schemas.js';

const ACCEPTED = {
  status: 'accepted',
  detail: 'If an account uses this address, we have sent it a link to choose a new password.',
} as const;

export const accountMailRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { passwordReset, emailVerification } = app.services;
  const strict = { rateLimit: false } as const;
  const onRequest = app.authRateLimit;
  const tags = ['auth'];

  app.post(
    '/password-reset',
    {
      config: strict,
      onRequest,
      schema: {
        tags,
        summary: 'Forgot password: mail a reset link (valid 30 minutes) to this address',
        description: 'Always answers 202 with the same body, whether an account uses the address or not.',
        body: PasswordResetBody,
        response: { 202: PasswordResetAccepted, ...problems(400, 429) },
      },
    },
    async (request, reply) => {
      await passwordReset.request(request.body.email, requestMeta(request));
      return reply.code(202).send(ACCEPTED);
    },
  );

  app.post(
    '/password-reset/confirm',
    {
      config: strict,
      onRequest,
      schema: {
        tags,
        summary: 'Set a new password with the token of a reset link; every session of the account ends',
        body: PasswordResetConfirmBody,
        response: { 204: { type: 'null' }, ...problems(400, 429) },
      },
    },
    async (request, reply) => {
      await passwordReset.confirm(request.body.token, request.body.new_password, requestMeta(request));
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/verify-email',
    {
      config: strict,
      onRequest,
      schema: {
        tags,
        summary: 'Confirm the e-mail address with the token of a verification link',
        body: VerifyEmailBody,
        response: { 200: EmailVerified, ...problems(400, 429) },
      },
    },
    async (request) => {
      const { email_verified_at } = await emailVerification.verify(request.body.token);
      return { email_verified_at: iso(email_verified_at) };
    },
  );

  app.post(
    '/verify-email/resend',
    {
      config: strict,
      onRequest: [onRequest, app.authenticate],
      schema: {
        tags,
        security: [{ bearerAuth: [] }],
        summary: 'Mail the caller a new verification link (valid 48 hours)',
        response: { 202: LinkSent, ...problems(401, 403, 409, 429) },
      },
    },
    async (request, reply) => {
      await emailVerification.resend(currentUser(request).id);
      return reply.code(202).send({ status: 'sent', detail: 'We have sent you a new confirmation link.' });
    },
  );
};
