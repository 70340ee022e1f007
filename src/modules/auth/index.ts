/** Sign-up, sign-in, tokens and sessions (refresh rotation, login throttling). */
import { defineModule } from '../module.js';
import { PasswordHasher } from './passwords.js';
import { browserRoutes } from './browser.routes.js';
import { authRoutes } from './routes.js';
import { AccessTokenSchema, TokensSchema } from './schemas.js';
import { AuthService } from './service.js';

export const authModule = defineModule({
  name: 'auth',
  after: ['activity'],
  schemas: [TokensSchema, AccessTokenSchema],
  services: (app) => {
    const { config, db, clock } = app.ctx;
    const passwords = new PasswordHasher(config.BCRYPT_ROUNDS);
    app.services.passwords = passwords;
    app.services.auth = new AuthService(
      db,
      clock,
      passwords,
      app.services.activity,
      (claims, ttlS) => app.jwt.sign(claims, { expiresIn: ttlS }),
      {
        accessTtlS: config.ACCESS_TOKEN_TTL,
        refreshTtlS: config.REFRESH_TOKEN_TTL,
        maxFailures: config.LOGIN_MAX_FAILURES,
        lockS: config.LOGIN_LOCK_S,
      },
      app.ctx.sessions.events,
    );
  },
  routes: [
    { prefix: '/auth', plugin: authRoutes },
    { prefix: '/auth/browser', plugin: browserRoutes },
  ],
});
