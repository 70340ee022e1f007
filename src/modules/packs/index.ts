/** Orders and packs: purchases, grants, the pack lifecycle and the expiry sweep. */
import { defineModule } from '../module.js';
import { adminPacksRoutes } from './admin.routes.js';
import { packsRoutes } from './routes.js';
import { Checkout, Order, Pack } from './schemas.js';
import { PacksService } from './service.js';

export const packsModule = defineModule({
  name: 'packs',
  after: ['activity', 'plans'],
  schemas: [Pack, Order, Checkout],
  services: (app) => {
    app.services.packs = new PacksService(
      app.ctx.db,
      app.ctx.clock,
      app.services.activity,
      app.ctx.packLists,
    );
  },
  routes: [{ prefix: '/packs', plugin: packsRoutes }],
  adminRoutes: [adminPacksRoutes],
});
