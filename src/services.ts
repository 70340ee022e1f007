/**
 * The service graph of one app instance, built once from the context. Routes reach services through
 * `app.services`; services never see HTTP. Each domain module adds its service here.
 */
import type { AppContext } from './context.js';
import { ActivityService } from './modules/activity/service.js';
import { PasswordHasher } from './modules/auth/passwords.js';
import { AuthService, type AccessClaims } from './modules/auth/service.js';
import { UsersService } from './modules/users/service.js';

export function createServices(ctx: AppContext, signAccess: (claims: AccessClaims, ttlS: number) => string) {
  const { config, db, clock } = ctx;
  const activity = new ActivityService(clock);
  const passwords = new PasswordHasher(config.BCRYPT_ROUNDS);
  const auth = new AuthService(db, clock, passwords, activity, signAccess, {
    accessTtlS: config.ACCESS_TOKEN_TTL,
    refreshTtlS: config.REFRESH_TOKEN_TTL,
    maxFailures: config.LOGIN_MAX_FAILURES,
    lockS: config.LOGIN_LOCK_S,
  });
  const users = new UsersService(db, clock, passwords, activity);
  return { activity, passwords, auth, users };
}

export type Services = ReturnType<typeof createServices>;

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    ctx: AppContext;
  }
}
