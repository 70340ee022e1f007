/** Everyone's packs and eSIMs with filters, the activity log, and the API keys of machine clients. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { api, unwrap, type Schemas } from '../../api/client';
import { CopyButton, Empty, ErrorNote, Field, Loading, Page } from '../../components/ui';
import { formatBytes, formatDate } from '../../format';
import { Link, navigate, useLocation } from '../../router';

/** Filters kept in the address (so a filtered view can be shared and survives a reload). */
function useFilters(path: string) {
  const { query } = useLocation();
  const get = (k: string) => query.get(k) ?? '';
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const [k, v] of new FormData(e.currentTarget)) if (String(v).trim()) next.set(k, String(v).trim());
    navigate(`${path}${next.size ? `?${next}` : ''}`, { replace: true });
  };
  return { get, submit };
}

function StatusSelect({ name, value, options }: { name: string; value: string; options: string[] }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Status</label>
      <select id={id} name={name} defaultValue={value}>
        <option value="">Any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </div>
  );
}

function Listing<T>({
  query,
  what,
  empty,
  head,
  row,
}: {
  query: {
    isPending: boolean;
    isError: boolean;
    error: unknown;
    refetch: () => unknown;
    data?: { items: T[] };
  };
  what: string;
  empty: string;
  head: string[];
  row: (item: T) => ReactNode;
}) {
  if (query.isPending) return <Loading what={what} />;
  if (query.isError) return <ErrorNote error={query.error} retry={() => query.refetch()} />;
  const items = query.data?.items ?? [];
  if (items.length === 0)
    return (
      <Empty>
        <p>{empty}</p>
      </Empty>
    );
  return (
    <table className="data">
      <caption className="visually-hidden">{what}</caption>
      <thead>
        <tr>
          {head.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{items.map(row)}</tbody>
    </table>
  );
}

const PACK_STATUSES = ['pending', 'active', 'depleted', 'expired', 'cancelled'] as const;
const ESIM_STATUSES = ['released', 'downloaded', 'installed', 'enabled', 'disabled', 'deleted'] as const;

export function PacksOversight() {
  const { get, submit } = useFilters('/admin/packs');
  const status = get('status') as (typeof PACK_STATUSES)[number] | '';
  const userId = get('user_id');
  const packs = useQuery({
    queryKey: ['admin', 'packs', status, userId],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/admin/packs', {
          params: {
            query: { limit: 100, ...(status ? { status } : {}), ...(userId ? { user_id: userId } : {}) },
          },
        }),
      ),
  });
  return (
    <Page title="Packs">
      <form className="filters" onSubmit={submit}>
        <StatusSelect name="status" value={status} options={[...PACK_STATUSES]} />
        <Field label="User id" name="user_id" defaultValue={userId} maxLength={36} />
        <button type="submit">Filter</button>
      </form>
      <Listing
        query={packs}
        what="packs"
        empty="No pack matches these filters. Clear them to see every pack."
        head={['Pack', 'User', 'Status', 'Used', 'Bought', 'Ends']}
        row={(p: Schemas['Pack']) => (
          <tr key={p.id}>
            <td>{p.name}</td>
            <td>
              <Link href={`/admin/users/${p.user_id}`}>{p.user_id.slice(-8)}</Link>
            </td>
            <td>{p.status}</td>
            <td>
              {formatBytes(p.used_bytes)} of {formatBytes(p.total_bytes)}
            </td>
            <td>{formatDate(p.created_at)}</td>
            <td>{formatDate(p.expires_at)}</td>
          </tr>
        )}
      />
    </Page>
  );
}

export function EsimsOversight() {
  const { get, submit } = useFilters('/admin/esims');
  const status = get('status') as (typeof ESIM_STATUSES)[number] | '';
  const iccid = get('iccid');
  const esims = useQuery({
    queryKey: ['admin', 'esims', status, iccid],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/admin/esims', {
          params: { query: { limit: 100, ...(status ? { status } : {}), ...(iccid ? { iccid } : {}) } },
        }),
      ),
  });
  return (
    <Page title="eSIMs">
      <form className="filters" onSubmit={submit}>
        <StatusSelect name="status" value={status} options={[...ESIM_STATUSES]} />
        <Field label="ICCID" name="iccid" defaultValue={iccid} inputMode="numeric" maxLength={20} />
        <button type="submit">Filter</button>
      </form>
      <Listing
        query={esims}
        what="eSIMs"
        empty="No eSIM matches these filters. Clear them to see every eSIM."
        head={['ICCID', 'Label', 'User', 'Status', 'Made']}
        row={(e: Schemas['Esim']) => (
          <tr key={e.id}>
            <td>
              <code>{e.iccid}</code>
            </td>
            <td>{e.label ?? '—'}</td>
            <td>
              <Link href={`/admin/users/${e.user_id}`}>{e.user_id.slice(-8)}</Link>
            </td>
            <td>{e.status}</td>
            <td>{formatDate(e.created_at)}</td>
          </tr>
        )}
      />
    </Page>
  );
}

export function ActivityTable({ items }: { items: Schemas['Activity'][] }) {
  if (items.length === 0)
    return (
      <Empty>
        <p>Nothing recorded yet.</p>
      </Empty>
    );
  return (
    <table className="data">
      <caption className="visually-hidden">Activity</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">What</th>
          <th scope="col">User</th>
          <th scope="col">By</th>
          <th scope="col">From</th>
        </tr>
      </thead>
      <tbody>
        {items.map((a) => (
          <tr key={a.id}>
            <td>{formatDate(a.created_at)}</td>
            <td>
              <code>{a.action}</code>
              {a.metadata && typeof a.metadata === 'object' && 'reason' in a.metadata && (
                <span className="muted"> “{String((a.metadata as { reason: unknown }).reason)}”</span>
              )}
            </td>
            <td>{a.user_id ? <Link href={`/admin/users/${a.user_id}`}>{a.user_id.slice(-8)}</Link> : '—'}</td>
            <td>{a.actor_id ? a.actor_id.slice(-8) : '—'}</td>
            <td>{a.ip ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ActivityPage() {
  const { get, submit } = useFilters('/admin/activity');
  const action = get('action');
  const userId = get('user_id');
  const activity = useQuery({
    queryKey: ['admin', 'activity', action, userId],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/admin/activity', {
          params: {
            query: { limit: 100, ...(action ? { action } : {}), ...(userId ? { user_id: userId } : {}) },
          },
        }),
      ),
  });
  return (
    <Page title="Activity log">
      <form className="filters" onSubmit={submit}>
        <Field
          label="Action"
          name="action"
          defaultValue={action}
          hint="For example auth.login or admin.user_updated"
          maxLength={100}
        />
        <Field label="User id" name="user_id" defaultValue={userId} maxLength={36} />
        <button type="submit">Filter</button>
      </form>
      {activity.isPending && <Loading what="the activity log" />}
      {activity.isError && <ErrorNote error={activity.error} retry={() => activity.refetch()} />}
      {activity.isSuccess && <ActivityTable items={activity.data.items} />}
    </Page>
  );
}

export function ApiKeysPage() {
  const queryClient = useQueryClient();
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const keys = useQuery({
    queryKey: ['admin', 'api-keys'],
    queryFn: () => unwrap(api.GET('/api/v1/admin/api-keys', { params: { query: { limit: 100 } } })),
  });
  const create = useMutation({
    mutationFn: (name: string) => unwrap(api.POST('/api/v1/admin/api-keys', { body: { name } })),
    onSuccess: (k) => {
      setCreated({ name: k.name, key: k.key });
      return queryClient.invalidateQueries({ queryKey: ['admin', 'api-keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE('/api/v1/admin/api-keys/{id}', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['admin', 'api-keys'] }),
  });
  return (
    <Page title="API keys">
      <p>
        Machine clients, such as the network's usage feed, send one of these keys in the X-API-Key header.
      </p>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const form = e.currentTarget;
          create.mutate(String(new FormData(form).get('name')).trim(), { onSuccess: () => form.reset() });
        }}
      >
        <Field
          label="Name of the new key"
          name="name"
          required
          maxLength={100}
          hint="Who will use it, like “usage feed”"
        />
        <button type="submit" disabled={create.isPending}>
          Create key
        </button>
      </form>
      {create.isError && <ErrorNote error={create.error} />}
      {created && (
        <div className="note success" role="status">
          <p>
            The key “{created.name}” is: <code data-testid="new-api-key">{created.key}</code>{' '}
            <CopyButton text={created.key} label="Copy key" />
          </p>
          <p>Copy it now: it is shown only this once.</p>
        </div>
      )}
      <Listing
        query={keys}
        what="API keys"
        empty="No key yet. Create one for each machine client."
        head={['Name', 'Starts with', 'Made', 'Last used', '']}
        row={(k: Schemas['ApiKey']) => (
          <tr key={k.id}>
            <td>{k.name}</td>
            <td>
              <code>{k.prefix}</code>
            </td>
            <td>{formatDate(k.created_at)}</td>
            <td>{formatDate(k.last_used_at)}</td>
            <td>
              {k.revoked_at ? (
                'Revoked'
              ) : (
                <button
                  type="button"
                  className="danger small"
                  onClick={() => revoke.mutate(k.id)}
                  aria-label={`Revoke ${k.name}`}
                >
                  Revoke
                </button>
              )}
            </td>
          </tr>
        )}
      />
    </Page>
  );
}
