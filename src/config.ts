/**
 * Configuration: one TypeBox schema validated by Ajv at start, as env-schema did (its options; the values
 * given over the process environment). A bad value stops the process with a single line naming the
 * variable (ConfigError). `.env` is read when present; the real environment wins.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { Ajv } from 'ajv';
import { Type, type Static } from 'typebox';
import { es2plusProblem, paymentsProblem } from './config-rules.js';

export { configWarnings } from './config-rules.js';

const Int = (def: number, min: number, max: number) =>
  Type.Integer({ default: def, minimum: min, maximum: max });

export const ConfigSchema = Type.Object({
  NODE_ENV: Type.Enum(['development', 'production', 'test'], { default: 'development' }),
  PORT: Int(8000, 0, 65535),
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  DATABASE_URL: Type.String({
    default: 'sqlite:///data/kswifi.db',
    pattern: '^(sqlite:///|postgres(ql)?://)',
  }),
  DB_POOL_MAX: Int(10, 1, 200),
  DB_STATEMENT_TIMEOUT_MS: Int(15000, 100, 600000),
  /** PostgreSQL: statement texts kept prepared per process and connection (0: none, e.g. behind PgBouncer). */
  DB_PREPARED_STATEMENTS: Int(256, 0, 10000),
  /** PostgreSQL: send a transaction's BEGIN and its deferred writes with its next statement (db/pipeline.ts). */
  DB_PIPELINE: Type.Boolean({ default: true }),
  JWT_SECRET: Type.Optional(Type.String({ minLength: 1 })),
  ACCESS_TOKEN_TTL: Int(900, 30, 86400),
  REFRESH_TOKEN_TTL: Int(2592000, 300, 31536000),
  BCRYPT_ROUNDS: Int(12, 4, 15),
  CORS_ORIGINS: Type.String({ default: '' }),
  TRUST_PROXY: Type.Boolean({ default: false }),
  BODY_LIMIT: Int(1048576, 1024, 104857600),
  RATE_LIMIT_MAX: Int(300, 1, 1000000),
  RATE_LIMIT_WINDOW_S: Int(60, 1, 86400),
  AUTH_RATE_LIMIT_MAX: Int(10, 1, 1000000),
  LOGIN_MAX_FAILURES: Int(5, 1, 1000),
  LOGIN_LOCK_S: Int(900, 1, 86400),
  /** How long authenticate trusts a cached user row or session at most (0: read them on every request). */
  SESSION_CACHE_TTL_S: Int(30, 0, 3600),
  /** How long `GET /packs` trusts a user's cached pack list at most (0: read it on every request). */
  PACK_LIST_CACHE_TTL_S: Int(30, 0, 3600),
  REDIS_URL: Type.Optional(Type.String({ pattern: '^rediss?://' })),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  LOG_FILE: Type.Optional(Type.String({ minLength: 1 })),
  LOG_FILE_SIZE: Type.String({ default: '10m', pattern: '^[0-9]+[kmg]?$' }),
  LOG_FILE_COUNT: Int(5, 1, 100),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16 })),
  SMDP_ADDRESS: Type.String({
    default: 'smdp.kswifi.example',
    // an FQDN: no scheme, no port, no path (checked again by the activation-code builder)
    pattern: '^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$',
  }),
  ICCID_PREFIX: Type.String({ default: '8988247', pattern: '^89[0-9]{2,9}$' }),
  ESIM_LIMIT_PER_USER: Int(5, 1, 1000),
  ESIM_CONFIRMATION_CODE: Type.Boolean({ default: false }),
  ADMIN_EMAIL: Type.Optional(Type.String({ pattern: '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$', maxLength: 254 })),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 8, maxLength: 128 })),
  SWEEP_INTERVAL_S: Int(60, 0, 86400),
  WEB_CONCURRENCY: Int(1, 1, 64),
  // the usage feed (NATS JetStream): off unless USAGE_FEED_NATS_URL is set
  USAGE_FEED_NATS_URL: Type.Optional(Type.String({ pattern: '^(nats|tls)://[^\\s]+$', maxLength: 2000 })),
  USAGE_FEED_STREAM: Type.String({ default: 'USAGE', pattern: '^[A-Za-z0-9_-]{1,32}$' }),
  USAGE_FEED_CONSUMER: Type.String({ default: 'kswifi-usage', pattern: '^[A-Za-z0-9_-]{1,64}$' }),
  USAGE_FEED_SUBJECT_PREFIX: Type.String({
    default: 'usage',
    pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$',
    maxLength: 64,
  }),
  USAGE_FEED_BATCH: Int(1000, 1, 10000),
  USAGE_FEED_NAK_DELAY_MS: Int(2000, 0, 600000),
  USAGE_FEED_PARTITIONS: Int(8, 1, 256),
  // how long after a pack's expiry a record of usage from while it was valid still debits it
  USAGE_LATE_WINDOW_H: Int(72, 0, 720),
  /** PostgreSQL: posted usage batches are written in this many lanes by eSIM (0: each request on its own). */
  USAGE_WRITE_LANES: Int(4, 0, 64),
  // real eSIM provisioning over GSMA ES2+ (SMDP_MODE=es2plus); `local` issues eSIMs in our own database
  SMDP_MODE: Type.Enum(['local', 'es2plus'], { default: 'local' }),
  SMDP_ES2_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s/]+(/[^\\s]*)?$', maxLength: 2000 })),
  SMDP_REQUESTER_ID: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  SMDP_PROFILE_TYPE: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  SMDP_CLIENT_CERT: Type.Optional(Type.String({ minLength: 1 })),
  SMDP_CLIENT_KEY: Type.Optional(Type.String({ minLength: 1 })),
  SMDP_CA: Type.Optional(Type.String({ minLength: 1 })),
  SMDP_TIMEOUT_MS: Int(10000, 50, 120000),
  SMDP_RETRIES: Int(2, 0, 10),
  SMDP_BREAKER_FAILURES: Int(5, 1, 1000),
  SMDP_BREAKER_COOLDOWN_S: Int(30, 1, 3600),
  SMDP_RECONCILE_INTERVAL_S: Int(30, 0, 86400),
  SMDP_RECONCILE_AFTER_S: Int(60, 1, 86400),
  SMDP_STOCK_LOW_WATER: Int(10, 0, 1000000),
  ES2_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
  ES2_HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  ES2_TLS_CERT: Type.Optional(Type.String({ minLength: 1 })),
  ES2_TLS_KEY: Type.Optional(Type.String({ minLength: 1 })),
  ES2_POINT_ENABLED: Int(101, 0, 65535),
  ES2_POINT_DISABLED: Int(102, 0, 65535),
  ES2_POINT_DELETED: Int(5, 0, 65535),
  // payments (docs/payments.md): `none` = a purchase is paid at once (no provider); `stripe` needs the keys
  PAYMENT_PROVIDER: Type.Enum(['none', 'stripe'], { default: 'none' }),
  STRIPE_SECRET_KEY: Type.Optional(Type.String({ pattern: '^(sk|rk)_[A-Za-z0-9_]+$', maxLength: 500 })),
  STRIPE_WEBHOOK_SECRET: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9_+/=]+$', maxLength: 500 })),
  /** Where the Stripe SDK sends its requests (a stand-in in tests); Stripe's own API when unset. */
  STRIPE_API_BASE: Type.Optional(Type.String({ pattern: '^https?://[^\\s/?#]+/?$', maxLength: 300 })),
  STRIPE_CHECKOUT: Type.Enum(['intent', 'session'], { default: 'intent' }),
  /** STRIPE_CHECKOUT=intent: the key the web app's Stripe.js confirms payments with (public by design). */
  STRIPE_PUBLISHABLE_KEY: Type.Optional(
    Type.String({ pattern: '^pk_(test|live)_[A-Za-z0-9_]+$', maxLength: 500 }),
  ),
  CHECKOUT_SUCCESS_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2000 })),
  CHECKOUT_CANCEL_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2000 })),
  REFUND_WINDOW_DAYS: Int(14, 0, 3650),
  CHECKOUT_TTL_S: Int(86400, 60, 30 * 86400),
  // events, webhook deliveries and sent e-mails are deleted by the sweep after this many days
  OUTBOX_RETENTION_DAYS: Int(90, 1, 3650),
  /** Requests per RATE_LIMIT_WINDOW_S the payment webhook accepts (all senders together). */
  WEBHOOK_RATE_LIMIT_MAX: Int(6000, 1, 10000000),
  /** How often the refund worker looks for refunds to send (0: only right after a cancellation). */
  REFUND_INTERVAL_S: Int(30, 0, 86400),
  // the built web app (npm run build → dist/web), served at / and /admin when its index.html is there
  WEB_DIR: Type.String({ default: 'dist/web', minLength: 1, maxLength: 1000 }),
  // webhooks (modules/webhooks): the key that seals the endpoints' signing secrets at rest, 32 bytes as
  // base64 or hex; outside production a fixed development key is used when it is not set
  WEBHOOK_SECRET_KEY: Type.Optional(
    Type.String({ pattern: '^([A-Za-z0-9+/]{43}=|[A-Za-z0-9_-]{43}|[0-9a-fA-F]{64})$' }),
  ),
  // seconds to wait before each retry, comma-separated (about three days by default); then failed
  WEBHOOK_RETRY_SCHEDULE_S: Type.String({
    default: '5,300,1800,7200,18000,36000,50400,50400,50400,50400',
    pattern: '^[0-9]{1,7}(,[0-9]{1,7}){0,29}$',
  }),
  WEBHOOK_TIMEOUT_MS: Int(10000, 100, 60000),
  /** How long a worker holds a delivery it is sending; past it another worker sends it again. */
  WEBHOOK_LEASE_S: Int(60, 1, 3600),
  /** An endpoint failing without a success for this long is disabled and the admins alerted. */
  WEBHOOK_DISABLE_AFTER_S: Int(432000, 1, 31536000),
  /** Lets endpoints be http:// and private, loopback or link-local addresses (tests, development). */
  WEBHOOK_ALLOW_PRIVATE: Type.Boolean({ default: false }),
  /** Whether this process sends webhooks (each serving process does; several are safe together). */
  WEBHOOK_WORKER: Type.Boolean({ default: true }),
  WEBHOOK_POLL_MS: Int(1000, 10, 600000),
  WEBHOOK_CONCURRENCY: Int(32, 1, 1000),
  // e-mail: sent through SMTP when SMTP_URL is set (then MAIL_FROM is required); written to the log otherwise
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://[^\\s]+$', maxLength: 2000 })),
  /** `kswifi@example.com` or `KSWiFi <kswifi@example.com>`: one line with an address. */
  MAIL_FROM: Type.Optional(
    Type.String({ minLength: 3, maxLength: 300, pattern: '^[^\\r\\n@]*@[^\\r\\n@]+$' }),
  ),
  /** Seconds to wait before each new try of a mail the SMTP server refused; after the last, it is failed. */
  MAIL_RETRY_SCHEDULE_S: Type.String({
    default: '30,120,600,1800,7200,21600',
    pattern: '^[0-9]{1,6}(,[0-9]{1,6}){0,19}$',
  }),
  /** The address of the web app the links in e-mails point at; http://localhost:<PORT> when unset. */
  PUBLIC_APP_URL: Type.Optional(Type.String({ pattern: '^https?://[^\\s?#]+$', maxLength: 500 })),
  /** When true, POST /packs refuses (403) an account whose e-mail address is not verified yet. */
  REQUIRE_VERIFIED_EMAIL_TO_BUY: Type.Boolean({ default: false }),
});

export type Config = Static<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

interface AjvError {
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
}

function describe(err: AjvError): string {
  const variable = err.instancePath.replace(/^\//, '') || String(err.params?.missingProperty ?? 'config');
  const allowed = err.params?.allowedValues as unknown[] | undefined;
  const more = allowed ? ` (${allowed.join(', ')})` : '';
  return `${variable} ${err.message ?? 'is invalid'}${more}`;
}

/**
 * env-schema's Ajv options (coercion from text, defaults, unknown variables dropped), without what cost
 * ~150 ms of every start: env-schema made and checked Ajv instances when it was imported, and the config
 * schema (ours, fixed) was checked against the JSON Schema meta-schema before compiling.
 */
function validateEnv(env: Record<string, unknown>): { ok: boolean; errors?: AjvError[] } {
  const ajv = new Ajv({
    allErrors: true,
    removeAdditional: true,
    useDefaults: true,
    coerceTypes: true,
    allowUnionTypes: true,
    addUsedSchema: false,
    validateSchema: false,
    code: { optimize: false },
  });
  const validate = ajv.compile({ ...ConfigSchema, additionalProperties: false });
  const ok = validate(env);
  return { ok, errors: (validate.errors ?? undefined) as AjvError[] | undefined };
}

/** Validates `source` (process.env by default) and applies the cross-field rules. */
export function loadConfig(
  source: NodeJS.ProcessEnv = process.env,
  readDotenv = source === process.env,
): Config {
  if (readDotenv && existsSync('.env')) process.loadEnvFile('.env');
  const data: Record<string, unknown> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const v = source[key];
    if (v !== undefined && v !== '') data[key] = v;
  }
  // as env-schema did: the process environment under the values given (a test's `source` wins)
  const env: Record<string, unknown> = { ...process.env, ...data };
  const { ok, errors } = validateEnv(env);
  // enum-like unions produce one error per branch; the first names the variable
  if (!ok) throw new ConfigError(`Invalid configuration: ${errors?.[0] ? describe(errors[0]) : 'invalid'}`);
  const config = env as Config;
  if (config.JWT_SECRET !== undefined && Buffer.byteLength(config.JWT_SECRET) < 32) {
    if (config.NODE_ENV === 'production') {
      throw new ConfigError('Invalid configuration: JWT_SECRET must be at least 32 bytes in production');
    }
  }
  if (config.NODE_ENV === 'production' && !config.JWT_SECRET) {
    throw new ConfigError('Invalid configuration: JWT_SECRET is required when NODE_ENV=production');
  }
  if (config.WEBHOOK_LEASE_S * 1000 <= config.WEBHOOK_TIMEOUT_MS) {
    throw new ConfigError('Invalid configuration: WEBHOOK_LEASE_S must be longer than WEBHOOK_TIMEOUT_MS');
  }
  if (config.SMTP_URL !== undefined && config.MAIL_FROM === undefined) {
    throw new ConfigError('Invalid configuration: MAIL_FROM is required when SMTP_URL is set');
  }
  if ((config.ADMIN_EMAIL === undefined) !== (config.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError('Invalid configuration: ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  const problem = es2plusProblem(config) ?? paymentsProblem(config);
  if (problem) throw new ConfigError(`Invalid configuration: ${problem}`);
  return config;
}

/**
 * Outside production a fixed development secret lets `npm start` work without setup (and keeps cluster
 * workers agreeing); production refuses to start without JWT_SECRET (see loadConfig).
 */
export const DEV_JWT_SECRET = 'kswifi-development-only-secret-do-not-use-in-production';
export function jwtSecretOf(config: Config): string {
  return config.JWT_SECRET ?? DEV_JWT_SECRET;
}

/**
 * The key that seals webhook signing secrets (AES-256-GCM). Outside production without WEBHOOK_SECRET_KEY,
 * a key derived from a fixed text (so every instance and restart agrees; it protects nothing: development
 * only). In production without it: undefined, and webhook endpoints cannot be created or sent to.
 */
export function webhookKeyOf(config: Config): Buffer | undefined {
  const k = config.WEBHOOK_SECRET_KEY;
  if (k) return /^[0-9a-fA-F]{64}$/.test(k) ? Buffer.from(k, 'hex') : Buffer.from(k, 'base64url');
  if (config.NODE_ENV === 'production') return undefined;
  return createHash('sha256').update('kswifi-development-only-webhook-key').digest();
}

/** The links in e-mails start here (no trailing slash). */
export function publicAppUrlOf(config: Config): string {
  return (config.PUBLIC_APP_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
}

/** MAIL_RETRY_SCHEDULE_S as milliseconds, one entry per retry. */
export function mailRetryScheduleOf(config: Config): number[] {
  return config.MAIL_RETRY_SCHEDULE_S.split(',').map((s) => Number(s) * 1000);
}
