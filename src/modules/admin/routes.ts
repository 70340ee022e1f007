/**
 * /api/v1/admin: the operators' API (issue 5). Every route below requires an active admin (no token 401,
 * a user 403). Owns the admin views of users, everyone's packs / eSIMs / activity, the stats and the
 * system health; the catalogue, API-key and eSIM-status admin routes live with their own modules.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../http/schemas.js';
import { Stats, SystemHealth } from './schemas.js';

export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { adminStats, adminSystem } = app.services;
  const tags = ['admin'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.requireAdmin);

  // the event-loop histogram lives as long as the app
  adminSystem.start();
  app.addHook('onClose', async () => adminSystem.stop());


  app.get(
    '/stats',
    {
      schema: {
        tags,
        security,
        summary: 'Accounts, packs, data, eSIMs, revenue and usage per day (last 30 days)',
        response: { 200: Stats, ...problems(401, 403) },
      },
    },
    async () => adminStats.snapshot(),
  );

  app.get(
    '/system',
    {
      schema: {
        tags,
        security,
        summary: 'Version, uptime, database latency and pool, memory, event-loop lag',
        response: { 200: SystemHealth, ...problems(401, 403) },
      },
    },
    async () => adminSystem.health(),
  );
};
