/** Events: the outbox every change reports to (written by the other modules), read by the operators. */
import { defineModule } from '../module.js';
import { eventsAdminRoutes } from './admin.routes.js';
import { Event } from './schemas.js';
import { EventsService } from './service.js';

export const eventsModule = defineModule({
  name: 'events',
  schemas: [Event],
  services: (app) => {
    app.services.events = new EventsService(app.ctx.db);
  },
  adminRoutes: [eventsAdminRoutes],
});
