/**
 * eSIMs: issuing profiles with their activation codes and QR images, and their lifecycle. With
 * SMDP_MODE=es2plus the profiles are ordered from an SM-DP+ over GSMA ES2+ (es2plus/), whose callbacks
 * arrive on their own listener (server.ts starts it); the operators' profile stock lives here too.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { defineModule } from '../module.js';
import { esimAdminRoutes } from './admin.routes.js';
import { CallbackHandler } from './es2plus/callbacks.js';
import { Es2Client } from './es2plus/client.js';
import { Provisioner } from './es2plus/provisioner.js';
import { StockService } from './es2plus/stock.js';
import { QrRenderer } from './qr.js';
import { esimsRoutes } from './routes.js';
import { Esim, EsimCreated, EsimEvent } from './schemas.js';
import { EsimsService } from './service.js';
import { stockAdminRoutes } from './stock.admin.routes.js';
import { StockImportResult, StockLevel } from './stock.schemas.js';

/** Reconciler attempts (one per SMDP_RECONCILE_INTERVAL_S) before a stuck order is cancelled. */
const RECONCILE_MAX_ATTEMPTS = 10;

function metricsOf(app: FastifyInstance) {
  const registers = [app.metrics.registry];
  return {
    callbacks: new Counter({
      name: 'es2_callbacks_total',
      help: 'SM-DP+ HandleDownloadProgressInfo callbacks by outcome (moved, unchanged, unknown_iccid, invalid)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    stockLow: new Counter({
      name: 'esim_stock_low_total',
      help: 'Times the available profile stock of a type fell below its low-water mark',
      labelNames: ['profile_type'] as const,
      registers,
    }),
  };
}

function es2plusParts(app: FastifyInstance, stock: StockService, countCallback: (outcome: string) => void) {
  const { config, db, clock, log } = app.ctx;
  if (config.SMDP_MODE !== 'es2plus') return undefined;
  const tls = config.SMDP_CLIENT_CERT
    ? {
        cert: readFileSync(config.SMDP_CLIENT_CERT, 'utf8'),
        key: readFileSync(config.SMDP_CLIENT_KEY as string, 'utf8'),
        ca: readFileSync(config.SMDP_CA as string, 'utf8'),
      }
    : undefined;
  const client = new Es2Client({
    baseUrl: config.SMDP_ES2_URL as string,
    requesterId: config.SMDP_REQUESTER_ID as string,
    timeoutMs: config.SMDP_TIMEOUT_MS,
    retries: config.SMDP_RETRIES,
    breakerFailures: config.SMDP_BREAKER_FAILURES,
    breakerCooldownMs: config.SMDP_BREAKER_COOLDOWN_S * 1000,
    tls,
    log,
  });
  app.addHook('onClose', () => client.close());
  const activity = app.services.activity;
  return {
    provisioner: new Provisioner(db, clock, activity, client, stock, log, {
      smdpAddress: config.SMDP_ADDRESS,
      reconcileAfterMs: config.SMDP_RECONCILE_AFTER_S * 1000,
      maxAttempts: RECONCILE_MAX_ATTEMPTS,
    }),
    stock,
    profileType: config.SMDP_PROFILE_TYPE as string,
    callbacks: new CallbackHandler(
      db,
      clock,
      activity,
      {
        enabled: config.ES2_POINT_ENABLED,
        disabled: config.ES2_POINT_DISABLED,
        deleted: config.ES2_POINT_DELETED,
      },
      log,
      countCallback,
    ),
  };
}

export const esimsModule = defineModule({
  name: 'esims',
  after: ['activity'],
  schemas: [Esim, EsimCreated, EsimEvent, StockImportResult, StockLevel],
  services: (app) => {
    const { config, db, clock } = app.ctx;
    const metrics = metricsOf(app);
    const stock = new StockService(db, clock, {
      defaultLowWater: config.SMDP_STOCK_LOW_WATER,
      onLow: (profileType) => metrics.stockLow.inc({ profile_type: profileType }),
    });
    new Gauge({
      name: 'esim_stock_available',
      help: 'Profiles available in our own stock, by profile type',
      labelNames: ['profile_type'] as const,
      registers: [app.metrics.registry],
      async collect() {
        for (const l of await stock.levels()) this.set({ profile_type: l.profile_type }, l.available);
      },
    });
    app.services.esims = new EsimsService(
      db,
      clock,
      app.services.activity,
      {
        smdpAddress: config.SMDP_ADDRESS,
        iccidPrefix: config.ICCID_PREFIX,
        limitPerUser: config.ESIM_LIMIT_PER_USER,
        confirmationCode: config.ESIM_CONFIRMATION_CODE,
        es2: es2plusParts(app, stock, (outcome) => metrics.callbacks.inc({ outcome })),
      },
      stock,
    );
    app.services.esimQr = new QrRenderer();
  },
  routes: [{ prefix: '/esims', plugin: esimsRoutes }],
  adminRoutes: [esimAdminRoutes, stockAdminRoutes],
});
