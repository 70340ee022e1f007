/**
 * Table types for Kysely: the one description of the schema the code compiles against.
 * Conventions that make one SQL text serve SQLite and PostgreSQL:
 * - ids are UUIDv7 strings (time-ordered), generated in the app (lib/ids.ts);
 * - instants are BIGINT epoch milliseconds (UTC): integer comparison, and hour/day buckets by integer
 *   division, are identical on both dialects; the API renders them as ISO 8601;
 * - bytes and money are BIGINT (pg's int8 parser turns them into safe JS numbers, see db/index.ts);
 * - flags are INTEGER 0/1 and JSON is TEXT, because SQLite has neither a boolean nor a JSON type.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type {
  AdminAlertsTable,
  EventsTable,
  WebhookEndpointsTable,
  WebhookDeliveriesTable,
  WebhookAttemptsTable,
  MailOutboxTable,
  PaymentEventsTable,
  RefundOutboxTable,
} from './outbox.types.js';
import type {
  UsageRecordsTable,
  UsageUserHourlyTable,
  UsagePackHourlyTable,
  UsageDebitsTable,
} from './usage.types.js';

export * from './outbox.types.js';
export * from './usage.types.js';

export type Role = 'user' | 'admin';
export type UserStatus = 'active' | 'suspended' | 'deleted';

export interface UsersTable {
  id: string;
  email: string; // normalised (trimmed, lower-cased); unique index on lower(email)
  password_hash: string;
  full_name: string | null;
  phone_number: string | null;
  role: Role;
  status: UserStatus;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
  deleted_at: number | null;
  email_notifications: Generated<number>; // 0/1: usage and expiry e-mails (account e-mails always go)
  email_verified_at: number | null; // set by a verification (or password-reset) link
}

export interface RefreshTokensTable {
  id: string;
  user_id: string;
  family_id: string; // every rotation of one login shares a family; reuse revokes the family
  token_hash: string; // SHA-256 hex of the opaque token
  created_at: number;
  expires_at: number;
  used_at: number | null; // set when rotated
  revoked_at: number | null;
  ip: string | null;
  user_agent: string | null;
}

export interface LoginThrottleTable {
  email_key: string; // SHA-256 of the normalised email, so unknown emails are throttled alike
  failures: number;
  window_start: number;
  locked_until: number | null;
}

export interface ActivityTable {
  id: string;
  user_id: string | null; // whose account it concerns
  actor_id: string | null; // who did it (an admin, the user, or null for the system / an API key)
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  metadata: string | null; // JSON text
  created_at: number;
}

export type EsimStatus =
  | 'provisioning' // SMDP_MODE=es2plus: written before the SM-DP+ is asked, until ConfirmOrder answers
  | 'error' // the SM-DP+ reported a failed download or installation (smdp_status keeps its code)
  | 'released'
  | 'downloaded'
  | 'installed'
  | 'enabled'
  | 'disabled'
  | 'deleted';

export interface EsimsTable {
  id: string;
  user_id: string;
  label: string | null;
  iccid: string | null; // null only while provisioning, before the SM-DP+ named the profile
  eid: string | null;
  status: EsimStatus;
  smdp_address: string;
  matching_id: string;
  confirmation_code_hash: string | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  profile_type: string | null; // es2plus: what was ordered
  smdp_ordered_at: number | null; // es2plus: when DownloadOrder answered with the ICCID
  smdp_status: string | null; // es2plus: the SM-DP+ status behind `error` (e.g. `point 3 Failed 8.8.5/6.4`)
  idempotency_key: string | null; // unique per user: POST /esims with Idempotency-Key
  request_hash: string | null;
  provision_attempts: Generated<number>; // the reconciler's tries of a provisioning row
}

export interface EsimEventsTable {
  id: string;
  esim_id: string;
  from_status: EsimStatus | null;
  to_status: EsimStatus;
  actor_type: 'user' | 'admin' | 'api_key' | 'system' | 'smdp';
  actor_id: string | null;
  created_at: number;
  notification_point?: number | null; // an SM-DP+ callback's raw notificationPointId
  point_status?: string | null; // and its status (`Executed-Success`, `Failed 8.2.7/6.4`)
}

export type ProfileStockState = 'available' | 'allocated' | 'unavailable';

/** The operator's own profile stock, imported from the SM-DP+ vendor's CSV (esims module). */
export interface EsimProfilesTable {
  id: string;
  iccid: string;
  imsi: string;
  profile_type: string;
  state: ProfileStockState;
  esim_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface EsimStockLevelsTable {
  profile_type: string;
  low_water: number;
  updated_at: number;
}

export interface PlansTable {
  id: string;
  code: string;
  name: string;
  description: string | null;
  data_bytes: number;
  validity_days: number;
  price_cents: number;
  currency: string;
  countries: string; // JSON array of ISO 3166-1 alpha-2 codes
  is_active: number;
  created_at: number;
  updated_at: number;
}

export type OrderStatus = 'pending_payment' | 'paid' | 'failed' | 'refunded' | 'expired';

export interface OrdersTable {
  id: string;
  user_id: string;
  plan_id: string | null;
  status: OrderStatus;
  amount_cents: number;
  currency: string;
  idempotency_key: string | null; // unique per user; cleared by the sweep after 24 h
  request_hash: string | null;
  pack_id: string | null;
  granted_by: string | null; // admin id for grants
  reason: string | null;
  created_at: number;
  updated_at: number;
  // payments through a provider (migration 0015); null for orders paid at once and for grants
  provider: string | null;
  provider_checkout_id: string | null; // Stripe Checkout Session id (hosted checkout)
  provider_payment_id: string | null; // Stripe PaymentIntent id; unique
  /** The pack's terms, copied from the plan at checkout (the pack is made only when the money arrives). */
  esim_id: string | null;
  pack_name: string | null;
  data_bytes: number | null;
  validity_days: number | null;
  disputed: Generated<number>; // 0/1 (default 0): the payment is disputed (a chargeback)
  paid_at: number | null;
  failure_reason: string | null;
  /** How much went back to the payer (migration 0017; minor units, 0 until a refund, grows only). */
  refunded_cents: Generated<number>;
}

export type PackStatus = 'pending' | 'active' | 'depleted' | 'expired' | 'cancelled';

export interface PacksTable {
  id: string;
  user_id: string;
  order_id: string | null;
  plan_id: string | null;
  esim_id: string | null;
  name: string;
  total_bytes: number;
  used_bytes: number;
  validity_days: number;
  price_cents: number;
  currency: string;
  status: PackStatus;
  created_at: number;
  updated_at: number;
  activated_at: number | null;
  expires_at: number | null;
  ended_at: number | null; // when it became depleted, expired or cancelled
}

export type NotificationType = 'usage_50' | 'usage_80' | 'usage_100' | 'pack_expiring' | 'pack_expired';

export interface NotificationsTable {
  id: string;
  user_id: string;
  type: NotificationType;
  pack_id: string | null; // unique (pack_id, type): each fires once per pack
  esim_id: string | null;
  message: string;
  created_at: number;
  read_at: number | null;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  prefix: string; // first characters of the key, shown in lists so an admin can tell keys apart
  key_hash: string; // SHA-256 hex
  created_by: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export type AccountTokenPurpose = 'password_reset' | 'verify_email';

export interface AccountTokensTable {
  id: string;
  user_id: string;
  purpose: AccountTokenPurpose;
  token_hash: string; // SHA-256 hex of the token in the link; unique
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface Database {
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  login_throttle: LoginThrottleTable;
  activity: ActivityTable;
  esims: EsimsTable;
  esim_events: EsimEventsTable;
  plans: PlansTable;
  orders: OrdersTable;
  packs: PacksTable;
  usage_records: UsageRecordsTable;
  usage_debits: UsageDebitsTable;
  usage_user_hourly: UsageUserHourlyTable;
  usage_pack_hourly: UsagePackHourlyTable;
  notifications: NotificationsTable;
  api_keys: ApiKeysTable;
  admin_alerts: AdminAlertsTable;
  events: EventsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
  payment_events: PaymentEventsTable;
  refund_outbox: RefundOutboxTable;
  esim_profiles: EsimProfilesTable;
  esim_stock_levels: EsimStockLevelsTable;
  mail_outbox: MailOutboxTable;
  account_tokens: AccountTokensTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type PlanRow = Selectable<PlansTable>;
export type PackRow = Selectable<PacksTable>;
export type EsimRow = Selectable<EsimsTable>;
export type ActivityRow = Selectable<ActivityTable>;
export type NotificationRow = Selectable<NotificationsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type OrderRow = Selectable<OrdersTable>;
export type UsageRecordRow = Selectable<UsageRecordsTable>;
export type AdminAlertRow = Selectable<AdminAlertsTable>;
export type EventRow = Selectable<EventsTable>;
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type WebhookAttemptRow = Selectable<WebhookAttemptsTable>;
export type RefundOutboxRow = Selectable<RefundOutboxTable>;
export type MailRow = Selectable<MailOutboxTable>;
export type AccountTokenRow = Selectable<AccountTokensTable>;
