/**
 * /api/v1/admin/esim-profiles: operators holding their own SM-DP+ profile stock import it (CSV
 * `ICCID,IMSI,PROFILE_TYPE`), read the levels per profile type and state, and set the low-water mark per
 * type. With stock of the configured type, SMDP_MODE=es2plus orders by ICCID from it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems, ref } from '../../http/schemas.js';
import {
  LowWaterBody,
  StockImportBody,
  StockImportResult,
  StockLevel,
  StockLevels,
} from './stock.schemas.js';

export const stockAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const stock = app.services.esims.stock;
  const tags = ['admin'];
  const security = [{ bearerAuth: [] }];

  app.post(
    '/esim-profiles/import',
    {
      onRequest: app.requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Import profile stock from the SM-DP+ vendor’s CSV (ICCID,IMSI,PROFILE_TYPE)',
        description:
          'ICCIDs are Luhn-checked (a trailing F is padding); profiles already in stock are left as they are, ' +
          'so importing the same file again changes nothing; refused lines are reported by line number.',
        body: StockImportBody,
        response: { 200: ref(StockImportResult), ...problems(400, 401, 403) },
      },
    },
    async (request) => stock.importCsv(request.body.csv),
  );

  app.get(
    '/esim-profiles/stock',
    {
      onRequest: app.requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Profile stock per type and state, with each type’s low-water mark',
        response: { 200: StockLevels, ...problems(401, 403) },
      },
    },
    async () => ({ items: await stock.levels() }),
  );

  app.put(
    '/esim-profiles/low-water',
    {
      onRequest: app.requireAdmin,
      schema: {
        tags,
        security,
        summary: 'Set the low-water mark of a profile type (an admin alert when available stock falls below)',
        body: LowWaterBody,
        response: { 200: ref(StockLevel), ...problems(400, 401, 403) },
      },
    },
    async (request) => stock.setLowWater(request.body.profile_type, request.body.low_water),
  );
};
