/** The activity log: everyone's, filtered by action or user; the table is also a user's activity. */
import { api, unwrap, type Schemas } from '../../api/client';
import { usePaged } from '../../api/paged';
import { Empty, ErrorNote, Field, Loading, Page } from '../../components/ui';
import { formatDate } from '../../format';
import { Link } from '../../router';
import { useFilters } from './Oversight';

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
  const activity = usePaged(['admin', 'activity', action, userId], (cursor) =>
    unwrap(
      api.GET('/api/v1/admin/activity', {
        params: {
          query: { limit: 50, cursor, ...(action ? { action } : {}), ...(userId ? { user_id: userId } : {}) },
        },
      }),
    ),
  );

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
      {activity.data && <ActivityTable items={activity.data.items} />}
      {activity.more && (
        <button
          type="button"
          className="secondary"
          onClick={activity.more.load}
          disabled={activity.more.loading}
        >
          {activity.more.loading ? 'Loading…' : 'Show older entries'}
        </button>
      )}
    </Page>
  );
}
