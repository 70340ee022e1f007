/** Buying: one idempotency key per checkout attempt, so a double click or a retry buys once. */
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { expect, test } from 'vitest';
import { CheckoutPage } from '../src/pages/customer/Checkout';
import { aPack, aPlan, anEsim, calls, problem, renderAt, serve, type Call } from './harness';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const plan = aPlan({ id: 'p2', name: 'Japan 3 GB', countries: ['JP'], price_cents: 1500, currency: 'JPY' });

function store(answers: ((call: Call) => object)[]) {
  serve({
    'GET /api/v1/plans/p2': plan,
    'GET /api/v1/esims': { items: [anEsim({ id: 'e1' })], next_cursor: null },
    'POST /api/v1/packs': (call) => answers.shift()!(call),
  });
}
const purchases = () => calls.filter((c) => c.method === 'POST' && c.path === '/api/v1/packs');
const keyOf = (c: Call) => c.headers.get('idempotency-key');

test('a double click on Buy sends one purchase with one key', async () => {
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  store([
    async () => {
      await held;
      return { status: 201, body: aPack({ id: 'k9', esim_id: 'e1' }) };
    },
  ]);
  renderAt(<CheckoutPage planId="p2" />, { path: '/buy/p2' });
  const buy = await screen.findByRole('button', { name: 'Buy for ¥1,500' });

  // both clicks land before React draws the button disabled
  act(() => {
    buy.click();
    buy.click();
  });
  expect((await screen.findByRole<HTMLButtonElement>('button', { name: 'Buying…' })).disabled).toBe(true);
  fireEvent.click(buy);
  release();
  await waitFor(() => expect(location.pathname + location.search).toBe('/esims/e1?bought=1'));

  expect(purchases()).toHaveLength(1);
  expect(keyOf(purchases()[0]!)).toMatch(UUID);
  expect(purchases()[0]!.body).toEqual({ plan_id: 'p2', esim_id: 'e1' });
});

test('trying again after a failure sends the same key, so the service can answer the first purchase', async () => {
  store([
    () => problem(503, 'PAYMENT_PROVIDER_UNAVAILABLE', 'The payment provider did not answer.'),
    () => ({ status: 201, body: aPack({ esim_id: 'e1' }) }),
  ]);
  renderAt(<CheckoutPage planId="p2" />, { path: '/buy/p2' });
  fireEvent.click(await screen.findByRole('button', { name: 'Buy for ¥1,500' }));
  expect((await screen.findByRole('alert')).textContent).toBe(
    'Payments are not answering right now. Nothing was charged: try again in a minute.',
  );
  fireEvent.click(screen.getByRole('button', { name: 'Buy for ¥1,500' }));
  await waitFor(() => expect(location.pathname).toBe('/esims/e1'));

  const [first, second] = purchases();
  expect(keyOf(first!)).toMatch(UUID);
  expect(keyOf(second!)).toBe(keyOf(first!));
});

test('another choice of eSIM is another purchase: a new key, and a new eSIM is made once across retries', async () => {
  store([
    () => problem(503, 'PAYMENT_PROVIDER_UNAVAILABLE', 'down'),
    () => problem(503, 'PAYMENT_PROVIDER_UNAVAILABLE', 'down'),
    () => ({ status: 201, body: aPack({ esim_id: 'e2' }) }),
  ]);
  serve({ 'POST /api/v1/esims': () => ({ status: 201, body: anEsim({ id: 'e2', iccid: null }) }) });
  renderAt(<CheckoutPage planId="p2" />, { path: '/buy/p2' });
  const buy = await screen.findByRole('button', { name: 'Buy for ¥1,500' });
  fireEvent.click(buy);
  await screen.findByRole('alert');

  fireEvent.click(screen.getByLabelText('A new eSIM (you will scan a QR code)'));
  fireEvent.click(buy);
  await waitFor(() => expect(purchases()).toHaveLength(2));
  await screen.findByRole('alert');
  fireEvent.click(buy);
  await waitFor(() => expect(location.pathname).toBe('/esims/e2'));

  const [mine, fresh, again] = purchases();
  expect(mine!.body).toEqual({ plan_id: 'p2', esim_id: 'e1' });
  expect(fresh!.body).toEqual({ plan_id: 'p2', esim_id: 'e2' });
  expect(keyOf(fresh!)).not.toBe(keyOf(mine!));
  expect(keyOf(again!)).toBe(keyOf(fresh!));
  expect(calls.filter((c) => c.method === 'POST' && c.path === '/api/v1/esims')).toHaveLength(1);
});
