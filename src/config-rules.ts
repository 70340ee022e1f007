/**
 * The rules that tie several settings together (a half-configured provider refuses to start with one
 * line naming what is missing), and the warnings of allowed but risky settings. Used by loadConfig.
 */
import { readFileSync } from 'node:fs';
import type { Config } from './config.js';

/** What a half-configured payment provider lacks, or undefined when the payment settings fit together. */
export function paymentsProblem(c: Config): string | undefined {
  if (c.PAYMENT_PROVIDER !== 'stripe') return undefined;
  const missing = ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'].filter(
    (k) => c[k as 'STRIPE_SECRET_KEY' | 'STRIPE_WEBHOOK_SECRET'] === undefined,
  );
  if (c.STRIPE_CHECKOUT === 'session') {
    if (c.CHECKOUT_SUCCESS_URL === undefined) missing.push('CHECKOUT_SUCCESS_URL');
    if (c.CHECKOUT_CANCEL_URL === undefined) missing.push('CHECKOUT_CANCEL_URL');
  }
  if (missing.length === 0) return undefined;
  return `PAYMENT_PROVIDER=stripe needs ${missing.join(', ')}${c.STRIPE_CHECKOUT === 'session' ? ' (STRIPE_CHECKOUT=session)' : ''}`;
}

/**
 * SMDP_MODE=es2plus needs its SM-DP+ (URL, our requester id, a profile type), mutual TLS files for an
 * https:// URL, and the callback listener's port; each file must be readable. Plain http:// is for
 * development only (see configWarnings). One line names everything that is missing.
 */
export function es2plusProblem(c: Config): string | undefined {
  if (c.SMDP_MODE !== 'es2plus') return undefined;
  const needed: (keyof Config)[] = ['SMDP_ES2_URL', 'SMDP_REQUESTER_ID', 'SMDP_PROFILE_TYPE', 'ES2_PORT'];
  if (!c.SMDP_ES2_URL?.startsWith('http://')) needed.push('SMDP_CLIENT_CERT', 'SMDP_CLIENT_KEY', 'SMDP_CA');
  if (c.ES2_TLS_CERT || c.ES2_TLS_KEY) needed.push('ES2_TLS_CERT', 'ES2_TLS_KEY', 'SMDP_CA');
  const missing = [...new Set(needed)].filter((k) => c[k] === undefined);
  if (missing.length) return `SMDP_MODE=es2plus needs ${missing.join(', ')}`;
  if (c.SMDP_ES2_URL?.startsWith('http://') && c.NODE_ENV === 'production') {
    return 'SMDP_MODE=es2plus refuses a plain http:// SMDP_ES2_URL in production (ES2+ needs mutual TLS)';
  }
  for (const k of [
    'SMDP_CLIENT_CERT',
    'SMDP_CLIENT_KEY',
    'SMDP_CA',
    'ES2_TLS_CERT',
    'ES2_TLS_KEY',
  ] as const) {
    const file = c[k];
    if (file === undefined) continue;
    try {
      readFileSync(file);
    } catch {
      return `SMDP_MODE=es2plus cannot read ${k} (${file})`;
    }
  }
  return undefined;
}

/** What is allowed but worth a warning at start (plain HTTP on either side of ES2+). */
export function configWarnings(c: Config): string[] {
  if (c.SMDP_MODE !== 'es2plus') return [];
  const out: string[] = [];
  if (c.SMDP_ES2_URL?.startsWith('http://')) {
    out.push('SMDP_ES2_URL is plain http://: ES2+ requires mutual TLS; use this for development only');
  }
  if (!c.ES2_TLS_CERT) {
    out.push(
      'the ES2+ callback listener (ES2_PORT) speaks plain HTTP: a TLS proxy in front must do the mutual TLS',
    );
  }
  return out;
}
