/** My data: the data-left gauge, days left and the usage bars, in words a customer reads. */
import { render, screen, within } from '@testing-library/react';
import { expect, test } from 'vitest';
import { Gauge } from '../src/components/Gauge';
import PacksPage from '../src/pages/customer/Packs';
import { aPack, renderAt, serve } from './harness';

const DAY = 86_400_000;
const noNotices = { 'GET /api/v1/notifications': { items: [], next_cursor: null } };

test('the gauge says what is left in bytes turned into words, and the share left', () => {
  render(<Gauge left={1_500_000_000} total={5_000_000_000} />);
  const ring = screen.getByRole('img');
  expect(ring.getAttribute('aria-label')).toBe('1.5 GB left of 5 GB');
  expect(screen.getByText('1.5 GB left of 5 GB').tagName).toBe('FIGCAPTION');
  expect(ring.textContent).toContain('30%');
  expect(ring.closest('figure')!.className).toBe('gauge mid');
});

test('the gauge: small amounts, more used than bought, and nothing bought', () => {
  const { unmount } = render(<Gauge left={999} total={250_000_000} />);
  expect(screen.getByRole('img').getAttribute('aria-label')).toBe('999 bytes left of 250 MB');
  expect(screen.getByRole('img').closest('figure')!.className).toBe('gauge low');
  unmount();
  render(<Gauge left={-5} total={0} />);
  expect(screen.getByRole('img').textContent).toContain('0%');
});

test('a pack in use: days left, data used, and the usage per day in words', async () => {
  serve({
    ...noNotices,
    'GET /api/v1/packs': {
      items: [
        aPack({
          used_bytes: 1_234_567_890,
          remaining_bytes: 3_765_432_110,
          expires_at: new Date(Date.now() + 2.5 * DAY).toISOString(),
        }),
      ],
      next_cursor: null,
    },
    'GET /api/v1/packs/k1/usage': {
      granularity: 'day',
      buckets: [
        { start: '2026-11-29T12:00:00.000Z', bytes: 0, records: 0 },
        { start: '2026-11-30T12:00:00.000Z', bytes: 250_000_000, records: 3 },
        { start: '2026-12-01T12:00:00.000Z', bytes: 984_567_890, records: 9 },
      ],
    },
  });
  renderAt(<PacksPage />, { path: '/packs' });

  const pack = await screen.findByRole('region', { name: 'Europe 5 GB' });
  expect(within(pack).getByTestId('days-left').textContent).toBe('3 days');
  expect(within(pack).getByRole('img').getAttribute('aria-label')).toBe('3.8 GB left of 5 GB');
  expect(within(pack).getByText('1.2 GB').tagName).toBe('DD');
  const table = await within(pack).findByRole('table', { name: 'Data used per day, last 14 days' });
  const rows = within(table)
    .getAllByRole('row')
    .slice(1)
    .map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent));
  expect(rows).toEqual([
    ['Nov 29', '0 bytes'],
    ['Nov 30', '250 MB'],
    ['Dec 1', '985 MB'],
  ]);
});

test('a pack not started: its days count from first use; no usage yet is said in words', async () => {
  serve({
    ...noNotices,
    'GET /api/v1/packs': {
      items: [aPack({ status: 'pending', validity_days: 7, activated_at: null })],
      next_cursor: null,
    },
    'GET /api/v1/packs/k1/usage': { granularity: 'day', buckets: [] },
  });
  renderAt(<PacksPage />, { path: '/packs' });
  const pack = await screen.findByRole('region', { name: 'Europe 5 GB' });
  expect(within(pack).getByTestId('days-left').textContent).toBe('7 days, from your first use');
  expect(await within(pack).findByText(/^No data used yet\./)).toBeTruthy();
  expect(within(pack).queryByRole('table')).toBeNull();
});

test('one day left is "1 day"; an ended pack is listed apart with what it used', async () => {
  serve({
    ...noNotices,
    'GET /api/v1/packs': {
      items: [
        aPack({ expires_at: new Date(Date.now() + DAY / 2).toISOString() }),
        aPack({ id: 'k2', name: 'Japan 1 GB', status: 'depleted', used_bytes: 1e9, total_bytes: 1e9 }),
      ],
      next_cursor: null,
    },
    'GET /api/v1/packs/k1/usage': { granularity: 'day', buckets: [] },
  });
  renderAt(<PacksPage />, { path: '/packs' });
  const pack = await screen.findByRole('region', { name: 'Europe 5 GB' });
  expect(within(pack).getByTestId('days-left').textContent).toBe('1 day');
  const earlier = screen.getByRole('region', { name: 'Earlier plans' });
  expect(earlier.textContent).toBe('Earlier plansJapan 1 GB: All data used, used 1 GB of 1 GB');
});

test('no plan in use: the empty state leads to the plans', async () => {
  serve({ ...noNotices, 'GET /api/v1/packs': { items: [], next_cursor: null } });
  renderAt(<PacksPage />, { path: '/packs' });
  expect((await screen.findByText(/You have no data plan in use/)).textContent).toBe(
    'You have no data plan in use. Choose a plan for your next trip.',
  );
  expect(screen.getByRole('link', { name: 'Choose a plan' }).getAttribute('href')).toBe('/');
});
