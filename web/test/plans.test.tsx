/** The plans by destination: country names and flags from Intl.DisplayNames, prices in each plan's currency. */
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { expect, test } from 'vitest';
import { PlansPage } from '../src/pages/customer/Plans';
import { aPlan, aUser, calls, renderAt, serve } from './harness';

const plans = [
  aPlan({ id: 'p1', name: 'Europe 5 GB', countries: ['FR', 'DE'], price_cents: 1499, currency: 'EUR' }),
  aPlan({
    id: 'p2',
    name: 'Japan 3 GB',
    countries: ['JP'],
    price_cents: 1500,
    currency: 'JPY',
    data_bytes: 3_000_000_000,
    validity_days: 15,
  }),
  aPlan({
    id: 'p3',
    name: 'World 1 GB',
    countries: ['US', 'CA', 'MX', 'BR', 'AR', 'CL', 'PE', 'CO'],
    price_cents: 999,
    currency: 'USD',
    data_bytes: 1_000_000_000,
    validity_days: 7,
  }),
];

function shownPlans() {
  return within(screen.getByRole('list', { name: 'Plans' }))
    .queryAllByRole('heading')
    .map((h) => h.textContent);
}

test('destinations by name with their flags, sorted; each price in its own currency', async () => {
  serve({ 'GET /api/v1/plans': { items: plans, next_cursor: null } });
  renderAt(<PlansPage />);
  await screen.findByRole('heading', { name: 'Japan 3 GB' });
  expect(calls[0]!.query.get('limit')).toBe('200');

  const options = within(screen.getByLabelText('Where are you going?')).getAllByRole('option');
  expect(options.map((o) => o.textContent)).toEqual([
    'All destinations',
    '🇦🇷 Argentina',
    '🇧🇷 Brazil',
    '🇨🇦 Canada',
    '🇨🇱 Chile',
    '🇨🇴 Colombia',
    '🇫🇷 France',
    '🇩🇪 Germany',
    '🇯🇵 Japan',
    '🇲🇽 Mexico',
    '🇵🇪 Peru',
    '🇺🇸 United States',
  ]);

  const card = (name: string) => screen.getByRole('heading', { name }).closest('li')!;
  // JPY has no minor unit: 1500 is ¥1,500, not ¥15
  expect(within(card('Japan 3 GB')).getByText('¥1,500')).toBeTruthy();
  expect(within(card('Europe 5 GB')).getByText('€14.99')).toBeTruthy();
  expect(within(card('World 1 GB')).getByText('$9.99')).toBeTruthy();
  expect(card('Japan 3 GB').querySelector('.facts')!.textContent).toBe('3 GB for 15 days');
  const places = (name: string) => [...card(name).querySelectorAll('.country')].map((c) => c.textContent);
  expect(places('Europe 5 GB')).toEqual(['🇫🇷 France', '🇩🇪 Germany']);
  expect(places('World 1 GB')).toEqual([
    '🇺🇸 United States',
    '🇨🇦 Canada',
    '🇲🇽 Mexico',
    '🇧🇷 Brazil',
    '🇦🇷 Argentina',
    '🇨🇱 Chile',
  ]);
  expect(card('World 1 GB').querySelector('.countries')!.textContent).toMatch(/Chile and 2 more$/);
});

test('choosing a destination shows only the plans that work there, and the address keeps it', async () => {
  serve({ 'GET /api/v1/plans': { items: plans, next_cursor: null } });
  renderAt(<PlansPage />);
  await screen.findByRole('heading', { name: 'Japan 3 GB' });
  fireEvent.change(screen.getByLabelText('Where are you going?'), { target: { value: 'DE' } });
  await waitFor(() => expect(shownPlans()).toEqual(['Europe 5 GB']));
  expect(location.search).toBe('?to=DE');
});

test('a destination with no plan says so by its name', async () => {
  serve({ 'GET /api/v1/plans': { items: plans, next_cursor: null } });
  renderAt(<PlansPage />, { path: '/?to=IS' });
  expect((await screen.findByText(/We have no plan for/)).textContent).toBe(
    'We have no plan for Iceland yet. Choose “All destinations” to see plans for nearby countries.',
  );
  expect(shownPlans()).toEqual([]);
});

test('Buy asks a signed-out visitor to sign in first, then comes back to that plan', async () => {
  serve({ 'GET /api/v1/plans': { items: plans, next_cursor: null } });
  renderAt(<PlansPage />);
  fireEvent.click(await screen.findByRole('button', { name: 'Buy Japan 3 GB' }));
  expect(location.pathname + location.search).toBe('/signin?next=%2Fbuy%2Fp2');
});

test('Buy takes a signed-in customer straight to the checkout', async () => {
  serve({ 'GET /api/v1/plans': { items: plans, next_cursor: null } });
  renderAt(<PlansPage />, { user: aUser() });
  const buy = await screen.findByRole('button', { name: 'Buy Japan 3 GB' });
  // the session is known once /users/me answered: until then Buy still asks to sign in
  await waitFor(() => {
    fireEvent.click(buy);
    expect(location.pathname).toBe('/buy/p2');
  });
  expect(calls.map((c) => c.path)).toContain('/api/v1/users/me');
});
