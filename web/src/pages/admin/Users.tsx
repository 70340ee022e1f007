/** Users: search, one user's details, suspend or reactivate, grant a pack, their activity. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { usePaged } from '../../api/paged';
import { Empty, ErrorNote, Field, Loading, Page } from '../../components/ui';
import { formatBytes, formatDate } from '../../format';
import { Link, navigate, useLocation } from '../../router';
import { ActivityTable } from './Activity';

type Status = 'active' | 'suspended' | 'deleted';

export function UsersPage() {
  const { query } = useLocation();
  const q = query.get('q') ?? '';
  const status = (query.get('status') ?? '') as Status | '';
  const statusId = useId();
  const users = usePaged(['admin', 'users', q, status], (cursor) =>
    unwrap(
      api.GET('/api/v1/admin/users', {
        params: { query: { limit: 50, cursor, ...(q ? { query: q } : {}), ...(status ? { status } : {}) } },
      }),
    ),
  );

  const search = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    const text = String(f.get('q') ?? '').trim();
    if (text) next.set('q', text);
    if (f.get('status')) next.set('status', String(f.get('status')));
    navigate(`/admin/users${next.size ? `?${next}` : ''}`, { replace: true });
  };
  const items = users.data?.items ?? [];
  return (
    <Page title="Users">
      <form className="filters" role="search" onSubmit={search}>
        <Field label="Email or name" name="q" type="search" defaultValue={q} maxLength={200} />
        <div className="field">
          <label htmlFor={statusId}>Status</label>
          <select id={statusId} name="status" defaultValue={status}>
            <option value="">Any</option>
            <option value="active">Active</option>
            <option value="suspended">Suspended</option>
          </select>
        </div>
        <button type="submit">Search</button>
      </form>
      {users.isPending && <Loading what="users" />}
      {users.isError && <ErrorNote error={users.error} retry={() => users.refetch()} />}
      {users.data && items.length === 0 && (
        <Empty>
          <p>No user matches. Try part of the email, or clear the filters.</p>
        </Empty>
      )}
      {items.length > 0 && (
        <table className="data">
          <caption className="visually-hidden">Users</caption>
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Status</th>
              <th scope="col">Joined</th>
            </tr>
          </thead>
          <tbody>
            {items.map((u) => (
              <tr key={u.id}>
                <td>
                  <Link href={`/admin/users/${u.id}`}>{u.email}</Link>
                </td>
                <td>{u.full_name ?? '—'}</td>
                <td>{u.role}</td>
                <td>
                  <span className={`badge ${u.status}`}>{u.status}</span>
                </td>
                <td>{formatDate(u.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {users.more && (
        <button type="button" className="secondary" onClick={users.more.load} disabled={users.more.loading}>
          {users.more.loading ? 'Loading…' : 'Show more users'}
        </button>
      )}
    </Page>
  );
}

export function UserPage({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const user = useQuery({
    queryKey: ['admin', 'user', id],
    queryFn: () => unwrap(api.GET('/api/v1/admin/users/{id}', { params: { path: { id } } })),
  });
  const activity = useQuery({
    queryKey: ['admin', 'activity', 'user', id],
    queryFn: () =>
      unwrap(api.GET('/api/v1/admin/activity', { params: { query: { user_id: id, limit: 50 } } })),
  });
  const setStatus = useMutation({
    mutationFn: (body: { status: 'active' | 'suspended'; reason: string }) =>
      unwrap(api.PATCH('/api/v1/admin/users/{id}', { params: { path: { id } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['admin'] }),
  });
  if (user.isPending) return <Loading what="the user" />;
  if (user.isError)
    return (
      <Page title="User">
        <ErrorNote error={user.error} retry={() => user.refetch()}>
          <p>
            <Link href="/admin/users">Back to users</Link>
          </p>
        </ErrorNote>
      </Page>
    );
  const u = user.data;
  const suspended = u.status === 'suspended';
  const change = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const reason = String(new FormData(e.currentTarget).get('reason') ?? '').trim();
    setStatus.mutate({ status: suspended ? 'active' : 'suspended', reason });
  };
  return (
    <Page title={u.email}>
      <dl className="facts-list card">
        <dt>Name</dt>
        <dd>{u.full_name ?? '—'}</dd>
        <dt>Status</dt>
        <dd>
          <span className={`badge ${u.status}`} data-testid="user-status">
            {u.status}
          </span>
        </dd>
        <dt>Role</dt>
        <dd>{u.role}</dd>
        <dt>Packs / eSIMs</dt>
        <dd>
          {u.packs_count} / {u.esims_count}
        </dd>
        <dt>Data used</dt>
        <dd>{formatBytes(u.used_bytes)}</dd>
        <dt>Last sign-in</dt>
        <dd>{formatDate(u.last_login_at)}</dd>
      </dl>
      {u.status !== 'deleted' && (
        <section className="card" aria-labelledby="status-h">
          <h2 id="status-h">{suspended ? 'Reactivate' : 'Suspend'}</h2>
          <p>
            {suspended
              ? 'Lets the user sign in and use the service again.'
              : 'Signs the user out everywhere and refuses everything they try until reactivated.'}
          </p>
          <form className="form" onSubmit={change}>
            <Field label="Reason (kept in the activity log)" name="reason" required maxLength={500} />
            {setStatus.isError && <ErrorNote error={setStatus.error} />}
            <button type="submit" className={suspended ? '' : 'danger'} disabled={setStatus.isPending}>
              {suspended ? 'Reactivate user' : 'Suspend user'}
            </button>
          </form>
        </section>
      )}
      <GrantPack userId={id} />
      <section aria-labelledby="activity-h">
        <h2 id="activity-h">Activity</h2>
        {activity.isError && <ErrorNote error={activity.error} retry={() => activity.refetch()} />}
        {activity.isSuccess && <ActivityTable items={activity.data.items} />}
      </section>
    </Page>
  );
}

function GrantPack({ userId }: { userId: string }) {
  const queryClient = useQueryClient();
  const planId = useId();
  const [done, setDone] = useState<string | null>(null);
  const plans = useQuery({
    queryKey: ['admin', 'plans'],
    queryFn: () => unwrap(api.GET('/api/v1/admin/plans', { params: { query: { limit: 200 } } })),
  });
  const grant = useMutation({
    mutationFn: (body: { plan_id: string; reason: string }) =>
      unwrap(api.POST('/api/v1/admin/users/{id}/packs', { params: { path: { id: userId } }, body })),
    onSuccess: (pack) => {
      setDone(`Granted: ${pack.name}.`);
      return queryClient.invalidateQueries({ queryKey: ['admin'] });
    },
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    setDone(null);
    grant.mutate(
      { plan_id: String(f.get('plan_id')), reason: String(f.get('reason') ?? '').trim() },
      { onSuccess: () => form.reset() },
    );
  };
  return (
    <section className="card" aria-labelledby="grant-h">
      <h2 id="grant-h">Grant a pack (free)</h2>
      {plans.isError && <ErrorNote error={plans.error} retry={() => plans.refetch()} />}
      <form className="form" onSubmit={submit}>
        <div className="field">
          <label htmlFor={planId}>Plan</label>
          <select id={planId} name="plan_id" required>
            {(plans.data?.items ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} ({formatBytes(p.data_bytes)}, {p.validity_days} days)
                {p.is_active ? '' : ' — not on sale'}
              </option>
            ))}
          </select>
        </div>
        <Field label="Reason (kept in the activity log)" name="reason" required maxLength={500} />
        {grant.isError && <ErrorNote error={grant.error} />}
        {done && (
          <p className="note success" role="status">
            {done}
          </p>
        )}
        <button type="submit" disabled={grant.isPending}>
          Grant pack
        </button>
      </form>
    </section>
  );
}
