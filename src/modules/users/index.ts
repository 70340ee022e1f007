/** Accounts: the caller's own profile and password, and the operators' user administration. */
import { defineModule } from '../module.js';
import { adminUsersRoutes } from './admin.routes.js';
import { AdminUsersService } from './admin.service.js';
import { usersRoutes } from './routes.js';
import { User } from './schemas.js';
import { UsersService } from './service.js';

export const usersModule = defineModule({
  name: 'users',
  after: ['activity', 'auth', 'packs'],
  schemas: [User],
  services: (app) => {
    const { db, clock } = app.ctx;
    app.services.users = new UsersService(db, clock, app.services.passwords, app.services.activity);
    app.services.adminUsers = new AdminUsersService(db, clock, app.services.activity);
  },
  routes: [{ prefix: '/users', plugin: usersRoutes }],
  adminRoutes: [adminUsersRoutes],
});
