/** The activity log: every account action and admin write, read by owners and operators. */
import { defineModule } from '../module.js';
import { Activity, ActivityService } from './service.js';

export const activityModule = defineModule({
  name: 'activity',
  schemas: [Activity],
  services: (app) => {
    app.services.activity = new ActivityService(app.ctx.clock);
  },
});
