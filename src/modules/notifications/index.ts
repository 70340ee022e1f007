/** Notifications: what the service tells a user (usage thresholds, depletion, expiry). */
import { defineModule } from '../module.js';
import { notificationsRoutes } from './routes.js';
import { Notification } from './schemas.js';
import { NotificationsService } from './service.js';

export const notificationsModule = defineModule({
  name: 'notifications',
  schemas: [Notification],
  services: (app) => {
    app.services.notifications = new NotificationsService(app.ctx.db, app.ctx.clock);
  },
  routes: [{ prefix: '/notifications', plugin: notificationsRoutes }],
});
