/**
 * Checkout through Stripe (STRIPE_CHECKOUT=intent): the real SDK against the stand-in. A priced plan is an
 * order pending_payment and a PaymentIntent; the pack exists only once the signed webhook says paid.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { adminSession, forEachDialect, registerUser, type Session } from '../../helper.js';
import {
  checkout,
  deliver,
  getOrder,
  stripeConfig,
  type CheckoutJson,
  intentIdOf,
} from '../../fixtures/payments.js';
import { createPlan, GB } from '../../fixtures/packs.js';
import { StripeStandin } from '../../fixtures/stripe-standin.js';

const standin = await new StripeStandin().start();
after(() => standin.stop());

forEachDialect(
  'payments: checkout',
  ({ env }) => {
    let admin: Session;
    let planId: string;
    test('setup', async () => {
      admin = await adminSession(env().app);
      planId = (
        await createPlan(env().app, admin, { price_cents: 1999, currency: 'EUR', data_bytes: 5 * GB })
      ).id;
    });

    test('when a priced plan is bought, then the answer is 202 with an unpaid order and a client secret, and no pack', async () => {
      const { app } = env();
      const user = await registerUser(app);
      const res = await checkout(app, user, planId);
      assert.equal(res.statusCode, 202, res.body);
      const body = res.json<CheckoutJson>();
      assert.equal(body.order.status, 'pending_payment');
      assert.equal(body.order.amount_cents, 1999);
      assert.equal(body.order.currency, 'EUR');
      assert.equal(body.order.provider, 'stripe');
      assert.equal(body.pack, null);
      assert.match(body.client_secret ?? '', /^pi_.+_secret_/);
      assert.equal(body.publishable_key, 'pk_test_standin', 'what Stripe.js needs to confirm it');
      const call = standin.requests.findLast((r) => r.path === '/v1/payment_intents');
      assert.equal(call?.key, body.order.id, 'the order id is the idempotency key');
      const pi = [...standin.paymentIntents.values()].find(
        (p) => (p.metadata as { order_id?: string }).order_id === body.order.id,
      );
      assert.equal(pi?.amount, 1999);
      assert.equal(pi?.currency, 'eur');
      const packs = await app.inject({ method: 'GET', url: '/api/v1/packs', headers: user.headers });
      assert.equal(packs.json<{ items: unknown[] }>().items.length, 0);
    });

    test('when the payment succeeds, then the order is paid and its pack is made with the terms of the order', async () => {
      const { app } = env();
      const user = await registerUser(app);
      const body = (await checkout(app, user, planId)).json<CheckoutJson>();
      // the plan changes between checkout and payment: the customer gets what they saw
      const patch = await app.inject({
        method: 'PATCH',
        url: `/api/v1/admin/plans/${planId}`,
        headers: admin.headers,
        payload: { data_bytes: 1 * GB, price_cents: 5000 },
      });
      assert.equal(patch.statusCode, 200, patch.body);
      const pi = intentIdOf(body);
      const res = await deliver(app, standin, standin.event('payment_intent.succeeded', standin.paid(pi)));
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { received: true, outcome: 'paid' });
      const order = await getOrder(app, user, body.order.id);
      assert.equal(order.status, 'paid');
      assert.ok(order.pack_id && order.paid_at);
      const pack = await app.inject({
        method: 'GET',
        url: `/api/v1/packs/${order.pack_id}`,
        headers: user.headers,
      });
      const p = pack.json<{ status: string; total_bytes: number; price_cents: number }>();
      assert.equal(p.status, 'pending');
      assert.equal(p.total_bytes, 5 * GB);
      assert.equal(p.price_cents, 1999);
      const act = await app.inject({
        method: 'POST',
        url: `/api/v1/packs/${order.pack_id}/activate`,
        headers: user.headers,
      });
      assert.equal(act.json<{ status: string }>().status, 'active');
      const activity = await app.inject({
        method: 'GET',
        url: '/api/v1/users/me/activity',
        headers: user.headers,
      });
      assert.ok(activity.body.includes('pack.purchased'));
      await app.inject({
        method: 'PATCH',
        url: `/api/v1/admin/plans/${planId}`,
        headers: admin.headers,
        payload: { data_bytes: 5 * GB, price_cents: 1999 },
      });
    });

    test('when the same Idempotency-Key is replayed, then the same order answers (and once paid, its pack)', async () => {
      const { app } = env();
      const user = await registerUser(app);
      const first = await checkout(app, user, planId, 'replay-key-1');
      const again = await checkout(app, user, planId, 'replay-key-1');
      assert.equal(again.statusCode, 202);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      const a = first.json<CheckoutJson>();
      const b = again.json<CheckoutJson>();
      assert.equal(b.order.id, a.order.id);
      assert.equal(b.client_secret, a.client_secret, 'Stripe answered the same PaymentIntent');
      const other = await checkout(app, user, planId, 'replay-key-1', { esim_id: a.order.id });
      assert.equal(other.statusCode, 409);
      const pi = intentIdOf(a);
      await deliver(app, standin, standin.event('payment_intent.succeeded', standin.paid(pi)));
      const paid = await checkout(app, user, planId, 'replay-key-1');
      assert.equal(paid.statusCode, 200);
      const c = paid.json<CheckoutJson>();
      assert.equal(c.order.status, 'paid');
      assert.equal(c.pack?.id, c.order.pack_id);
      assert.equal(c.client_secret, null);
    });

    test('when one Idempotency-Key is sent 5 times at once, then one order and one PaymentIntent answer them all', async () => {
      const { app } = env();
      const user = await registerUser(app);
      const before = standin.paymentIntents.size;
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => checkout(app, user, planId, 'race-key')),
      );
      assert.deepEqual(
        answers.map((a) => a.statusCode),
        [202, 202, 202, 202, 202],
      );
      const ids = new Set(answers.map((a) => a.json<CheckoutJson>().order.id));
      assert.equal(ids.size, 1);
      assert.equal(standin.paymentIntents.size - before, 1);
    });

    test('when Stripe declines the card at checkout, then a 402 problem answers and no order is left', async () => {
      const { app } = env();
      const user = await registerUser(app);
      standin.failNext('/v1/payment_intents', 1, 'card');
      const res = await checkout(app, user, planId, 'declined-key');
      assert.equal(res.statusCode, 402, res.body);
      assert.equal(res.json<{ code: string }>().code, 'PAYMENT_DECLINED');
      assert.match(String(res.headers['content-type']), /problem\+json/);
      const orders = await app.inject({ method: 'GET', url: '/api/v1/orders', headers: user.headers });
      assert.equal(orders.json<{ items: unknown[] }>().items.length, 0);
    });

    test('when Stripe is down, then a 503 with Retry-After answers, nothing is written, and the same key works later', async () => {
      const { app } = env();
      const user = await registerUser(app);
      standin.failNext('/v1/payment_intents', 1, 'api');
      const down = await checkout(app, user, planId, 'outage-key');
      assert.equal(down.statusCode, 503, down.body);
      assert.equal(down.headers['retry-after'], '5');
      // the SDK itself retries a closed connection once (with the same idempotency key): drop both
      standin.failNext('/v1/payment_intents', 2, 'drop');
      const dropped = await checkout(app, user, planId, 'outage-key');
      assert.equal(dropped.statusCode, 503, dropped.body);
      const orders = await app.inject({ method: 'GET', url: '/api/v1/orders', headers: user.headers });
      assert.equal(orders.json<{ items: unknown[] }>().items.length, 0);
      const ok = await checkout(app, user, planId, 'outage-key');
      assert.equal(ok.statusCode, 202, ok.body);
    });

    test('when a declined payment is reported, then the order fails and no pack is made', async () => {
      const { app } = env();
      const user = await registerUser(app);
      const body = (await checkout(app, user, planId)).json<CheckoutJson>();
      const pi = intentIdOf(body);
      const res = await deliver(
        app,
        standin,
        standin.event('payment_intent.payment_failed', standin.declined(pi)),
      );
      assert.equal(res.json<{ outcome: string }>().outcome, 'failed');
      const order = await getOrder(app, user, body.order.id);
      assert.equal(order.status, 'failed');
      assert.equal(order.failure_reason, 'insufficient_funds');
      assert.equal(order.pack_id, null);
    });

    test('when a plan is priced in a zero-decimal currency, then Stripe gets whole units and the payment matches', async () => {
      const { app } = env();
      const user = await registerUser(app);
      for (const [currency, price, sent] of [
        ['JPY', 1500, 1500],
        ['KRW', 33000, 33000],
        ['ISK', 990, 99000], // Stripe takes krónur in hundredths
      ] as const) {
        const plan = await createPlan(app, admin, { price_cents: price, currency });
        const body = (await checkout(app, user, plan.id)).json<CheckoutJson>();
        assert.equal(body.order.amount_cents, price);
        const pi = intentIdOf(body);
        const stored = standin.paymentIntents.get(pi);
        assert.equal(stored?.amount, sent, currency);
        assert.equal(stored?.currency, currency.toLowerCase());
        const res = await deliver(app, standin, standin.event('payment_intent.succeeded', standin.paid(pi)));
        assert.equal(res.json<{ outcome: string }>().outcome, 'paid', currency);
      }
    });

    test('when a price cannot be charged exactly, then a 409 answers and nothing is written', async () => {
      const { app } = env();
      const user = await registerUser(app);
      const plan = await createPlan(app, admin, { price_cents: 1255, currency: 'KWD' });
      const res = await checkout(app, user, plan.id);
      assert.equal(res.statusCode, 409, res.body);
      assert.equal(res.json<{ code: string }>().code, 'PRICE_NOT_CHARGEABLE');
    });

    test('when Stripe is on, then /openapi.json shows the webhook, the order routes and their named schemas', async () => {
      const doc = (await env().app.inject({ method: 'GET', url: '/openapi.json' })).json<{
        paths: Record<string, unknown>;
        components: { schemas: Record<string, unknown> };
      }>();
      for (const path of [
        '/api/v1/payments/stripe/webhook',
        '/api/v1/orders',
        '/api/v1/orders/{id}',
        '/api/v1/admin/orders',
        '/api/v1/admin/orders/{id}/refund',
      ])
        assert.ok(doc.paths[path], path);
      assert.ok(doc.components.schemas.Order && doc.components.schemas.Checkout);
    });

    test('when the plan is free, then the pack is made at once (201), with no payment', async () => {
      const { app } = env();
      const user = await registerUser(app);
      const plan = await createPlan(app, admin, { price_cents: 0 });
      const res = await checkout(app, user, plan.id);
      assert.equal(res.statusCode, 201, res.body);
    });
  },
  stripeConfig(standin),
);
