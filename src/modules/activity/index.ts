/** The activity log: every account action and admin write, read by owners and operators. */
import { defineModule } from '../module.js';
import { activityAdminRoutes } from './admin.routes.js';
import { Activity } from './schemas.js';
import { ActivityService } from './service.js';

export const activityModule = defineModule({
  name: 'activity',
  schemas: [Activity],
  services: (app) => {
    app.services.activity = new ActivityService(app.ctx.db, app.ctx.clock);
  },
  adminRoutes: [activityAdminRoutes],
});
