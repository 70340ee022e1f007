/** Everyone's packs and eSIMs with filters, and the list and filter pieces the console's pages share. */
import { useId, type FormEvent, type ReactNode } from 'react';
import { api, unwrap, type Schemas } from '../../api/client';
import { usePaged, type Paged } from '../../api/paged';
import { Empty, ErrorNote, Field, Loading, Page } from '../../components/ui';
import { formatBytes, formatDate } from '../../format';
import { Link, navigate, useLocation } from '../../router';

/** Filters kept in the address (so a filtered view can be shared and survives a reload). */
export function useFilters(path: string) {
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

export function Listing<T>({
  query,
  what,
  empty,
  head,
  row,
}: {
  query: Paged<T>;
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
    <>
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
      {query.more && (
        <button type="button" className="secondary" onClick={query.more.load} disabled={query.more.loading}>
          {query.more.loading ? 'Loading…' : `Show more ${what}`}
        </button>
      )}
    </>
  );
}

const PACK_STATUSES = ['pending', 'active', 'depleted', 'expired', 'cancelled'] as const;
const ESIM_STATUSES = ['released', 'downloaded', 'installed', 'enabled', 'disabled', 'deleted'] as const;

export function PacksOversight() {
  const { get, submit } = useFilters('/admin/packs');
  const status = get('status') as (typeof PACK_STATUSES)[number] | '';
  const userId = get('user_id');
  const packs = usePaged(['admin', 'packs', status, userId], (cursor) =>
    unwrap(
      api.GET('/api/v1/admin/packs', {
        params: {
          query: { limit: 50, cursor, ...(status ? { status } : {}), ...(userId ? { user_id: userId } : {}) },
        },
      }),
    ),
  );

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
  const esims = usePaged(['admin', 'esims', status, iccid], (cursor) =>
    unwrap(
      api.GET('/api/v1/admin/esims', {
        params: { query: { limit: 50, cursor, ...(status ? { status } : {}), ...(iccid ? { iccid } : {}) } },
      }),
    ),
  );
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
