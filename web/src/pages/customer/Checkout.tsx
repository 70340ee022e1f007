/**
 * Buying a plan. One checkout attempt has one idempotency key (made when the page opens, and again only
 * when the choice changes), so a double click, a retry after a lost answer or a reload of the request
 * buys once. A new eSIM made for this purchase is remembered for the retry too. With a payment provider the
 * answer is an order to pay: on the provider's own page (a Checkout Session's address), or here with the
 * card form (CardPayment, loaded only then, with Stripe.js).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useId, useRef, useState } from 'react';
import { api, ApiError, unwrap } from '../../api/client';
import { ErrorNote, Loading, Page } from '../../components/ui';
import { countryName, formatBytes, formatPrice } from '../../format';
import { Link, navigate } from '../../router';
import { useEsims } from './Esims';

const CardPayment = lazy(() => import('./CardPayment'));
const NEW = 'new';

interface CardCheckout {
  orderId: string;
  clientSecret: string;
  publishableKey: string;
  /** What the order charges (fixed when it was opened). */
  amount: string;
}

export function CheckoutPage({ planId }: { planId: string }) {
  const queryClient = useQueryClient();
  const plan = useQuery({
    queryKey: ['plan', planId],
    queryFn: () => unwrap(api.GET('/api/v1/plans/{id}', { params: { path: { id: planId } } })),
  });
  const esims = useEsims();
  const usable = (esims.data?.items ?? []).filter((e) => e.status !== 'deleted');
  // "try again" after a payment that did not happen comes back with the eSIM chosen before
  const [choice, setChoice] = useState<string | null>(() => new URLSearchParams(location.search).get('esim'));
  const chosen =
    (choice === NEW || usable.some((e) => e.id === choice) ? choice : null) ?? usable[0]?.id ?? NEW;
  const [card, setCard] = useState<CardCheckout | null>(null);
  // one key per choice within this attempt, and one eSIM made for it, kept across retries
  const keys = useRef(new Map<string, string>());
  const newEsim = useRef<Promise<string> | null>(null);
  const inFlight = useRef(false);
  const groupId = useId();

  const buy = useMutation({
    mutationFn: async ({ choice, key }: { choice: string; key: string }) => {
      let esimId = choice;
      if (choice === NEW) {
        newEsim.current ??= unwrap(api.POST('/api/v1/esims', { body: {} })).then((e) => e.id);
        esimId = await newEsim.current.catch((err: unknown) => {
          newEsim.current = null;
          throw err;
        });
      }
      const answer = await unwrap(
        api.POST('/api/v1/packs', {
          params: { header: { 'idempotency-key': key } },
          body: { plan_id: planId, esim_id: esimId },
        }),
      );
      // with a payment provider: an order to pay first (or, on a replay, already paid with its pack)
      if ('order' in answer && !answer.pack) {
        if (answer.checkout_url) return { esimId, payAt: answer.checkout_url, card: null };
        const { client_secret: clientSecret, publishable_key: publishableKey } = answer;
        if (clientSecret && publishableKey)
          return {
            esimId,
            payAt: null,
            card: {
              orderId: answer.order.id,
              clientSecret,
              publishableKey,
              amount: formatPrice(answer.order.amount_cents, answer.order.currency),
            },
          };
        throw new ApiError(0, {
          code: 'PAYMENT_PAGE_MISSING',
          detail: 'Paying by card is not available on this site yet. Please contact support.',
        });
      }
      return { esimId, payAt: null, card: null };
    },
    onSuccess: async ({ esimId, payAt, card }) => {
      // the provider's payment page; it sends the customer back to /checkout/done (CHECKOUT_SUCCESS_URL)
      if (payAt) return location.assign(payAt);
      if (card) return setCard(card);
      await queryClient.invalidateQueries();
      navigate(`/esims/${esimId}?bought=1`);
    },
    onSettled: () => {
      inFlight.current = false;
    },
  });
  /** Synchronous guard: a second click arrives before React re-renders the disabled button. */
  const submit = () => {
    if (inFlight.current) return;
    inFlight.current = true;
    let key = keys.current.get(chosen);
    if (!key) keys.current.set(chosen, (key = crypto.randomUUID()));
    buy.mutate({ choice: chosen, key });
  };

  if (plan.isPending || esims.isPending) return <Loading what="your order" />;
  if (plan.isError) {
    return (
      <Page title="Buy a plan">
        <ErrorNote error={plan.error} retry={() => plan.refetch()}>
          {plan.error instanceof ApiError && plan.error.status === 404 && (
            <p>
              <Link href="/">Choose another plan</Link>.
            </p>
          )}
        </ErrorNote>
      </Page>
    );
  }
  const p = plan.data;
  if (!p.is_active) {
    return (
      <Page title="Buy a plan">
        <div className="note empty">
          <p>
            {p.name} is no longer on sale. <Link href="/">Choose another plan</Link>.
          </p>
        </div>
      </Page>
    );
  }
  return (
    <Page title={`Buy ${p.name}`}>
      <section className="card summary" aria-label="Your order">
        <p className="facts">
          <strong>{formatBytes(p.data_bytes)}</strong> for <strong>{p.validity_days} days</strong>, in{' '}
          {p.countries.map(countryName).join(', ')}
        </p>
        <p>The days start counting when you first use data, not today.</p>
        <p className="price">
          Total: <strong>{formatPrice(p.price_cents, p.currency)}</strong>
        </p>
      </section>
      {card ? (
        <Suspense fallback={<Loading what="the card form" />}>
          <CardPayment {...card} />
        </Suspense>
      ) : (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <fieldset aria-describedby={`${groupId}-hint`}>
            <legend>Which eSIM should get the data?</legend>
            <p className="hint" id={`${groupId}-hint`}>
              An eSIM is the digital SIM card in your phone. You can add data to one you already have.
            </p>
            {usable.map((e) => (
              <label key={e.id} className="choice">
                <input
                  type="radio"
                  name="esim"
                  value={e.id}
                  checked={chosen === e.id}
                  onChange={() => setChoice(e.id)}
                />
                {e.label ?? 'My eSIM'}
                {e.iccid ? ` (ends in ${e.iccid.slice(-4)})` : ' (being set up)'}
              </label>
            ))}
            <label className="choice">
              <input
                type="radio"
                name="esim"
                value={NEW}
                checked={chosen === NEW}
                onChange={() => setChoice(NEW)}
              />
              A new eSIM (you will scan a QR code)
            </label>
          </fieldset>
          {buy.isError && <ErrorNote error={buy.error} />}
          <button type="submit" disabled={buy.isPending}>
            {buy.isPending ? 'Buying…' : `Buy for ${formatPrice(p.price_cents, p.currency)}`}
          </button>
        </form>
      )}
    </Page>
  );
}
