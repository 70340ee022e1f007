/** API keys: the credentials of machine clients (the network's usage feed), managed by operators. */
import { defineModule } from '../module.js';
import { apiKeysAdminRoutes } from './admin.routes.js';
import { ApiKey } from './schemas.js';
import { ApiKeysService } from './service.js';

export const apiKeysModule = defineModule({
  name: 'api-keys',
  after: ['activity'],
  schemas: [ApiKey],
  services: (app) => {
    app.services.apiKeys = new ApiKeysService(app.ctx.db, app.ctx.clock, app.services.activity);
  },
  adminRoutes: [apiKeysAdminRoutes],
});
