/** The console at /admin lets admins in; anyone else is told who it is for, and where to go. */
import { screen, waitFor } from '@testing-library/react';
import { expect, test } from 'vitest';
import { App } from '../src/App';
import { aUser, calls, renderAt } from './harness';

test('a customer opening /admin is told the console is for staff, and sees nothing of it', async () => {
  renderAt(<App />, { path: '/admin', user: aUser({ email: 'ada@example.com', role: 'user' }) });
  const heading = await screen.findByRole('heading', { name: 'This console is for KSWiFi staff' });
  expect(heading.closest('main')!.textContent).toBe(
    'This console is for KSWiFi staffYou are signed in as ada@example.com, which is a customer account. Go to the shop.',
  );
  expect(screen.getByRole('link', { name: 'Go to the shop' }).getAttribute('href')).toBe('/');
  expect(screen.queryByRole('navigation', { name: 'Console' })).toBeNull();
  expect(calls.filter((c) => c.path.startsWith('/api/v1/admin/'))).toEqual([]);
});

test('a visitor who is not signed in is asked to sign in with a staff account', async () => {
  renderAt(<App />, { path: '/admin/users' });
  await screen.findByRole('heading', { name: 'This console is for KSWiFi staff' });
  expect(screen.getByRole('link', { name: 'Sign in' }).getAttribute('href')).toBe('/signin?next=/admin');
  expect(calls).toEqual([]);
});

test('an admin gets the console', async () => {
  renderAt(<App />, { path: '/admin/nowhere', user: aUser({ role: 'admin', email: 'ops@example.com' }) });
  const nav = await screen.findByRole('navigation', { name: 'Console' });
  expect(nav.textContent).toContain('Users');
  expect(screen.getByRole('heading', { name: 'Page not found' })).toBeTruthy();
  await waitFor(() => expect(screen.queryByText(/for KSWiFi staff/)).toBeNull());
});
