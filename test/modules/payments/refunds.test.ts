/**
 * Refunds through the outbox, the order lists and the sweep of abandoned checkouts, with the real SDK
 * against the stand-in (which can fail on demand).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { DAY_MS } from '../../../src/lib/clock.js';
import { expireAbandonedCheckouts } from '../../../src/modules/packs/sweep.js';
import { backoffMs, MAX_ATTEMPTS } from '../../../src/modules/payments/refunds.js';
import { adminSession, forEachDialect, registerUser, type Session } from '../../helper.js';
import {
  checkout,
  deliver,
  getOrder,
  intentIdOf,
  stripeConfig,
  type CheckoutJson,
  type OrderJson,
} from '../../fixtures/payments.js';
import { createPlan } from '../../fixtures/packs.js';
import { StripeStandin } from '../../fixtures/stripe-standin.js';

const standin = await new StripeStandin().start();
after(() => standin.stop());

forEachDialect(
  'payments: refunds, orders, sweep',
  ({ env }) => {
    let admin: Session;
    let planId: string;
    test('setup', async () => {
      admin = await adminSession(env().app);
      planId = (await createPlan(env().app, admin, { price_cents: 1200, currency: 'GBP' })).id;
    });

    /** A fresh user with a paid order and its pack. */
    async function paid(user?: Session) {
      const { app } = env();
      const u = user ?? (await registerUser(app));
      const body = (await checkout(app, u, planId)).json<CheckoutJson>();
      const pi = intentIdOf(body);
      await deliver(app, standin, standin.event('payment_intent.succeeded', standin.paid(pi)));
      const order = await getOrder(app, u, body.order.id);
      return { user: u, order, pi };
    }

    const outbox = (orderId: string) =>
      env()
        .db.selectFrom('refund_outbox')
        .selectAll()
        .where('order_id', '=', orderId)
        .executeTakeFirstOrThrow();

    test('when an unused pack is cancelled and Stripe fails twice, then the refund is retried and sent exactly once', async () => {
      const { app, clock } = env();
      const refunds = app.services.payments.refunds;
      const { user, order, pi } = await paid();
      standin.failNext('/v1/refunds', 2, 'api');
      const mark = standin.requests.length;
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/packs/${order.pack_id}/cancel`,
        headers: user.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json<{ status: string }>().status, 'cancelled');
      assert.equal((await getOrder(app, user, order.id)).status, 'refunded', 'the cancellation stands');
      await refunds.idle(); // the attempt started right after the commit: failed
      let row = await outbox(order.id);
      assert.equal(row.status, 'pending');
      assert.equal(row.attempts, 1);
      assert.equal(standin.refundsOf(pi).length, 0);
      assert.equal((await refunds.runOnce()).size, 0, 'not due before its backoff');
      clock.advance(backoffMs(1));
      assert.deepEqual([...(await refunds.runOnce()).values()], ['retry']);
      clock.advance(backoffMs(2));
      assert.deepEqual([...(await refunds.runOnce()).values()], ['sent']);
      row = await outbox(order.id);
      assert.equal(row.status, 'sent');
      assert.equal(row.attempts, 3);
      assert.equal(standin.refundsOf(pi).length, 1);
      const keys = standin.requests
        .slice(mark)
        .filter((r) => r.path === '/v1/refunds')
        .map((r) => r.key);
      assert.deepEqual(
        new Set(keys),
        new Set([row.id]),
        'every attempt used the outbox row id as idempotency key',
      );
      clock.advance(DAY_MS);
      assert.equal((await refunds.runOnce()).size, 0);
      // Stripe's own notice of that refund changes nothing more
      const notice = await deliver(
        app,
        standin,
        standin.event('charge.refunded', standin.refundedCharge(pi)),
      );
      assert.equal(notice.json<{ outcome: string }>().outcome, 'stale');
      assert.equal(standin.refundsOf(pi).length, 1);
    });

    test('when Stripe keeps failing, then the refund is given up after the last attempt and the admins are told', async () => {
      const { app, clock } = env();
      const refunds = app.services.payments.refunds;
      const { user, order } = await paid();
      standin.failNext('/v1/refunds', MAX_ATTEMPTS, 'api');
      await app.inject({
        method: 'POST',
        url: `/api/v1/packs/${order.pack_id}/cancel`,
        headers: user.headers,
      });
      await refunds.idle();
      for (let n = 1; n < MAX_ATTEMPTS; n++) {
        clock.advance(backoffMs(n));
        await refunds.runOnce();
      }
      const row = await outbox(order.id);
      assert.equal(row.status, 'failed');
      assert.equal(row.attempts, MAX_ATTEMPTS);
      const alerts = await app.inject({
        method: 'GET',
        url: '/api/v1/admin/alerts?kind=payment.refund_failed',
        headers: admin.headers,
      });
      assert.ok(alerts.json<{ items: { ref_id: string }[] }>().items.some((a) => a.ref_id === order.id));
    });

    test('when the refund window has passed, then cancelling is refused and nothing changes', async () => {
      const { app, clock } = env();
      const { user, order } = await paid();
      clock.advance(15 * DAY_MS);
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/packs/${order.pack_id}/cancel`,
        headers: user.headers,
      });
      assert.equal(res.statusCode, 409, res.body);
      assert.equal(res.json<{ code: string }>().code, 'REFUND_WINDOW_PASSED');
      assert.equal((await getOrder(app, user, order.id)).status, 'paid');
      const pack = await app.inject({
        method: 'GET',
        url: `/api/v1/packs/${order.pack_id}`,
        headers: user.headers,
      });
      assert.equal(pack.json<{ status: string }>().status, 'pending');
    });

    test('when an admin refunds a paid order, then it is refunded with the reason, its pack ends and the money goes back once', async () => {
      const { app } = env();
      const { user, order, pi } = await paid();
      const refund = (reason = 'customer could not connect') =>
        app.inject({
          method: 'POST',
          url: `/api/v1/admin/orders/${order.id}/refund`,
          headers: admin.headers,
          payload: { reason },
        });
      const res = await refund();
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json<OrderJson>().status, 'refunded');
      await app.services.payments.refunds.idle();
      assert.equal(standin.refundsOf(pi).length, 1);
      const pack = await app.inject({
        method: 'GET',
        url: `/api/v1/packs/${order.pack_id}`,
        headers: user.headers,
      });
      assert.equal(pack.json<{ status: string }>().status, 'cancelled');
      const again = await refund();
      assert.equal(again.statusCode, 409);
      assert.equal(again.json<{ code: string }>().code, 'ORDER_NOT_REFUNDABLE');
      const blank = await app.inject({
        method: 'POST',
        url: `/api/v1/admin/orders/${order.id}/refund`,
        headers: admin.headers,
        payload: {},
      });
      assert.equal(blank.statusCode, 400);
      const byUser = await app.inject({
        method: 'POST',
        url: `/api/v1/admin/orders/${order.id}/refund`,
        headers: user.headers,
        payload: { reason: 'x' },
      });
      assert.equal(byUser.statusCode, 403);
    });

    test('when orders are listed, then a user sees only theirs and another user’s order is a 404', async () => {
      const { app } = env();
      const { user, order } = await paid();
      const other = await registerUser(app);
      const mine = await app.inject({ method: 'GET', url: '/api/v1/orders', headers: user.headers });
      assert.deepEqual(
        mine.json<{ items: OrderJson[] }>().items.map((o) => o.id),
        [order.id],
      );
      const theirs = await app.inject({
        method: 'GET',
        url: `/api/v1/orders/${order.id}`,
        headers: other.headers,
      });
      assert.equal(theirs.statusCode, 404);
      const filtered = await app.inject({
        method: 'GET',
        url: '/api/v1/orders?status=failed',
        headers: user.headers,
      });
      assert.equal(filtered.json<{ items: OrderJson[] }>().items.length, 0);
    });

    test('when an admin lists orders, then status, user and date filters apply with keyset pages', async () => {
      const { app, clock } = env();
      const user = await registerUser(app);
      const a = await paid(user);
      const b = await paid(user);
      const list = async (q: string) => {
        const res = await app.inject({
          method: 'GET',
          url: `/api/v1/admin/orders?${q}`,
          headers: admin.headers,
        });
        assert.equal(res.statusCode, 200, res.body);
        return res.json<{ items: OrderJson[]; next_cursor: string | null }>();
      };
      const page1 = await list(`user_id=${user.id}&status=paid&limit=1`);
      assert.deepEqual(
        page1.items.map((o) => o.id),
        [b.order.id],
      );
      assert.ok(page1.next_cursor);
      const page2 = await list(`user_id=${user.id}&status=paid&limit=1&cursor=${page1.next_cursor}`);
      assert.deepEqual(
        page2.items.map((o) => o.id),
        [a.order.id],
      );
      assert.equal(page2.next_cursor, null);
      const later = new Date(clock.now() + 1000).toISOString();
      assert.equal((await list(`user_id=${user.id}&from=${later}`)).items.length, 0);
      assert.equal((await list(`user_id=${user.id}&to=${later}`)).items.length, 2);
      const bad = await app.inject({
        method: 'GET',
        url: '/api/v1/admin/orders?cursor=nope',
        headers: admin.headers,
      });
      assert.equal(bad.statusCode, 400);
    });

    test('when a checkout is abandoned past CHECKOUT_TTL_S, then the sweep expires it (and a late payment still counts)', async () => {
      const { app, db, clock, config } = env();
      const user = await registerUser(app);
      const body = (await checkout(app, user, planId)).json<CheckoutJson>();
      clock.advance(config.CHECKOUT_TTL_S * 1000 - 1000);
      await expireAbandonedCheckouts(db, clock.now(), config.CHECKOUT_TTL_S * 1000);
      assert.equal((await getOrder(app, user, body.order.id)).status, 'pending_payment');
      clock.advance(2000);
      assert.ok((await expireAbandonedCheckouts(db, clock.now(), config.CHECKOUT_TTL_S * 1000)) >= 1);
      const expired = await getOrder(app, user, body.order.id);
      assert.equal(expired.status, 'expired');
      assert.equal(expired.failure_reason, 'checkout_expired');
      const pi = intentIdOf(body);
      await deliver(app, standin, standin.event('payment_intent.succeeded', standin.paid(pi)));
      assert.equal((await getOrder(app, user, body.order.id)).status, 'paid');
    });
  },
  stripeConfig(standin),
);
