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
    const { db, clock, sessions } = app.ctx;
    const { passwords, activity } = app.services;
    app.services.users = new UsersService(db, clock, passwords, activity, sessions.events);
    app.services.adminUsers = new AdminUsersService(db, clock, activity, sessions.events);
  },
  routes: [{ prefix: '/users', plugin: usersRoutes }],
  adminRoutes: [adminUsersRoutes],
});
