/** The system: liveness and readiness, and the operators' stats and health. */
import { defineModule } from '../module.js';
import { systemAdminRoutes } from './admin.routes.js';
import { systemRoutes } from './routes.js';
import { SystemService } from './service.js';
import { StatsService } from './stats.service.js';

export const systemModule = defineModule({
  name: 'system',
  after: ['users', 'packs', 'activity'],
  services: (app) => {
    const system = new SystemService(app.ctx.database);
    app.services.stats = new StatsService(app.ctx.db, app.ctx.clock);
    app.services.system = system;
    // the event-loop histogram lives as long as the app
    app.addHook('onReady', async () => system.start());
    app.addHook('onClose', async () => system.stop());
  },
  rootRoutes: [systemRoutes],
  adminRoutes: [systemAdminRoutes],
});
