/** My data: each pack's data left (gauge), days left, usage per day (bars), and the notices. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Notification, type Pack } from '../../api/client';
import { BarChart } from '../../components/BarChart';
import { Gauge } from '../../components/Gauge';
import { Empty, ErrorNote, Loading, Page } from '../../components/ui';
import { daysLeft, formatBytes, formatDate, PACK_STATUS } from '../../format';
import { Link } from '../../router';

const DAY = 86_400_000;

export default function PacksPage() {
  const packs = useQuery({
    queryKey: ['packs'],
    queryFn: () => unwrap(api.GET('/api/v1/packs', { params: { query: { limit: 200 } } })),
  });
  const items = packs.data?.items ?? [];
  const current = items.filter((p) => p.status === 'active' || p.status === 'pending');
  const past = items.filter((p) => !(p.status === 'active' || p.status === 'pending'));
  return (
    <Page title="My data">
      <Notices />
      {packs.isPending && <Loading what="your data plans" />}
      {packs.isError && <ErrorNote error={packs.error} retry={() => packs.refetch()} />}
      {packs.isSuccess && current.length === 0 && (
        <Empty>
          <p>
            You have no data plan in use. <Link href="/">Choose a plan</Link> for your next trip.
          </p>
        </Empty>
      )}
      {current.map((p) => (
        <PackCard key={p.id} pack={p} />
      ))}
      {past.length > 0 && (
        <section aria-labelledby="past">
          <h2 id="past">Earlier plans</h2>
          <ul className="list">
            {past.map((p) => (
              <li key={p.id}>
                <strong>{p.name}</strong>: {PACK_STATUS[p.status]}, used {formatBytes(p.used_bytes)} of{' '}
                {formatBytes(p.total_bytes)}
              </li>
            ))}
          </ul>
        </section>
      )}
    </Page>
  );
}

function PackCard({ pack }: { pack: Pack }) {
  const now = Date.now();
  const from = new Date(Math.floor(now / DAY) * DAY - 13 * DAY).toISOString();
  const usage = useQuery({
    queryKey: ['pack-usage', pack.id, from],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/packs/{id}/usage', {
          params: {
            path: { id: pack.id },
            query: { granularity: 'day', from, to: new Date(now).toISOString() },
          },
        }),
      ),
  });
  const days = daysLeft(pack.expires_at, now);
  const bars = (usage.data?.buckets ?? []).map((b) => ({ start: b.start, value: b.bytes }));
  return (
    <section className="card pack" aria-labelledby={`pack-${pack.id}`} data-pack-id={pack.id}>
      <h2 id={`pack-${pack.id}`}>{pack.name}</h2>
      <div className="pack-top">
        <Gauge left={pack.remaining_bytes} total={pack.total_bytes} />
        <dl className="facts-list">
          <dt>Status</dt>
          <dd>{PACK_STATUS[pack.status]}</dd>
          <dt>Days left</dt>
          <dd data-testid="days-left">
            {days === null
              ? `${pack.validity_days} days, from your first use`
              : `${days} ${days === 1 ? 'day' : 'days'}`}
          </dd>
          {pack.expires_at && (
            <>
              <dt>Ends</dt>
              <dd>{formatDate(pack.expires_at)}</dd>
            </>
          )}
          <dt>Used</dt>
          <dd>{formatBytes(pack.used_bytes)}</dd>
        </dl>
      </div>
      {usage.isError && <ErrorNote error={usage.error} retry={() => usage.refetch()} />}
      {usage.isSuccess &&
        (bars.some((b) => b.value > 0) ? (
          <BarChart bars={bars} label="Data used per day, last 14 days" format={formatBytes} />
        ) : (
          <p className="muted">No data used yet. Usage shows here a few minutes after you use data.</p>
        ))}
      {!pack.esim_id && (
        <p className="note">
          This plan is not on an eSIM yet. <Link href="/esims">Open your eSIMs</Link> to install one.
        </p>
      )}
    </section>
  );
}

function Notices() {
  const queryClient = useQueryClient();
  const notices = useQuery({
    queryKey: ['notifications'],
    queryFn: () => unwrap(api.GET('/api/v1/notifications', { params: { query: { limit: 50 } } })),
  });
  const read = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST('/api/v1/notifications/{id}/read', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['notifications'] }),
  });
  if (notices.isError) return <ErrorNote error={notices.error} retry={() => notices.refetch()} />;
  const items = notices.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <section aria-labelledby="notices" className="notices">
      <h2 id="notices">Notices</h2>
      <ul className="list">
        {items.map((n) => (
          <li key={n.id} className={n.read_at ? 'read' : 'unread'} data-type={n.type}>
            <p>
              <span className="tag">{noticeTitle(n)}</span> {n.message}
            </p>
            <p className="muted">
              {formatDate(n.created_at)}
              {!n.read_at && (
                <>
                  {' '}
                  <button type="button" className="secondary small" onClick={() => read.mutate(n.id)}>
                    Mark as read
                  </button>
                </>
              )}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function noticeTitle(n: Notification): string {
  switch (n.type) {
    case 'usage_50':
      return 'Half used';
    case 'usage_80':
      return '80 % used';
    case 'usage_100':
      return 'All data used';
    case 'pack_expiring':
      return 'Ends soon';
    case 'pack_expired':
      return 'Ended';
    default:
      return 'Notice';
  }
}
