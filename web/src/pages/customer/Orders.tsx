/**
 * My orders: what was bought and whether the payment arrived. While an order waits for its payment (the
 * customer is back from the payment page before the provider told us), the list asks again every few
 * seconds; a paid order links to its eSIM.
 */
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { Empty, ErrorNote, Loading, Page } from '../../components/ui';
import { formatDate, formatPrice } from '../../format';
import { ORDER_STATUS as STATUS } from '../../payments/words';
import { Link } from '../../router';

export function OrdersPage() {
  const orders = useQuery({
    queryKey: ['orders'],
    queryFn: () => unwrap(api.GET('/api/v1/orders', { params: { query: { limit: 50 } } })),
    refetchInterval: (q) => (q.state.data?.items.some((o) => o.status === 'pending_payment') ? 3000 : false),
  });
  const items = orders.data?.items ?? [];
  return (
    <Page title="My orders">
      {orders.isPending && <Loading what="your orders" />}
      {orders.isError && <ErrorNote error={orders.error} retry={() => orders.refetch()} />}
      {orders.isSuccess && items.length === 0 && (
        <Empty>
          <p>
            You have not bought anything yet. <Link href="/">Choose a plan</Link>.
          </p>
        </Empty>
      )}
      <ul className="list">
        {items.map((o) => (
          <li key={o.id} data-status={o.status}>
            <p>
              <strong>{o.name ?? 'Data plan'}</strong>, {formatPrice(o.amount_cents, o.currency)},{' '}
              {formatDate(o.created_at)}
            </p>
            <p role={o.status === 'pending_payment' ? 'status' : undefined}>
              {STATUS[o.status]}
              {o.status === 'paid' && (
                <>
                  {' '}
                  {o.esim_id ? (
                    <Link href={`/esims/${o.esim_id}`}>Install the eSIM</Link>
                  ) : (
                    <Link href="/packs">See your data</Link>
                  )}
                </>
              )}
            </p>
          </li>
        ))}
      </ul>
    </Page>
  );
}
