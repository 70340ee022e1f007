/** The catalogue: plans anyone can browse, managed by operators. */
import { defineModule } from '../module.js';
import { adminPlansRoutes } from './admin.routes.js';
import { plansRoutes } from './routes.js';
import { CountryCode, CurrencyCode, Plan } from './schemas.js';
import { PlansService } from './service.js';

export const plansModule = defineModule({
  name: 'plans',
  after: ['activity'],
  schemas: [CurrencyCode, CountryCode, Plan],
  services: (app) => {
    app.services.plans = new PlansService(app.ctx.db, app.ctx.clock, app.services.activity);
  },
  routes: [{ prefix: '/plans', plugin: plansRoutes }],
  adminRoutes: [adminPlansRoutes],
});
