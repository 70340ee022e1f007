/** Orders and packs: purchases, grants, the pack lifecycle and the expiry sweep. */
import { adminOversightRoutes } from '../admin/oversight.routes.js';
import { OversightService } from '../admin/oversight.service.js';
import { defineModule } from '../module.js';
import { Pack } from './model.js';
import { packsRoutes } from './routes.js';
import { PacksService } from './service.js';

export const packsModule = defineModule({
  name: 'packs',
  after: ['activity', 'plans'],
  schemas: [Pack],
  services: (app) => {
    const { db, clock } = app.ctx;
    app.services.packs = new PacksService(db, clock, app.services.activity);
    app.services.adminOversight = new OversightService(db, clock, app.services.activity);
  },
  routes: [{ prefix: '/packs', plugin: packsRoutes }],
  adminRoutes: [adminOversightRoutes],
});
