/**
 * My orders: what was bought and whether the payment arrived. While an order waits for its payment (the
 * customer is back from the payment page before the provider told us), the list asks again every few
 * seconds; a paid order links to its eSIM. An order left unpaid for a while (the customer went back from
 * the payment page) is not asked about again: it says nothing was charged and offers to buy again.
 */
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { Empty, ErrorNote, Loading, Page } from '../../components/ui';
import { formatDate, formatPrice } from '../../format';
import { ORDER_STATUS as STATUS, retryPath, type OrderStatus } from '../../payments/words';
import { Link } from '../../router';

/** A payment normally arrives within minutes; an order unpaid for longer was most likely left. */
const LEFT_AFTER_MS = 15 * 60_000;
const left = (o: { status: OrderStatus; created_at: string }) =>
  o.status === 'pending_payment' && Date.now() - Date.parse(o.created_at) > LEFT_AFTER_MS;

export function OrdersPage() {
  const orders = useQuery({
    queryKey: ['orders'],
    queryFn: () => unwrap(api.GET('/api/v1/orders', { params: { query: { limit: 50 } } })),
    refetchInterval: (q) =>
      q.state.data?.items.some((o) => o.status === 'pending_payment' && !left(o)) ? 3000 : false,
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
            <p role={o.status === 'pending_payment' && !left(o) ? 'status' : undefined}>
              {left(o) ? 'Not paid: nothing was charged.' : STATUS[o.status]}
              {(left(o) || o.status === 'failed' || o.status === 'expired') && o.plan_id && (
                <>
                  {' '}
                  <Link href={retryPath(o)}>Buy again</Link>
                </>
              )}
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
