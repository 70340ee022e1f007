/** eSIMs: issuing profiles with their activation codes and QR images, and their lifecycle. */
import { defineModule } from '../module.js';
import { esimAdminRoutes } from './admin.routes.js';
import { QrRenderer } from './qr.js';
import { esimsRoutes } from './routes.js';
import { Esim, EsimCreated, EsimEvent } from './schemas.js';
import { EsimsService } from './service.js';

export const esimsModule = defineModule({
  name: 'esims',
  after: ['activity'],
  schemas: [Esim, EsimCreated, EsimEvent],
  services: (app) => {
    const { config, db, clock } = app.ctx;
    app.services.esims = new EsimsService(db, clock, app.services.activity, {
      smdpAddress: config.SMDP_ADDRESS,
      iccidPrefix: config.ICCID_PREFIX,
      limitPerUser: config.ESIM_LIMIT_PER_USER,
      confirmationCode: config.ESIM_CONFIRMATION_CODE,
    });
    app.services.esimQr = new QrRenderer();
  },
  routes: [{ prefix: '/esims', plugin: esimsRoutes }],
  adminRoutes: [esimAdminRoutes],
});
