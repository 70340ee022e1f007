/** Paying by card in the page: Stripe.js is stood in for (it comes from Stripe's address, never bundled). */
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, expect, test, vi } from 'vitest';
import CardPayment from '../src/pages/customer/CardPayment';
import type { StripeJs } from '../src/payments/stripe-js';

type Confirm = StripeJs['confirmPayment'];

/** A Stripe.js whose Payment Element draws a card field and is ready at once. */
function standInStripe(confirmPayment: Confirm) {
  const factory = vi.fn((_key: string) => ({
    elements: () => ({
      create: () => {
        let ready = () => {};
        return {
          mount(el: HTMLElement) {
            el.innerHTML = '<label>Card number <input></label>';
            setTimeout(() => ready(), 0);
          },
          on: (_event: 'ready', handler: () => void) => void (ready = handler),
          destroy() {},
        };
      },
    }),
    confirmPayment,
  }));
  (window as unknown as { Stripe?: unknown }).Stripe = factory;
  return factory;
}

afterEach(() => {
  delete (window as unknown as { Stripe?: unknown }).Stripe;
});

const props = { orderId: 'o1', clientSecret: 'pi_1_secret_x', publishableKey: 'pk_test_x', amount: '€14.99' };

async function readyPay() {
  const pay = await screen.findByRole<HTMLButtonElement>('button', { name: 'Pay €14.99' });
  await waitFor(() => expect(pay.disabled).toBe(false));
  return pay;
}

test('a declined card: the reason in words, nothing charged, and Pay comes back', async () => {
  let answer: (v: Awaited<ReturnType<Confirm>>) => void = () => {};
  const confirm = vi.fn<Confirm>(() => new Promise((resolve) => (answer = resolve)));
  const stripe = standInStripe(confirm);
  render(<CardPayment {...props} />);
  fireEvent.click(await readyPay());

  const paying = screen.getByRole<HTMLButtonElement>('button', { name: 'Paying…' });
  expect(paying.disabled).toBe(true);
  expect(stripe).toHaveBeenCalledWith('pk_test_x');
  answer({ error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' } });

  const alert = await screen.findByRole('alert');
  expect(alert.textContent).toBe(
    'The payment did not go through: Your card was declined. Nothing was charged. Try another card, or ask your bank.',
  );
  expect((await readyPay()).disabled).toBe(false);
  expect(location.pathname).toBe('/');
});

test('a card that goes through leads to the order page, and a bank page would come back there too', async () => {
  const confirm = vi.fn<Confirm>(async () => ({ paymentIntent: { id: 'pi_1', status: 'succeeded' } }));
  standInStripe(confirm);
  render(<CardPayment {...props} />);
  fireEvent.click(await readyPay());

  await waitFor(() => expect(location.pathname + location.search).toBe('/checkout/done?order_id=o1'));
  expect(confirm).toHaveBeenCalledTimes(1);
  expect(confirm.mock.calls[0]![0]).toMatchObject({
    confirmParams: { return_url: 'http://localhost:8000/checkout/done?order_id=o1' },
    redirect: 'if_required',
  });
  expect(screen.queryByRole('alert')).toBeNull();
});

test('Stripe.js that cannot be loaded: said so, and Try again loads the form', async () => {
  // happy-dom loads no script (vitest.config.ts): the <script> fails as offline (and says so on stderr)
  render(<CardPayment {...props} />);
  const alert = await screen.findByRole('alert');
  expect(alert.textContent).toMatch(/The card form could not be loaded\. .*Nothing was charged\./);
  expect(document.querySelector('script[src="https://js.stripe.com/v3"]')).toBeNull();

  standInStripe(vi.fn<Confirm>());
  fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
  await readyPay();
  expect(screen.queryByRole('alert')).toBeNull();
});
