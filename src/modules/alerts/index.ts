/** Admin alerts: raised by other modules in their transactions, read by the operators. */
import { Gauge } from 'prom-client';
import { defineModule } from '../module.js';
import { alertsAdminRoutes } from './admin.routes.js';
import { Alert } from './schemas.js';
import { AlertsService } from './service.js';

export const alertsModule = defineModule({
  name: 'alerts',
  schemas: [Alert],
  services: (app) => {
    const alerts = new AlertsService(app.ctx.db, app.ctx.clock);
    app.services.alerts = alerts;
    new Gauge({
      name: 'admin_alerts_unread',
      help: 'Admin alerts nobody has read yet, by kind',
      labelNames: ['kind'] as const,
      registers: [app.metrics.registry],
      async collect() {
        this.reset();
        for (const { kind, n } of await alerts.unreadByKind().catch(() => [])) this.set({ kind }, n);
      },
    });
  },
  adminRoutes: [alertsAdminRoutes],
});
