/**
 * The pages a payment comes back to (CHECKOUT_SUCCESS_URL → /checkout/done, CHECKOUT_CANCEL_URL →
 * /checkout/cancelled, both with `?order_id=`). Coming back does not prove the money arrived: the service
 * learns it from Stripe's webhook, so the page asks for the order every few seconds until it is no longer
 * waiting, then shows the data plan and its eSIM, or says what went wrong and offers to try again.
 * Arriving at /checkout/done means the customer paid, so an order still `failed` there (an earlier card was
 * declined, the good one's webhook is on its way) is waited for a while too: money received wins.
 */
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, unwrap, type Schemas } from '../../api/client';
import { ErrorNote, Loading, Page } from '../../components/ui';
import { formatBytes, formatPrice } from '../../format';
import { retryPath } from '../../payments/words';
import { Link, useLocation } from '../../router';

type Order = Schemas['Order'];
const POLL_MS = 1500;
/** After this long the page stops asking and says the payment may still come. */
const GIVE_UP_MS = 2 * 60_000;
/** How long a `failed` order is still waited for after a payment (see above). */
const FAILED_GRACE_MS = 20_000;

/** True once `ms` have passed since the component appeared. */
function useAfter(ms: number): boolean {
  const [over, setOver] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setOver(true), ms);
    return () => clearTimeout(t);
  }, [ms]);
  return over;
}

/**
 * The order, asked again every POLL_MS while it waits for its payment (for at most GIVE_UP_MS), and while
 * it is `failed` if `paid` says the customer just paid (for at most FAILED_GRACE_MS).
 */
function useOrderUntilSettled(id: string, paid: boolean) {
  const gaveUp = useAfter(GIVE_UP_MS);
  const graceOver = useAfter(FAILED_GRACE_MS);
  const waiting = (status: string | undefined) =>
    status === 'pending_payment' || (paid && !graceOver && status === 'failed');
  const order = useQuery({
    queryKey: ['order', id],
    queryFn: () => unwrap(api.GET('/api/v1/orders/{id}', { params: { path: { id } } })),
    refetchInterval: (q) => (waiting(q.state.data?.status) && !gaveUp ? POLL_MS : false),
  });
  return { order, gaveUp, waiting: waiting(order.data?.status) };
}

export function CheckoutDonePage() {
  const { query } = useLocation();
  const id = query.get('order_id') ?? '';
  // a bank's own page (3-D Secure) sends Stripe.js back here with how it went
  const refused = query.get('redirect_status') === 'failed';
  if (!id) return <MissingOrder />;
  return (
    <Page title="Your payment">
      <OrderState id={id} cancelled={false} refused={refused} />
    </Page>
  );
}

export function CheckoutCancelledPage() {
  const { query } = useLocation();
  const id = query.get('order_id') ?? '';
  if (!id) return <MissingOrder />;
  return (
    <Page title="Payment cancelled">
      <OrderState id={id} cancelled refused={false} />
    </Page>
  );
}

function OrderState({ id, cancelled, refused }: { id: string; cancelled: boolean; refused: boolean }) {
  const { order, gaveUp, waiting } = useOrderUntilSettled(id, !cancelled && !refused);
  if (order.isPending) return <Loading what="your order" />;
  if (order.isError) return <ErrorNote error={order.error} retry={() => order.refetch()} />;
  const o = order.data;
  if (o.status === 'paid') return <Paid order={o} />;
  if (o.status === 'pending_payment' && cancelled) {
    return (
      <div className="note" role="status" data-order-status={o.status}>
        <p>You left the payment page before paying. Nothing was charged.</p>
        <p>
          <Link href={retryPath(o)} className="button">
            Try again
          </Link>{' '}
          or <Link href="/">choose another plan</Link>.
        </p>
      </div>
    );
  }
  if (waiting && !cancelled && !refused) {
    return (
      <div className="note" role="status" data-order-status={o.status}>
        <p>
          Waiting for the payment of {formatPrice(o.amount_cents, o.currency)} to be confirmed. This usually
          takes a few seconds; you can keep this page open.
        </p>
        {gaveUp && (
          <p>
            Still waiting? The bank may take longer. You will find the order in{' '}
            <Link href="/orders">your orders</Link> once it is paid.
          </p>
        )}
      </div>
    );
  }
  return (
    <div className="note error" role="alert" data-order-status={o.status}>
      <p>
        {o.status === 'expired'
          ? 'This order was not paid in time. Nothing was charged.'
          : o.status === 'refunded'
            ? 'This order was refunded.'
            : 'The payment did not go through. Nothing was charged.'}
      </p>
      <p>
        <Link href={retryPath(o)} className="button">
          Try again
        </Link>
      </p>
    </div>
  );
}

function Paid({ order }: { order: Order }) {
  const pack = useQuery({
    queryKey: ['pack', order.pack_id],
    enabled: order.pack_id !== null,
    queryFn: () => unwrap(api.GET('/api/v1/packs/{id}', { params: { path: { id: order.pack_id! } } })),
  });
  return (
    <div className="note success" role="status" data-order-status="paid">
      <p>
        <strong>Payment received: your data plan is ready.</strong> You paid{' '}
        {formatPrice(order.amount_cents, order.currency)}.
      </p>
      {pack.data && (
        <p data-testid="paid-pack">
          {pack.data.name}: {formatBytes(pack.data.total_bytes)}. The days start counting when you first use
          data.
        </p>
      )}
      <p>
        {order.esim_id ? (
          <Link href={`/esims/${order.esim_id}`} className="button">
            Install the eSIM
          </Link>
        ) : (
          <Link href="/packs" className="button">
            See your data
          </Link>
        )}
      </p>
    </div>
  );
}

function MissingOrder() {
  return (
    <Page title="Your payment">
      <div className="note error" role="alert">
        <p>
          This address does not say which order it is about. See <Link href="/orders">your orders</Link>.
        </p>
      </div>
    </Page>
  );
}
