/**
 * Refunds reported by Stripe (`charge.refunded`): in part, the order stays paid with its pack and records
 * the running total; in full, the order is refunded and its unused pack cancelled. Either way the outbox
 * hears of it once, however often the event is delivered.
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
  'payments: refunds reported by Stripe',
  ({ env }) => {
    let admin: Session;
    let planId: string;
    test('setup', async () => {
      admin = await adminSession(env().app);
      planId = (await createPlan(env().app, admin, { price_cents: 1000, currency: 'EUR' })).id;
    });

    /** A fresh user with a paid order (and its pack); the PaymentIntent id. */
    async function paid() {
      const { app } = env();
      const user = await registerUser(app);
      const body = (await checkout(app, user, planId)).json<CheckoutJson>();
      const pi = intentIdOf(body);
      const res = await deliver(app, standin, standin.event('payment_intent.succeeded', standin.paid(pi)));
      assert.equal(res.json<{ outcome: string }>().outcome, 'paid');
      const order = await getOrder(app, user, body.order.id);
      return { user, order, pi };
    }

    async function packStatus(user: Session, packId: string | null): Promise<string> {
      const res = await env().app.inject({
        method: 'GET',
        url: `/api/v1/packs/${packId}`,
        headers: user.headers,
      });
      return res.json<{ status: string }>().status;
    }

    async function outboxOf(userId: string, types: string[]) {
      const rows = await env()
        .db.selectFrom('events')
        .select(['type', 'payload'])
        .where('user_id', '=', userId)
        .where('type', 'in', types)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ type: r.type, data: JSON.parse(r.payload) as Record<string, unknown> }));
    }

    const outcomeOf = (r: { json: <T>() => T }) => r.json<{ outcome: string }>().outcome;

    test('when part of a paid order is refunded, then the order stays paid with its pack and records the amount', async () => {
      const { app } = env();
      const { user, order, pi } = await paid();
      assert.equal(order.refunded_cents, 0);
      const first = standin.event('charge.refunded', standin.refundedCharge(pi, false, 300));
      assert.equal(outcomeOf(await deliver(app, standin, first)), 'partial_refund');
      let o = await getOrder(app, user, order.id);
      assert.deepEqual([o.status, o.refunded_cents, o.pack_id], ['paid', 300, order.pack_id]);
      assert.equal(await packStatus(user, order.pack_id), 'pending');
      // the same event again, and an older report (a smaller running total) arriving late: nothing moves
      assert.equal(outcomeOf(await deliver(app, standin, first)), 'duplicate');
      const late = standin.event('charge.refunded', standin.refundedCharge(pi, false, 200));
      assert.equal(outcomeOf(await deliver(app, standin, late)), 'stale');
      // a second partial refund raises the total
      const second = standin.event('charge.refunded', standin.refundedCharge(pi, false, 700));
      assert.equal(outcomeOf(await deliver(app, standin, second)), 'partial_refund');
      o = await getOrder(app, user, order.id);
      assert.deepEqual([o.status, o.refunded_cents], ['paid', 700]);
      const events = await outboxOf(user.id, ['order.partially_refunded', 'order.refunded']);
      assert.deepEqual(
        events.map((e) => [e.type, e.data.refunded_cents]),
        [
          ['order.partially_refunded', 300],
          ['order.partially_refunded', 700],
        ],
      );
      // the rest refunded: the order is refunded in full and its unused pack cancelled
      const rest = standin.event('charge.refunded', standin.refundedCharge(pi));
      assert.equal(outcomeOf(await deliver(app, standin, rest)), 'refunded');
      o = await getOrder(app, user, order.id);
      assert.deepEqual([o.status, o.refunded_cents], ['refunded', 1000]);
      assert.equal(await packStatus(user, order.pack_id), 'cancelled');
    });

    test('when partial refunds add up to the whole price, then the order is refunded', async () => {
      const { app } = env();
      const { user, order, pi } = await paid();
      const all = standin.event('charge.refunded', standin.refundedCharge(pi, false, 1000));
      assert.equal(outcomeOf(await deliver(app, standin, all)), 'refunded');
      const o = await getOrder(app, user, order.id);
      assert.deepEqual([o.status, o.refunded_cents], ['refunded', 1000]);
      const row = await env()
        .db.selectFrom('payment_events')
        .select(['order_id', 'outcome'])
        .where('order_id', '=', order.id)
        .where('type', '=', 'charge.refunded')
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { order_id: order.id, outcome: 'refunded' });
    });

    test('when a full refund is delivered 10 times at once and again later, then the outbox hears of it once', async () => {
      const { app } = env();
      const { user, order, pi } = await paid();
      const payload = standin.event('charge.refunded', standin.refundedCharge(pi));
      const answers = await Promise.all(Array.from({ length: 10 }, () => deliver(app, standin, payload)));
      assert.deepEqual(answers.map(outcomeOf).sort(), [...Array<string>(9).fill('duplicate'), 'refunded']);
      assert.equal(outcomeOf(await deliver(app, standin, payload)), 'duplicate');
      // a different event saying the same (Stripe may send another charge.refunded): stale, no event
      const other = standin.event('charge.refunded', standin.refundedCharge(pi));
      assert.equal(outcomeOf(await deliver(app, standin, other)), 'stale');
      const events = await outboxOf(user.id, [
        'order.refunded',
        'pack.cancelled',
        'order.partially_refunded',
      ]);
      assert.deepEqual(events.map((e) => e.type).sort(), ['order.refunded', 'pack.cancelled']);
      const refunded = events.find((e) => e.type === 'order.refunded')!.data as {
        order: { id: string; status: string; refunded_cents: number };
        refunded_cents: number;
      };
      assert.deepEqual(
        [refunded.order.id, refunded.order.status, refunded.order.refunded_cents, refunded.refunded_cents],
        [order.id, 'refunded', 1000, 1000],
      );
      const cancelled = events.find((e) => e.type === 'pack.cancelled')!.data as { pack: { id: string } };
      assert.equal(cancelled.pack.id, order.pack_id);
    });

    test('when an admin refunds an order partly refunded at Stripe, then only the rest is queued', async () => {
      const { app, db } = env();
      const { user, order, pi } = await paid();
      await deliver(app, standin, standin.event('charge.refunded', standin.refundedCharge(pi, false, 400)));
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/admin/orders/${order.id}/refund`,
        headers: admin.headers,
        payload: { reason: 'the rest, as agreed' },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json<{ refunded_cents: number }>().refunded_cents, 1000);
      const queued = await db
        .selectFrom('refund_outbox')
        .select('amount')
        .where('order_id', '=', order.id)
        .executeTakeFirstOrThrow();
      assert.equal(queued.amount, 600);
      await app.services.payments.refunds.idle();
      assert.equal(standin.refundsOf(pi).length, 1);
      assert.equal((await getOrder(app, user, order.id)).status, 'refunded');
    });
  },
  stripeConfig(standin),
);
