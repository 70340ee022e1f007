/**
 * The Stripe webhook: verified before anything is read, applied once per event id whatever the delivery
 * (repeated, concurrent, out of order), unknown types ignored.
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
import { createPlan } from '../../fixtures/packs.js';
import { StripeStandin } from '../../fixtures/stripe-standin.js';

const standin = await new StripeStandin().start();
after(() => standin.stop());

forEachDialect(
  'payments: webhook',
  ({ env }) => {
    let admin: Session;
    let planId: string;
    test('setup', async () => {
      admin = await adminSession(env().app);
      planId = (await createPlan(env().app, admin, { price_cents: 900, currency: 'USD' })).id;
    });

    /** A fresh user with an unpaid order; its PaymentIntent id. */
    async function unpaid() {
      const user = await registerUser(env().app);
      const body = (await checkout(env().app, user, planId)).json<CheckoutJson>();
      return { user, order: body.order, pi: intentIdOf(body) };
    }

    async function countEvents(): Promise<number> {
      const r = await env()
        .db.selectFrom('payment_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(r.n);
    }

    test('when the same event is delivered 10 times at once, then one pack is made and the others are duplicates', async () => {
      const { app, db } = env();
      const { user, order, pi } = await unpaid();
      const payload = standin.event('payment_intent.succeeded', standin.paid(pi));
      const answers = await Promise.all(Array.from({ length: 10 }, () => deliver(app, standin, payload)));
      assert.deepEqual(
        answers.map((a) => a.statusCode),
        Array<number>(10).fill(200),
      );
      const outcomes = answers.map((a) => a.json<{ outcome: string }>().outcome).sort();
      assert.deepEqual(outcomes, [
        'duplicate',
        'duplicate',
        'duplicate',
        'duplicate',
        'duplicate',
        'duplicate',
        'duplicate',
        'duplicate',
        'duplicate',
        'paid',
      ]);
      const packs = await db.selectFrom('packs').select('id').where('order_id', '=', order.id).execute();
      assert.equal(packs.length, 1);
      assert.equal((await getOrder(app, user, order.id)).pack_id, packs[0]?.id);
      // and delivered again later, one by one
      const again = await deliver(app, standin, payload);
      assert.equal(again.json<{ outcome: string }>().outcome, 'duplicate');
      // the outbox tells partners once: order.paid and the pack.purchased of its pack
      const events = await db
        .selectFrom('events')
        .select(['type', 'payload'])
        .where('user_id', '=', user.id)
        .where('type', 'in', ['order.paid', 'pack.purchased'])
        .execute();
      assert.deepEqual(events.map((e) => e.type).sort(), ['order.paid', 'pack.purchased']);
      const paid = JSON.parse(events.find((e) => e.type === 'order.paid')!.payload) as {
        order: { id: string; status: string; pack_id: string };
      };
      assert.deepEqual(
        [paid.order.id, paid.order.status, paid.order.pack_id],
        [order.id, 'paid', packs[0]?.id],
      );
    });

    test('when different success events arrive for one order at once, then one pack is made', async () => {
      const { app, db } = env();
      const { order, pi } = await unpaid();
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          deliver(app, standin, standin.event('payment_intent.succeeded', standin.paid(pi))),
        ),
      );
      const outcomes = answers.map((a) => a.json<{ outcome: string }>().outcome).sort();
      assert.deepEqual(outcomes, ['already_paid', 'already_paid', 'already_paid', 'already_paid', 'paid']);
      const packs = await db.selectFrom('packs').select('id').where('order_id', '=', order.id).execute();
      assert.equal(packs.length, 1);
    });

    test('when a failure arrives after the success, then the order stays paid with its pack', async () => {
      const { app } = env();
      const { user, order, pi } = await unpaid();
      await deliver(app, standin, standin.event('payment_intent.succeeded', standin.paid(pi)));
      const late = await deliver(
        app,
        standin,
        standin.event('payment_intent.payment_failed', standin.declined(pi)),
      );
      assert.equal(late.json<{ outcome: string }>().outcome, 'stale');
      const o = await getOrder(app, user, order.id);
      assert.equal(o.status, 'paid');
      assert.ok(o.pack_id);
    });

    test('when the success arrives after a failure, then the money counts: the order is paid', async () => {
      const { app } = env();
      const { user, order, pi } = await unpaid();
      await deliver(app, standin, standin.event('payment_intent.payment_failed', standin.declined(pi)));
      assert.equal((await getOrder(app, user, order.id)).status, 'failed');
      await deliver(app, standin, standin.event('payment_intent.succeeded', standin.paid(pi)));
      assert.equal((await getOrder(app, user, order.id)).status, 'paid');
    });

    test('when the refund arrives before the success (out of order), then the order ends refunded with no pack', async () => {
      const { app } = env();
      const { user, order, pi } = await unpaid();
      const refunded = await deliver(
        app,
        standin,
        standin.event('charge.refunded', standin.refundedCharge(pi)),
      );
      assert.equal(refunded.json<{ outcome: string }>().outcome, 'refunded');
      const paid = await deliver(app, standin, standin.event('payment_intent.succeeded', standin.paid(pi)));
      assert.equal(paid.json<{ outcome: string }>().outcome, 'stale');
      const o = await getOrder(app, user, order.id);
      assert.equal(o.status, 'refunded');
      assert.equal(o.pack_id, null);
    });

    test('when a paid order is refunded at Stripe, then the order is refunded and its unused pack cancelled', async () => {
      const { app } = env();
      const { user, order, pi } = await unpaid();
      await deliver(app, standin, standin.event('payment_intent.succeeded', standin.paid(pi)));
      const partial = await deliver(
        app,
        standin,
        standin.event('charge.refunded', standin.refundedCharge(pi, false)),
      );
      assert.equal(partial.json<{ outcome: string }>().outcome, 'partial_refund');
      await deliver(app, standin, standin.event('charge.refunded', standin.refundedCharge(pi)));
      const o = await getOrder(app, user, order.id);
      assert.equal(o.status, 'refunded');
      const pack = await app.inject({
        method: 'GET',
        url: `/api/v1/packs/${o.pack_id}`,
        headers: user.headers,
      });
      assert.equal(pack.json<{ status: string }>().status, 'cancelled');
    });

    test('when a payment is disputed, then the order is flagged and the admins get an alert', async () => {
      const { app } = env();
      const { user, order, pi } = await unpaid();
      await deliver(app, standin, standin.event('payment_intent.succeeded', standin.paid(pi)));
      const res = await deliver(app, standin, standin.event('charge.dispute.created', standin.dispute(pi)));
      assert.equal(res.json<{ outcome: string }>().outcome, 'disputed');
      assert.equal((await getOrder(app, user, order.id)).disputed, true);
      const alerts = await app.inject({
        method: 'GET',
        url: '/api/v1/admin/alerts?kind=payment.dispute',
        headers: admin.headers,
      });
      const items = alerts.json<{ items: { ref_id: string; message: string }[] }>().items;
      assert.ok(items.some((a) => a.ref_id === order.id && a.message.includes('9.00 USD')));
    });

    test('when the signature is forged, stale or missing, then a 400 problem answers and nothing changes', async () => {
      const { app } = env();
      const { user, order, pi } = await unpaid();
      const before = await countEvents();
      const payload = standin.event('payment_intent.succeeded', standin.paid(pi));
      const forged = await deliver(
        app,
        standin,
        payload,
        standin.sign(payload, { secret: 'whsec_someoneelse' }),
      );
      const stale = await deliver(
        app,
        standin,
        payload,
        standin.sign(payload, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      );
      const missing = await deliver(app, standin, payload, null);
      const tampered = await deliver(
        app,
        standin,
        payload.replace('"amount_received":900', '"amount_received":1'),
        standin.sign(payload),
      );
      for (const res of [forged, stale, missing, tampered]) {
        assert.equal(res.statusCode, 400, res.body);
        assert.match(String(res.headers['content-type']), /problem\+json/);
        assert.equal(res.json<{ code: string }>().code, 'INVALID_SIGNATURE');
      }
      assert.equal(await countEvents(), before);
      assert.equal((await getOrder(app, user, order.id)).status, 'pending_payment');
    });

    test('when an event type is unknown, then it answers 200 and is ignored', async () => {
      const res = await deliver(
        env().app,
        standin,
        standin.event('customer.created', { id: 'cus_1', object: 'customer' }),
      );
      assert.equal(res.statusCode, 200);
      assert.equal(res.json<{ outcome: string }>().outcome, 'ignored');
      const metrics = await env().app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /payment_webhook_events_total\{outcome="ignored"\} [1-9]/);
    });

    test('when the paid amount is not the order’s, then no pack is made and the admins are told', async () => {
      const { app } = env();
      const { user, order, pi } = await unpaid();
      const res = await deliver(
        app,
        standin,
        standin.event('payment_intent.succeeded', standin.paid(pi, 100)),
      );
      assert.equal(res.json<{ outcome: string }>().outcome, 'amount_mismatch');
      assert.equal((await getOrder(app, user, order.id)).status, 'pending_payment');
    });

    test('when the body is not JSON but signed, then it is a 400 problem, never a 500', async () => {
      const payload = 'not json at all';
      const res = await deliver(env().app, standin, payload);
      assert.equal(res.statusCode, 400, res.body);
    });
  },
  stripeConfig(standin),
);

forEachDialect(
  'payments: hosted checkout (STRIPE_CHECKOUT=session)',
  ({ env }) => {
    test('when a session is completed, then the order is paid and its pack made', async () => {
      const { app } = env();
      const admin = await adminSession(app);
      const plan = await createPlan(app, admin, { price_cents: 1500, currency: 'JPY' });
      const user = await registerUser(app);
      const res = await checkout(app, user, plan.id, 'session-key');
      assert.equal(res.statusCode, 202, res.body);
      const body = res.json<CheckoutJson>();
      assert.match(body.checkout_url ?? '', /^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
      assert.equal(body.client_secret, null);
      const cs = body.checkout_url?.split('/').pop() ?? '';
      assert.equal(standin.sessions.get(cs)?.amount_total, 1500);
      // Stripe sends the customer back to the app's page for this order
      assert.equal(
        standin.sessions.get(cs)?.success_url,
        `https://kswifi.example/paid?order_id=${body.order.id}`,
      );
      assert.equal(
        standin.sessions.get(cs)?.cancel_url,
        `https://kswifi.example/cancelled?from=stripe&order_id=${body.order.id}#top`,
      );
      const replay = await checkout(app, user, plan.id, 'session-key');
      assert.equal(replay.json<CheckoutJson>().checkout_url, body.checkout_url);
      const done = await deliver(
        app,
        standin,
        standin.event('checkout.session.completed', standin.completedSession(cs)),
      );
      assert.equal(done.json<{ outcome: string }>().outcome, 'paid');
      const order = await getOrder(app, user, body.order.id);
      assert.equal(order.status, 'paid');
      assert.ok(order.pack_id);
    });

    test('when a session expires, then the order fails', async () => {
      const { app } = env();
      const admin = await adminSession(app);
      const plan = await createPlan(app, admin, { price_cents: 700, currency: 'EUR' });
      const user = await registerUser(app);
      const body = (await checkout(app, user, plan.id)).json<CheckoutJson>();
      const cs = body.checkout_url?.split('/').pop() ?? '';
      const session = { ...standin.sessions.get(cs), status: 'expired' };
      await deliver(app, standin, standin.event('checkout.session.expired', session));
      const order = await getOrder(app, user, body.order.id);
      assert.equal(order.status, 'failed');
      assert.equal(order.failure_reason, 'checkout_expired');
    });
  },
  stripeConfig(standin, {
    STRIPE_CHECKOUT: 'session',
    CHECKOUT_SUCCESS_URL: 'https://kswifi.example/paid',
    CHECKOUT_CANCEL_URL: 'https://kswifi.example/cancelled?from=stripe#top',
  }),
);

forEachDialect(
  'payments: webhook rate limit',
  ({ env }) => {
    test('when Stripe sends more than a client may, then the webhook still answers, up to a budget of its own', async () => {
      const { app } = env();
      const codes: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await deliver(
          app,
          standin,
          standin.event('customer.created', { id: `cus_${i}`, object: 'customer' }),
        );
        codes.push(res.statusCode);
      }
      assert.deepEqual(codes, [200, 200, 200, 200, 200, 429]);
      // the per-client limit is unchanged for the API itself
      const api = [];
      for (let i = 0; i < 3; i++)
        api.push((await app.inject({ method: 'GET', url: '/api/v1/plans' })).statusCode);
      assert.deepEqual(api, [200, 200, 429]);
    });
  },
  stripeConfig(standin, { RATE_LIMIT_MAX: '2', WEBHOOK_RATE_LIMIT_MAX: '5' }),
);
