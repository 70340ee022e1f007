/**
 * What both webhook benches deliver: N users, each with one order `pending_payment` (written through the
 * packs module's checkout code, no provider call), and for each order a `payment_intent.succeeded` event
 * signed with the SDK's test-header helper. Also the local PostgreSQL server's CPU for one database.
 */
import { readdirSync, readFileSync } from 'node:fs';
import Stripe from 'stripe';
import { transaction, type Db } from '../src/db/index.js';
import { openCheckout } from '../src/modules/packs/checkout.js';
import { insertPlan, insertUser } from '../test/fixtures/admin.js';

export const WEBHOOK_SECRET = 'whsec_benchsecret';
const signer = new Stripe('sk_test_bench');

export interface SignedEvent {
  body: string;
  /** the Stripe-Signature header */
  header: string;
}

/** The server's settings for stripe mode without calls to Stripe (the orders exist already). */
export const STRIPE_BENCH_ENV = {
  PAYMENT_PROVIDER: 'stripe',
  STRIPE_SECRET_KEY: 'sk_test_bench',
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  STRIPE_API_BASE: 'http://127.0.0.1:9', // never called
  WEBHOOK_RATE_LIMIT_MAX: '1000000',
  REFUND_INTERVAL_S: '0',
} as const;

export async function seedPaidEvents(db: Db, n: number, prefix: string): Promise<SignedEvent[]> {
  const planId = await insertPlan(db, { price_cents: 1999, currency: 'EUR' });
  const events: SignedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const userId = await insertUser(db);
    const opened = await transaction(db, (tx) =>
      openCheckout(tx, { userId, planId, hash: 'bench', provider: 'stripe', now: Date.now() }),
    );
    if (opened === 'free') throw new Error('plan is free');
    const body = JSON.stringify({
      id: `evt_${prefix}_${i}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(Date.now() / 1000),
      data: {
        object: {
          id: `pi_${prefix}_${i}`,
          object: 'payment_intent',
          amount: 1999,
          amount_received: 1999,
          currency: 'eur',
          status: 'succeeded',
          metadata: { order_id: opened.order.id, user_id: userId },
        },
      },
    });
    events.push({
      body,
      header: signer.webhooks.generateTestHeaderString({ payload: body, secret: WEBHOOK_SECRET }),
    });
  }
  return events;
}

/**
 * CPU seconds used so far by the local PostgreSQL server's backends serving database `name` (0 when it
 * runs elsewhere; its shared processes, the WAL writer and such, are not counted).
 */
export function postgresCpu(name: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.startsWith('postgres: ') || !cmdline.includes(` ${name} `)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks / 100;
}
