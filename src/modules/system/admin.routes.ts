/** /api/v1/admin/{stats,system}: the operators' numbers and the process health (an admin only). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '../../http/schemas.js';
import { Stats, SystemHealth } from './schemas.js';

export const systemAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { stats, system } = app.services;
  const tags = ['admin'];
  const security = [{ bearerAuth: [] }];
  app.addHook('onRequest', app.requireAdmin);

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
    async () => stats.snapshot(),
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
    async () => system.health(),
  );
};
