/** The payment settings: off by default, and a half-configured Stripe refuses to start with one line. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { stripeClientOptions } from '../../../src/modules/payments/stripe.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const KEYS = { STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_WEBHOOK_SECRET: 'whsec_abc' };

function refusal(source: Record<string, string>): string {
  try {
    loadConfig(source, false);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `a ConfigError, got ${String(err)}`);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    return err.message;
  }
  assert.fail(`accepted ${JSON.stringify(source)}`);
}

describe('config: payments', () => {
  test('when nothing is set, then there is no provider and the documented defaults apply', () => {
    const c = loadConfig({}, false);
    assert.equal(c.PAYMENT_PROVIDER, 'none');
    assert.equal(c.STRIPE_CHECKOUT, 'intent');
    assert.equal(c.REFUND_WINDOW_DAYS, 14);
    assert.equal(c.CHECKOUT_TTL_S, 86400);
  });

  test('when stripe has both keys, then it starts', () => {
    const c = loadConfig({ PAYMENT_PROVIDER: 'stripe', ...KEYS }, false);
    assert.equal(c.PAYMENT_PROVIDER, 'stripe');
  });

  test('when stripe lacks a key, then one line names what is missing', () => {
    assert.match(refusal({ PAYMENT_PROVIDER: 'stripe' }), /STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET/);
    assert.match(
      refusal({ PAYMENT_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_abc' }),
      /needs STRIPE_WEBHOOK_SECRET$/,
    );
  });

  test('when hosted checkout has no return URLs, then one line names them', () => {
    const msg = refusal({ PAYMENT_PROVIDER: 'stripe', STRIPE_CHECKOUT: 'session', ...KEYS });
    assert.match(msg, /CHECKOUT_SUCCESS_URL, CHECKOUT_CANCEL_URL/);
  });

  for (const [name, source, variable] of [
    ['the provider is unknown', { PAYMENT_PROVIDER: 'paypal' }, 'PAYMENT_PROVIDER'],
    ['the secret key is not one', { STRIPE_SECRET_KEY: 'pk_live_x' }, 'STRIPE_SECRET_KEY'],
    [
      'a secret key is given as the publishable key',
      { STRIPE_PUBLISHABLE_KEY: 'sk_live_x' },
      'STRIPE_PUBLISHABLE_KEY',
    ],
    ['the webhook secret is not one', { STRIPE_WEBHOOK_SECRET: 'secret' }, 'STRIPE_WEBHOOK_SECRET'],
    ['the API base has a path', { STRIPE_API_BASE: 'http://127.0.0.1:9/v1' }, 'STRIPE_API_BASE'],
    ['the checkout kind is unknown', { STRIPE_CHECKOUT: 'link' }, 'STRIPE_CHECKOUT'],
    ['the refund window is negative', { REFUND_WINDOW_DAYS: '-1' }, 'REFUND_WINDOW_DAYS'],
    ['the checkout lifetime is too short', { CHECKOUT_TTL_S: '10' }, 'CHECKOUT_TTL_S'],
  ] as const) {
    test(`when ${name}, then one line names ${variable}`, () => {
      assert.match(refusal(source), new RegExp(variable));
    });
  }

  test('when STRIPE_API_BASE is set, then it becomes the SDK host, port and protocol', () => {
    assert.deepEqual(stripeClientOptions('http://127.0.0.1:4242'), {
      host: '127.0.0.1',
      port: 4242,
      protocol: 'http',
    });
    assert.deepEqual(stripeClientOptions('https://stripe.internal/'), {
      host: 'stripe.internal',
      port: 443,
      protocol: 'https',
    });
    assert.deepEqual(stripeClientOptions(undefined), {});
  });

  test('when the server starts with PAYMENT_PROVIDER=stripe and no keys, then it exits printing one line', () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PAYMENT_PROVIDER: 'stripe',
      DATABASE_URL: 'sqlite:///:memory:',
    };
    delete env.NODE_TEST_CONTEXT;
    delete env.STRIPE_SECRET_KEY;
    delete env.STRIPE_WEBHOOK_SECRET;
    const child = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.notEqual(child.status, 0);
    const lines = child.stderr.trim().split('\n');
    assert.equal(lines.length, 1, child.stderr);
    assert.equal(
      lines[0],
      'Invalid configuration: PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET',
    );
  });
});
