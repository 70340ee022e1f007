/**
 * Serving the web app (src/plugins/web.ts): the page at / and /admin and any app path, with the strict
 * CSP and no caching; hashed assets cached for a year; the service's own paths never shadowed.
 * A stand-in build in a temp directory keeps this independent of `npm run build`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { APP_CSP, appCsp } from '../../src/plugins/web.js';
import { createEnv, type TestEnv } from '../helper.js';

describe('http: the web app', () => {
  let env: TestEnv;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kswifi-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><title>KSWiFi</title><script type="module" src="/assets/app-abc123.js"></script>',
    );
    writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'app-abc123.js.br'), brotliCompressSync('console.log(1)'));
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    env = await createEnv('sqlite', { WEB_DIR: dir });
  });
  after(async () => {
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('when an app path is opened, then the page answers with the strict CSP and no caching', async () => {
    for (const url of ['/', '/admin', '/admin/users/123', '/esims/abc', '/packs?x=1']) {
      const res = await env.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /<title>KSWiFi<\/title>/);
      assert.equal(res.headers['content-security-policy'], APP_CSP);
      assert.equal(res.headers['cache-control'], 'no-cache');
    }
    assert.doesNotMatch(APP_CSP, /unsafe-inline|unsafe-eval/);
  });

  test('when a hashed asset is fetched, then it is cached for a year', async () => {
    const res = await env.app.inject({ method: 'GET', url: '/assets/app-abc123.js' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
    const br = await env.app.inject({
      method: 'GET',
      url: '/assets/app-abc123.js',
      headers: { 'accept-encoding': 'br, gzip' },
    });
    assert.equal(br.headers['content-encoding'], 'br', 'the compressed copy the build made');
    assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
    const icon = await env.app.inject({ method: 'GET', url: '/favicon.svg' });
    assert.equal(icon.headers['cache-control'], 'no-cache');
  });

  test('when a service path or a missing file is asked for, then the app never answers it', async () => {
    for (const url of [
      '/api/v1/nope',
      '/api',
      '/docs/nope.js',
      '/metrics/x',
      '/health/x',
      '/missing.png',
      '/assets/gone.js',
    ]) {
      const res = await env.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/, url);
    }
    assert.equal((await env.app.inject({ method: 'GET', url: '/health' })).statusCode, 200);
    assert.equal((await env.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode, 200);
    const docs = await env.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(docs.statusCode, 200);
    assert.doesNotMatch(docs.body, /<title>KSWiFi<\/title>/);
  });

  test('when card payments happen in the page, then the CSP allows Stripe.js and nothing else more', async () => {
    const withStripe = appCsp({ stripeJs: true });
    const directives = (csp: string) =>
      new Map(csp.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1).join(' ')]));
    const plain = directives(APP_CSP);
    const more = directives(withStripe);
    assert.equal(plain.get('frame-src'), undefined, 'no frames without Stripe.js (default-src self)');
    assert.equal(more.get('script-src'), "'self' https://js.stripe.com https://*.js.stripe.com");
    assert.equal(more.get('connect-src'), "'self' https://api.stripe.com");
    assert.equal(
      more.get('frame-src'),
      'https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com',
    );
    for (const [name, value] of plain) {
      if (!['script-src', 'connect-src'].includes(name)) assert.equal(more.get(name), value, name);
    }
    const card = await env.newApp({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_x',
    });
    const page = await card.inject({ method: 'GET', url: '/buy/abc' });
    assert.equal(page.headers['content-security-policy'], withStripe);
    const hosted = await env.newApp({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_x',
      STRIPE_CHECKOUT: 'session',
      CHECKOUT_SUCCESS_URL: 'https://shop.test/checkout/done',
      CHECKOUT_CANCEL_URL: 'https://shop.test/checkout/cancelled',
    });
    const done = await hosted.inject({ method: 'GET', url: '/checkout/done?order_id=x' });
    assert.equal(done.statusCode, 200);
    assert.equal(done.headers['content-security-policy'], APP_CSP, 'a hosted page needs no Stripe.js');
  });

  test('when there is no build, then nothing is mounted and / is a 404 problem', async () => {
    const app = await env.newApp({ WEB_DIR: join(dir, 'absent') });
    const res = await app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 404);
  });
});
