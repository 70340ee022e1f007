/** The server's environment for the bench: measured configuration, limits out of the way. */

/** The caller's environment minus what would change the measured setup (env-schema reads process.env too). */
function baseEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of ['REDIS_URL', 'LOG_FILE', 'METRICS_TOKEN']) delete env[k];
  return env;
}

export const BENCH_ADMIN = { email: 'bench-admin@bench.example', password: 'bench-admin-password' };

export function serverEnv(o: {
  dbUrl: string;
  port: number;
  workers: number;
  jwtSecret: string;
  logLevel?: string;
}): NodeJS.ProcessEnv {
  return {
    ...baseEnv(),
    NODE_ENV: 'production',
    PORT: String(o.port),
    HOST: '127.0.0.1',
    DATABASE_URL: o.dbUrl,
    WEB_CONCURRENCY: String(o.workers),
    LOG_LEVEL: o.logLevel ?? 'warn',
    JWT_SECRET: o.jwtSecret,
    // the config schema caps both at 1,000,000; a 1 s window makes that 1,000,000 per second: no limit
    RATE_LIMIT_MAX: '1000000',
    AUTH_RATE_LIMIT_MAX: '1000000',
    RATE_LIMIT_WINDOW_S: '1',
    LOGIN_MAX_FAILURES: '1000',
    BCRYPT_ROUNDS: '12',
    ACCESS_TOKEN_TTL: '86400',
    SWEEP_INTERVAL_S: '0',
    ESIM_LIMIT_PER_USER: '1000',
    ADMIN_EMAIL: BENCH_ADMIN.email,
    ADMIN_PASSWORD: BENCH_ADMIN.password,
  };
}
