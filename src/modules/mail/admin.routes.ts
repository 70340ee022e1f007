/** /api/v1/admin/mail: the mail outbox for the operators (what went, what waits, what failed) and retry. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, PageOf, problems, ref } from '../../http/schemas.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { MailListQuery, OutboxMail } from './schemas.js';

const OutboxMailRef = ref(OutboxMail);

export const mailAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { mail } = app.services;
  const tags = ['admin'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.requireAdmin);

  app.get(
    '/mail',
    {
      schema: {
        tags,
        security,
        summary: 'E-mails in the outbox, newest first; `?status=failed` shows what could not be sent',
        description: 'The text of a mail is never shown here: it may hold a password-reset link.',
        querystring: MailListQuery,
        response: { 200: PageOf(OutboxMailRef), ...problems(400, 401, 403) },
      },
    },
    async (request) => mail.list({ ...request.query, limit: request.query.limit ?? DEFAULT_LIMIT }),
  );

  app.post(
    '/mail/:id/retry',
    {
      schema: {
        tags,
        security,
        summary: 'Send a failed e-mail again (once the SMTP trouble is fixed); a sent one is a 409',
        params: IdParams,
        response: { 200: OutboxMailRef, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (request) => mail.retry(request.params.id),
  );
};
