/** Accounts: the caller's own profile and password, and the operators' user administration. */
import { AdminUsersService } from '../admin/users.service.js';
import { adminUsersRoutes } from '../admin/users.routes.js';
import { defineModule } from '../module.js';
import { User } from './model.js';
import { usersRoutes } from './routes.js';
import { UsersService } from './service.js';

export const usersModule = defineModule({
  name: 'users',
  after: ['activity', 'auth', 'packs'],
  schemas: [User],
  services: (app) => {
    const { db, dialect, clock } = app.ctx;
    app.services.users = new UsersService(db, clock, app.services.passwords, app.services.activity);
    app.services.adminUsers = new AdminUsersService(db, dialect, clock, app.services.activity);
  },
  routes: [{ prefix: '/users', plugin: usersRoutes }],
  adminRoutes: [adminUsersRoutes],
});
