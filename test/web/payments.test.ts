/**
 * Paying in the browser, with the real `stripe` SDK on the service side talking to the Stripe stand-in
 * (test/fixtures/stripe-standin.ts + stripe-browser.ts), once per database:
 * - hosted checkout (STRIPE_CHECKOUT=session): the shop sends the customer to the stand-in's checkout
 *   page; "Pay" brings them back to /checkout/done, which waits (the webhook is held back) and shows the
 *   plan and its eSIM once the signed webhook arrived; "Back" lands on /checkout/cancelled, which offers
 *   to try again with the same plan and eSIM;
 * - card form in the page (STRIPE_CHECKOUT=intent), on a phone: Stripe.js is fetched only at the card
 *   step, from https://js.stripe.com/v3 (answered by the Stripe.js stand-in, test/fixtures/stripe-js.ts,
 *   through page.route; the first load fails and the page offers to try again), through the page's real
 *   CSP, which allows it only in this mode; its confirm
 *   call goes to https://api.stripe.com (routed to the stand-in server). A declined card shows the
 *   reason in words and fails the order; a good card then pays the same order.
 * What the stand-ins do not cover: Stripe's own card fields in their iframes (frame-src) and 3-D Secure.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { stripeConfig, type OrderJson } from '../fixtures/payments.js';
import { serveBrowserSide, type BrowserSide } from '../fixtures/stripe-browser.js';
import { STRIPE_JS_STANDIN } from '../fixtures/stripe-js.js';
import { StripeStandin } from '../fixtures/stripe-standin.js';
import { adminSession, DIALECTS, dialectSkip, uniqueEmail, type Session } from '../helper.js';
import { APP_CSP } from '../../src/plugins/web.js';
import {
  axe,
  browserSkip,
  CHROMIUM,
  DESKTOP,
  FLAGS,
  PHONE,
  seriousOrWorse,
  startWeb,
  watchConsole,
  type WebEnv,
} from './harness.js';

const UPDATE_SHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const WEBHOOK = '/api/v1/payments/stripe/webhook';

interface Shop {
  web: WebEnv;
  standin: StripeStandin;
  side: BrowserSide;
  admin: Session;
  planId: string;
}

async function openShop(dialect: 'sqlite' | 'postgres', browser: Browser, mode: 'session' | 'intent') {
  const standin = await new StripeStandin().start();
  const web = await startWeb(
    dialect,
    (base) =>
      stripeConfig(standin, {
        STRIPE_CHECKOUT: mode,
        CHECKOUT_SUCCESS_URL: `${base}/checkout/done`,
        CHECKOUT_CANCEL_URL: `${base}/checkout/cancelled`,
      }),
    browser,
  );
  const side = serveBrowserSide(standin, `${web.base}${WEBHOOK}`);
  const admin = await adminSession(web.env.app, uniqueEmail(`console-${mode}`));
  const plan = await web.env.app.inject({
    method: 'POST',
    url: '/api/v1/admin/plans',
    headers: admin.headers,
    payload: {
      code: `PAY-${mode.toUpperCase()}-${Date.now().toString(36).toUpperCase()}`,
      name: 'Europe Traveller',
      data_bytes: 5_000_000_000,
      validity_days: 30,
      price_cents: 1499,
      currency: 'EUR',
      countries: ['FR', 'DE'],
    },
  });
  assert.equal(plan.statusCode, 201, plan.body);
  return { web, standin, side, admin, planId: plan.json<{ id: string }>().id } satisfies Shop;
}

async function ordersOf(shop: Shop, email: string): Promise<OrderJson[]> {
  const inject = (url: string) =>
    shop.web.env.app.inject({ method: 'GET', url, headers: shop.admin.headers });
  const user = (await inject(`/api/v1/admin/users?query=${encodeURIComponent(email)}`)).json().items[0];
  return (await inject(`/api/v1/admin/orders?user_id=${user.id}`)).json<{ items: OrderJson[] }>().items;
}

async function signUpAndBuy(page: Page, shop: Shop, email: string) {
  await page.goto(`${shop.web.base}/signup?next=/buy/${shop.planId}`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct horse 1');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Buy Europe Traveller' }).waitFor();
}

const check = async (page: Page, name: string) =>
  assert.deepEqual(seriousOrWorse(await axe(page, name)), [], `axe on ${name}`);
const shot = async (page: Page, name: string, dialect: string) => {
  if (!UPDATE_SHOTS || dialect !== 'sqlite') return;
  mkdirSync('docs/screenshots', { recursive: true });
  await page.screenshot({ path: `docs/screenshots/${name}.png`, fullPage: true });
};

const noBrowser = browserSkip();
for (const dialect of DIALECTS) {
  const skip = noBrowser || dialectSkip(dialect);
  describe(`web: paying in the browser [${dialect}]`, { skip }, () => {
    let browser: Browser;
    let hosted: Shop;
    let card: Shop;
    before(async () => {
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
      hosted = await openShop(dialect, browser, 'session');
      card = await openShop(dialect, browser, 'intent');
    });
    after(async () => {
      for (const shop of [hosted, card]) {
        await shop?.side.settled();
        await shop?.web.close();
        await shop?.standin.stop();
      }
      await browser?.close();
    });

    test('when the customer pays on the hosted page, then the app waits for the webhook and shows the plan', async () => {
      const context = await browser.newContext({ viewport: DESKTOP });
      const page = await context.newPage();
      const errors = watchConsole(page);
      const email = uniqueEmail('hosted');
      const csp = await page.goto(`${hosted.web.base}/`).then((r) => r?.headers()['content-security-policy']);
      assert.equal(csp, APP_CSP, 'hosted checkout needs no Stripe.js: the strict policy stays');
      await signUpAndBuy(page, hosted, email);
      await page.getByRole('button', { name: /^Buy for/ }).click();
      await page.waitForURL(`${hosted.standin.url}/c/pay/**`);
      await page.getByRole('heading', { name: 'Pay 14.99 EUR' }).waitFor();

      hosted.side.hold(); // the payment is not confirmed yet when the customer comes back
      await page.getByRole('button', { name: 'Pay' }).click();
      await page.waitForURL(/\/checkout\/done\?order_id=/);
      await page.getByText('Waiting for the payment of €14.99 to be confirmed').waitFor();
      await check(page, 'checkout done (waiting)');
      hosted.side.release();
      await page.getByText('Payment received: your data plan is ready.').waitFor();
      assert.match(await page.getByTestId('paid-pack').innerText(), /Europe Traveller: 5 GB/);
      await hosted.side.settled();
      assert.deepEqual(hosted.side.deliveries, [{ type: 'checkout.session.completed', status: 200 }]);
      const [order] = await ordersOf(hosted, email);
      assert.equal(order?.status, 'paid');
      assert.ok(order?.pack_id);
      assert.equal(new URL(page.url()).searchParams.get('order_id'), order?.id);
      await check(page, 'checkout done (paid)');
      await shot(page, 'checkout-paid-desktop', dialect);
      await page.getByRole('link', { name: 'Install the eSIM' }).click();
      await page.waitForURL(`${hosted.web.base}/esims/${order?.esim_id}`);
      await page.getByTestId('esim-qr').waitFor();

      // a second purchase, abandoned on the payment page: nothing charged, and a way back
      await page.goto(`${hosted.web.base}/buy/${hosted.planId}`);
      await page.getByRole('button', { name: /^Buy for/ }).click();
      await page.waitForURL(`${hosted.standin.url}/c/pay/**`);
      await page.getByRole('link', { name: 'Back' }).click();
      await page.waitForURL(/\/checkout\/cancelled\?order_id=/);
      await page.getByText('You left the payment page before paying. Nothing was charged.').waitFor();
      await check(page, 'checkout cancelled');
      await page.getByRole('link', { name: 'Try again' }).click();
      await page.waitForURL(`${hosted.web.base}/buy/${hosted.planId}?esim=${order?.esim_id}`);
      assert.ok(await page.getByRole('radio', { name: /My eSIM/ }).isChecked(), 'the same eSIM again');
      const orders = await ordersOf(hosted, email);
      assert.deepEqual(orders.map((o) => o.status).sort(), ['paid', 'pending_payment']);
      assert.deepEqual(errors, []);
      await context.close();

      // back from Stripe in a browser that is not signed in: sign in, then the same order's page
      const other = await browser.newContext({ viewport: DESKTOP });
      const again = await other.newPage();
      await again.goto(`${hosted.web.base}/checkout/done?order_id=${order?.id}`);
      await again.waitForURL(/\/signin\?next=/);
      await again.getByLabel('Email').fill(email);
      await again.getByLabel('Password').fill('correct horse 1');
      await again.getByRole('button', { name: 'Sign in' }).click();
      await again.waitForURL(`${hosted.web.base}/checkout/done?order_id=${order?.id}`);
      await again.getByText('Payment received: your data plan is ready.').waitFor();
      await other.close();
    });

    test('when the customer pays by card in the page on a phone, then a decline is explained and a good card pays', async () => {
      const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      const errors = watchConsole(page);
      const stripeJsLoads: string[] = [];
      await page.route('https://js.stripe.com/v3', (route) => {
        stripeJsLoads.push(route.request().url());
        // the first load fails (a network hiccup): the page must offer to try again
        if (stripeJsLoads.length === 1) return route.abort('internetdisconnected');
        return route.fulfill({ contentType: 'text/javascript', body: STRIPE_JS_STANDIN });
      });
      await page.route('https://api.stripe.com/**', async (route) => {
        const url = route.request().url().replace('https://api.stripe.com', card.standin.url);
        return route.fulfill({ response: await route.fetch({ url }) });
      });
      const email = uniqueEmail('card');
      const csp = await page.goto(`${card.web.base}/`).then((r) => r?.headers()['content-security-policy']);
      assert.match(csp ?? '', /script-src 'self' https:\/\/js\.stripe\.com https:\/\/\*\.js\.stripe\.com;/);
      assert.match(csp ?? '', /connect-src 'self' https:\/\/api\.stripe\.com;/);
      assert.doesNotMatch(csp ?? '', /unsafe-inline|unsafe-eval/);
      await signUpAndBuy(page, card, email);
      assert.deepEqual(stripeJsLoads, [], 'Stripe.js is not loaded before the card step');
      await page.getByRole('button', { name: /^Buy for/ }).tap();
      await page.getByRole('heading', { name: 'Pay by card' }).waitFor();
      await page.getByText('The card form could not be loaded').waitFor();
      await page.getByRole('button', { name: 'Try again' }).tap();
      await page.getByLabel('Card number').fill('4000 0000 0000 0002');
      await page.getByRole('button', { name: 'Pay €14.99' }).tap();
      const alert = page.getByRole('alert').filter({ hasText: 'The payment did not go through' });
      await alert.waitFor();
      assert.match(
        await alert.innerText(),
        /Your card was declined\. Nothing was charged\. Try another card/,
      );
      assert.equal(stripeJsLoads.length, 2, 'one failed load, one retry');
      assert.ok(
        await page.evaluate(`document.documentElement.scrollWidth <= window.innerWidth`),
        'fits a phone',
      );
      await check(page, 'card payment (declined)');
      await shot(page, 'card-payment-phone', dialect);
      await card.side.settled();
      assert.equal((await ordersOf(card, email))[0]?.status, 'failed', 'the decline reached the order');

      await page.getByLabel('Card number').fill('4242 4242 4242 4242');
      await page.getByRole('button', { name: 'Pay €14.99' }).tap();
      await page.waitForURL(/\/checkout\/done\?order_id=/);
      await page.getByText('Payment received: your data plan is ready.').waitFor();
      await card.side.settled();
      assert.deepEqual(
        card.side.deliveries.map((d) => `${d.type} ${d.status}`),
        ['payment_intent.payment_failed 200', 'payment_intent.succeeded 200'],
      );
      const orders = await ordersOf(card, email);
      assert.equal(orders.length, 1, 'the second card paid the same order');
      assert.equal(orders[0]?.status, 'paid');
      const confirms = card.standin.requests.filter((r) => r.path.endsWith('/confirm'));
      assert.equal(confirms.length, 2);
      await check(page, 'checkout done (phone)');
      // the browser logs the failed first load and the 402 of the declined confirm; nothing else
      assert.deepEqual(
        errors.filter((e) => !/status of 402|ERR_INTERNET_DISCONNECTED/.test(e)),
        [],
      );
      await context.close();
    });
  });
}
