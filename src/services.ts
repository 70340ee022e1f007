/**
 * The service graph of one app instance, built once from the context. Routes reach services through
 * `app.services`; services never see HTTP. Each domain module adds its service here.
 */
import type { AppContext } from './context.js';
import { OversightService } from './modules/admin/oversight.service.js';
import { StatsService } from './modules/admin/stats.service.js';
import { SystemService } from './modules/admin/system.service.js';
import { AdminUsersService } from './modules/admin/users.service.js';
import { ActivityService } from './modules/activity/service.js';
import { ApiKeysService } from './modules/api-keys/service.js';
import { PasswordHasher } from './modules/auth/passwords.js';
import { AuthService, type AccessClaims } from './modules/auth/service.js';
import { EsimsService } from './modules/esims/service.js';
import { QrRenderer } from './modules/esims/qr.js';
import { NotificationsService } from './modules/notifications/service.js';
import { PacksService } from './modules/packs/service.js';
import { PlansService } from './modules/plans/service.js';
import { UsersService } from './modules/users/service.js';
import { UsageEngine } from './modules/usage/engine.js';
import { UsageService } from './modules/usage/service.js';

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
  const esims = new EsimsService(db, ctx.dialect, clock, activity, {
    smdpAddress: config.SMDP_ADDRESS,
    iccidPrefix: config.ICCID_PREFIX,
    limitPerUser: config.ESIM_LIMIT_PER_USER,
    confirmationCode: config.ESIM_CONFIRMATION_CODE,
  });
  const esimQr = new QrRenderer();
  const apiKeys = new ApiKeysService(db, clock, activity);
  const plans = new PlansService(db, clock, activity);
  const packs = new PacksService(db, clock, activity);
  const notifications = new NotificationsService(db, clock);
  const usage = new UsageService(db, clock);
  const usageEngine = new UsageEngine(db, ctx.dialect, clock);
  const adminUsers = new AdminUsersService(db, ctx.dialect, clock, activity);
  const adminOversight = new OversightService(db, clock, activity);
  const adminStats = new StatsService(db, clock);
  const adminSystem = new SystemService(ctx.database);
  return {
    activity,
    passwords,
    auth,
    users,
    esims,
    esimQr,
    adminUsers,
    adminOversight,
    adminStats,
    adminSystem,
    apiKeys,
    usage,
    usageEngine,
    plans,
    packs,
    notifications,
  };
}

export type Services = ReturnType<typeof createServices>;

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    ctx: AppContext;
  }
}
