/**
 * The services of one app instance, by name. Each domain module's index.ts builds its own into
 * `app.services` when it is registered (app.ts registers them in dependency order); routes reach services
 * through `app.services`; services never see HTTP.
 */
import type { AppContext } from './context.js';
import type { StatsService } from './modules/system/stats.service.js';
import type { AdminUsersService } from './modules/users/admin.service.js';
import type { AlertsService } from './modules/alerts/service.js';
import type { MailService } from './modules/mail/service.js';
import type { ActivityService } from './modules/activity/service.js';
import type { ApiKeysService } from './modules/api-keys/service.js';
import type { PasswordHasher } from './modules/auth/passwords.js';
import type { AuthService } from './modules/auth/service.js';
import type { EmailVerificationService } from './modules/auth/email-verification.js';
import type { PasswordResetService } from './modules/auth/password-reset.js';
import type { EsimsService } from './modules/esims/service.js';
import type { EventsService } from './modules/events/service.js';
import type { QrRenderer } from './modules/esims/qr.js';
import type { SystemService } from './modules/system/service.js';
import type { NotificationsService } from './modules/notifications/service.js';
import type { PacksService } from './modules/packs/service.js';
import type { PlansService } from './modules/plans/service.js';
import type { UsersService } from './modules/users/service.js';
import type { UsageEngine } from './modules/usage/engine.js';
import type { UsageFeed } from './modules/usage/feed/consumer.js';
import type { UsageService } from './modules/usage/service.js';
import type { WebhookDeliveriesService } from './modules/webhooks/deliveries.service.js';
import type { WebhooksService } from './modules/webhooks/service.js';
import type { WebhookWorker } from './modules/webhooks/worker.js';

export interface Services {
  activity: ActivityService;
  alerts: AlertsService;
  events: EventsService;
  mail: MailService;
  passwords: PasswordHasher;
  auth: AuthService;
  passwordReset: PasswordResetService;
  emailVerification: EmailVerificationService;
  users: UsersService;
  adminUsers: AdminUsersService;
  esims: EsimsService;
  esimQr: QrRenderer;
  apiKeys: ApiKeysService;
  plans: PlansService;
  packs: PacksService;
  notifications: NotificationsService;
  usage: UsageService;
  usageEngine: UsageEngine;
  /** Only when USAGE_FEED_NATS_URL is set. */
  usageFeed?: UsageFeed;
  webhooks: WebhooksService;
  webhookDeliveries: WebhookDeliveriesService;
  /** Unless webhooks are off (production without WEBHOOK_SECRET_KEY). */
  webhookWorker?: WebhookWorker;
  stats: StatsService;
  system: SystemService;
}

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    ctx: AppContext;
  }
}
