/** The operators' console at /admin: only admins get in; anyone else is told so. Loaded apart from the shop. */
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api, unwrap } from '../../api/client';
import { BarChart } from '../../components/BarChart';
import { ErrorNote, Loading, Page } from '../../components/ui';
import { formatBytes, formatPrice } from '../../format';
import { Link, match, useLocation } from '../../router';
import { useSession } from '../../session';
import { CataloguePage } from './Catalogue';
import { ActivityPage } from './Activity';
import { ApiKeysPage } from './ApiKeys';
import { EsimsOversight, PacksOversight } from './Oversight';
import { UserPage, UsersPage } from './Users';

const DAY = 86_400_000;

export default function AdminApp() {
  const session = useSession();
  const { path } = useLocation();
  if (session.state.status === 'loading') return <Loading what="your account" />;
  if (!session.user || session.user.role !== 'admin') {
    return (
      <main id="main" className="gate">
        <h1 tabIndex={-1}>This console is for KSWiFi staff</h1>
        {session.user ? (
          <p>
            You are signed in as {session.user.email}, which is a customer account.{' '}
            <Link href="/">Go to the shop</Link>.
          </p>
        ) : (
          <p>
            <Link href="/signin?next=/admin">Sign in</Link> with a staff account to use it.
          </p>
        )}
      </main>
    );
  }
  let params: Record<string, string> | null;
  let page: ReactNode;
  if (path === '/admin') page = <Dashboard />;
  else if (path === '/admin/users') page = <UsersPage />;
  else if ((params = match('/admin/users/:id', path))) page = <UserPage id={params.id!} />;
  else if (path === '/admin/plans') page = <CataloguePage />;
  else if (path === '/admin/packs') page = <PacksOversight />;
  else if (path === '/admin/esims') page = <EsimsOversight />;
  else if (path === '/admin/activity') page = <ActivityPage />;
  else if (path === '/admin/api-keys') page = <ApiKeysPage />;
  else
    page = (
      <Page title="Page not found">
        <p>
          Nothing here. <Link href="/admin">Back to the dashboard</Link>.
        </p>
      </Page>
    );
  const item = (href: string, label: string) => (
    <li>
      <Link href={href} aria-current={path === href ? 'page' : undefined}>
        {label}
      </Link>
    </li>
  );
  return (
    <div className="admin">
      <a className="skip" href="#main">
        Skip to the content
      </a>
      <header className="top">
        <Link href="/admin" className="brand">
          KSWiFi console
        </Link>
        <nav aria-label="Console">
          <ul>
            {item('/admin', 'Dashboard')}
            {item('/admin/users', 'Users')}
            {item('/admin/plans', 'Catalogue')}
            {item('/admin/packs', 'Packs')}
            {item('/admin/esims', 'eSIMs')}
            {item('/admin/activity', 'Activity')}
            {item('/admin/api-keys', 'API keys')}
            {item('/', 'Shop')}
          </ul>
        </nav>
      </header>
      <main id="main">{page}</main>
    </div>
  );
}

function Dashboard() {
  const stats = useQuery({
    queryKey: ['admin', 'stats'],
    queryFn: () => unwrap(api.GET('/api/v1/admin/stats')),
  });
  const from = new Date(Math.floor(Date.now() / DAY) * DAY - 29 * DAY);
  const signups = useQuery({
    queryKey: ['admin', 'signups', from.toISOString()],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/admin/activity', {
          params: { query: { action: 'user.registered', from: from.toISOString(), limit: 200 } },
        }),
      ),
  });
  if (stats.isPending) return <Loading what="the figures" />;
  if (stats.isError) return <ErrorNote error={stats.error} retry={() => stats.refetch()} />;
  const s = stats.data;
  const perDay = new Map<string, number>();
  for (let i = 0; i < 30; i++) perDay.set(new Date(from.getTime() + i * DAY).toISOString().slice(0, 10), 0);
  for (const a of signups.data?.items ?? []) {
    const day = a.created_at.slice(0, 10);
    if (perDay.has(day)) perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  const count = (n: number) => String(n);
  return (
    <Page title="Dashboard">
      <ul className="stats" aria-label="Key figures">
        <Stat label="Customers" value={s.users.total} note={`${s.users.new_7d} new this week`} />
        <Stat label="Suspended" value={s.users.suspended} />
        <Stat
          label="Active packs"
          value={s.packs.by_status.active ?? 0}
          note={`${s.packs.by_status.pending ?? 0} not started`}
        />
        <Stat
          label="Data sold"
          value={formatBytes(s.data.sold_bytes)}
          note={`${formatBytes(s.data.used_bytes)} used`}
        />
        {s.revenue.length === 0 && <Stat label="Revenue" value="None yet" />}
        {s.revenue.map((r) => (
          <Stat
            key={r.currency}
            label={`Revenue in ${r.currency}`}
            value={formatPrice(r.cents, r.currency)}
          />
        ))}
      </ul>
      <div className="charts">
        <BarChart
          label="Data used per day, last 30 days"
          bars={s.usage_per_day.map((d) => ({ start: d.day, value: d.bytes }))}
          format={formatBytes}
        />
        {signups.isSuccess && (
          <BarChart
            label="Sign-ups per day, last 30 days"
            bars={[...perDay].map(([day, n]) => ({ start: day, value: n }))}
            format={count}
            whole
          />
        )}
      </div>
      <section aria-labelledby="by-status">
        <h2 id="by-status">Packs and eSIMs by status</h2>
        <div className="two">
          <StatusTable caption="Packs" counts={s.packs.by_status} />
          <StatusTable caption="eSIMs" counts={s.esims.by_status} />
        </div>
      </section>
    </Page>
  );
}

function Stat({ label, value, note }: { label: string; value: number | string; note?: string }) {
  return (
    <li className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value">{value}</span>
      {note && <span className="stat-note">{note}</span>}
    </li>
  );
}

function StatusTable({ caption, counts }: { caption: string; counts: Record<string, number> }) {
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Status</th>
          <th scope="col">Count</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(counts).map(([k, v]) => (
          <tr key={k}>
            <td>{k}</td>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
