/**
 * /api/v1/usage: the network feed's ingestion (API key or admin) and the caller's own usage; and
 * /api/v1/packs/{id}/usage, registered here beside the rest of usage (the packs module owns /packs).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, PageOf, problems, ref } from '../../http/schemas.js';
import { DEFAULT_LIMIT } from '../../lib/pagination.js';
import { currentUser } from '../../plugins/auth.js';
import {
  IngestAnswer,
  IngestBody,
  PackUsage,
  RangeQuery,
  UsageListQuery,
  UsageRecord,
  UsageSummary,
} from './schemas.js';

const tags = ['usage'];
const userSecurity = [{ bearerAuth: [] }];

export const usageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { usage, usageEngine } = app.services;
  const counter = app.metrics.usageRecords;

  app.post(
    '/records',
    {
      // authenticated before the body is parsed; exempt from the per-client limit meant for people: the
      // feed's volume is set by the network, and a throttled batch would only come back as a retry
      onRequest: app.authenticateMachine,
      config: { rateLimit: false },
      schema: {
        tags,
        security: [{ apiKey: [] }, { bearerAuth: [] }],
        summary: 'Ingest a batch of usage records from the network, exactly once per event_id',
        body: IngestBody,
        response: { 200: IngestAnswer, ...problems(400, 401, 403, 413, 415) },
      },
    },
    async (request) => {
      const out = await usageEngine.ingest(request.body.records);
      if (out.accepted) counter.inc({ outcome: 'accepted' }, out.accepted);
      if (out.duplicates) counter.inc({ outcome: 'duplicate' }, out.duplicates);
      if (out.rejected.length) counter.inc({ outcome: 'rejected' }, out.rejected.length);
      return out;
    },
  );

  app.get(
    '',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security: userSecurity,
        summary: 'The caller’s usage records, most recently received first',
        querystring: UsageListQuery,
        response: { 200: PageOf(ref(UsageRecord)), ...problems(400, 401, 403) },
      },
    },
    async (request) =>
      usage.list(currentUser(request).id, request.query.limit ?? DEFAULT_LIMIT, request.query.cursor),
  );

  app.get(
    '/summary',
    {
      onRequest: app.authenticate,
      schema: {
        tags,
        security: userSecurity,
        summary: 'The caller’s usage over a range: totals, per pack, and hourly or daily buckets (UTC)',
        querystring: RangeQuery,
        response: { 200: UsageSummary, ...problems(400, 401, 403) },
      },
    },
    async (request) => usage.summary(currentUser(request).id, request.query),
  );
};

export const packUsageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { usage } = app.services;

  app.get(
    '/packs/:id/usage',
    {
      onRequest: app.authenticate,
      schema: {
        tags: ['packs', 'usage'],
        security: userSecurity,
        summary: 'One of the caller’s packs: bytes used per hour or day (UTC) over a range',
        params: IdParams,
        querystring: RangeQuery,
        response: { 200: PackUsage, ...problems(400, 401, 403, 404) },
      },
    },
    async (request) => usage.packUsage(currentUser(request).id, request.params.id, request.query),
  );
};
