/** The system: liveness and readiness, and the operators' stats and health. */
import { adminRoutes } from '../admin/routes.js';
import { StatsService } from '../admin/stats.service.js';
import { SystemService } from '../admin/system.service.js';
import { defineModule } from '../module.js';
import { systemRoutes } from './routes.js';

export const systemModule = defineModule({
  name: 'system',
  after: ['users', 'packs', 'activity'],
  services: (app) => {
    app.services.adminStats = new StatsService(app.ctx.db, app.ctx.clock);
    app.services.adminSystem = new SystemService(app.ctx.database);
  },
  rootRoutes: [systemRoutes],
  adminRoutes: [adminRoutes],
});
