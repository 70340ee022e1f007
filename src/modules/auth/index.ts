/**
 * Sign-up, sign-in, tokens and sessions (refresh rotation, login throttling), and the account e-mails:
 * password reset and e-mail verification (account-mail.routes.ts).
 */
import { publicAppUrlOf } from '../../config.js';
import { queueAccountMail } from '../mail/account.js';
import { defineModule } from '../module.js';
import { accountMailRoutes } from './account-mail.routes.js';
import { EmailVerificationService } from './email-verification.js';
import { PasswordResetService } from './password-reset.js';
import { guardPurchasesByVerifiedEmail } from './verified-guard.js';
import { PasswordHasher } from './passwords.js';
import { browserRoutes } from './browser.routes.js';
import { authRoutes } from './routes.js';
import { AccessTokenSchema, TokensSchema } from './schemas.js';
import { AuthService } from './service.js';

export const authModule = defineModule({
  name: 'auth',
  after: ['activity', 'mail'],
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
    const links = {
      db,
      clock,
      activity: app.services.activity,
      events: app.ctx.sessions.events,
      mail: app.services.mail,
      appUrl: publicAppUrlOf(config),
    };
    app.services.passwordReset = new PasswordResetService(links, passwords);
    const verification = new EmailVerificationService(links);
    app.services.emailVerification = verification;
    app.services.auth.accountMail = {
      registered: (tx, user) => verification.sendLink(tx, user),
      passwordChanged: async (tx, user) => {
        await queueAccountMail(tx, user, { kind: 'password_changed' }, clock.now());
      },
    };
    if (config.REQUIRE_VERIFIED_EMAIL_TO_BUY) guardPurchasesByVerifiedEmail(app);
  },
  routes: [
    { prefix: '/auth', plugin: authRoutes },
    { prefix: '/auth/browser', plugin: browserRoutes },
    { prefix: '/auth', plugin: accountMailRoutes },
  ],
});
