/**
 * The web app's payment pieces that need no page (web/src/payments/): the words for an order's status and a
 * Stripe.js error, the addresses a payment comes back to, and the Stripe.js loader (added once, only when
 * asked, tried again after a failed load), the loader run against a minimal stand-in of the DOM it touches.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { donePath, ORDER_STATUS, paymentErrorText, retryPath } from '../../web/src/payments/words.js';

describe('web: payment words', () => {
  test('when Stripe.js reports a declined card, then the customer reads why, that nothing was charged and what to do', () => {
    const text = paymentErrorText({
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    });
    assert.equal(
      text,
      'The payment did not go through: Your card has insufficient funds. Nothing was charged. Try another card, or ask your bank.',
    );
    assert.match(
      paymentErrorText({ type: 'card_error', code: 'expired_card', message: 'Your card has expired' }),
      /Your card has expired\. Nothing was charged\. Check the card details/,
    );
  });

  test('when the card details are incomplete or the service fails, then the words say so without blaming the bank', () => {
    assert.equal(
      paymentErrorText({ type: 'validation_error', message: 'Your card number is incomplete.' }),
      'Your card number is incomplete.',
    );
    assert.match(paymentErrorText({ type: 'api_connection_error' }), /did not answer.*Nothing was charged/);
  });

  test('when a payment comes back or is tried again, then the addresses name the order, the plan and the eSIM', () => {
    assert.equal(donePath('o 1'), '/checkout/done?order_id=o%201');
    assert.equal(retryPath({ plan_id: 'p1', esim_id: 'e1' }), '/buy/p1?esim=e1');
    assert.equal(retryPath({ plan_id: 'p1', esim_id: null }), '/buy/p1');
    assert.equal(retryPath({ plan_id: null, esim_id: 'e1' }), '/', 'a grant has no plan to buy again');
  });

  test('when an order is shown, then every status has words', () => {
    for (const status of ['pending_payment', 'paid', 'failed', 'refunded', 'expired'] as const)
      assert.ok(ORDER_STATUS[status].length > 5, status);
  });
});

describe('web: the Stripe.js loader', () => {
  type FakeScript = {
    src: string;
    async: boolean;
    onload?: () => void;
    onerror?: () => void;
    remove(): void;
  };
  const g = globalThis as Record<string, unknown>;
  afterEach(() => {
    delete g.window;
    delete g.document;
  });

  /** A document whose <head> keeps appended scripts; `outcome` decides whether each loads. */
  function fakeDom(outcome: () => 'load' | 'fail') {
    const scripts: FakeScript[] = [];
    const win: Record<string, unknown> = {};
    g.window = win;
    g.document = {
      createElement: () => ({ src: '', async: false, remove() {} }) as FakeScript,
      head: {
        append(s: FakeScript) {
          scripts.push(s);
          setTimeout(() => {
            if (outcome() === 'fail') return s.onerror?.();
            win.Stripe = (key: string) => ({ key });
            s.onload?.();
          }, 1);
        },
      },
    };
    return scripts;
  }

  // loaded by name, so the service's type check (no DOM types) does not follow it into browser code
  const loaderModule = '../../web/src/payments/stripe-js.js';
  type Loader = {
    loadStripeJs(): Promise<(key: string) => unknown>;
    STRIPE_JS_URL: string;
  };

  test('when the card step asks twice, then the script is added once, from js.stripe.com; a failed load can be retried', async () => {
    const { loadStripeJs, STRIPE_JS_URL } = (await import(loaderModule)) as Loader;
    let fail = true;
    const scripts = fakeDom(() => (fail ? 'fail' : 'load'));
    await assert.rejects(loadStripeJs(), /could not be loaded/);
    fail = false;
    const [a, b] = await Promise.all([loadStripeJs(), loadStripeJs()]);
    assert.equal(a, b);
    assert.deepEqual(
      scripts.map((s) => [s.src, s.async]),
      [
        [STRIPE_JS_URL, true],
        [STRIPE_JS_URL, true],
      ],
      'one failed attempt, then one script for both callers',
    );
    assert.equal(STRIPE_JS_URL, 'https://js.stripe.com/v3');
    assert.deepEqual(a('pk_test_x'), { key: 'pk_test_x' });
    await loadStripeJs();
    assert.equal(scripts.length, 2, 'already there: not added again');
  });
});
