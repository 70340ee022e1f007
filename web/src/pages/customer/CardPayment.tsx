/**
 * Paying by card in the page (STRIPE_CHECKOUT=intent): Stripe.js is loaded now, not with the app, and
 * its Payment Element takes the card (the card number never touches our page's code or our service).
 * Confirming answers at once for most cards; a bank that wants its own page (3-D Secure) sends the
 * customer back to /checkout/done. Either way the order page waits for the service to hear from Stripe.
 */
import { useEffect, useRef, useState } from 'react';
import { navigate } from '../../router';
import { loadStripeJs, type StripeElements, type StripeJs } from '../../payments/stripe-js';
import { donePath, paymentErrorText } from '../../payments/words';

interface Props {
  orderId: string;
  clientSecret: string;
  publishableKey: string;
  amount: string;
}

type Stage = 'loading' | 'ready' | 'paying' | 'unavailable';

export default function CardPayment({ orderId, clientSecret, publishableKey, amount }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const stripe = useRef<{ js: StripeJs; elements: StripeElements } | null>(null);
  const [stage, setStage] = useState<Stage>('loading');
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    let destroy = () => undefined as void;
    loadStripeJs().then(
      (Stripe) => {
        if (!live || !box.current) return;
        const js = Stripe(publishableKey);
        const elements = js.elements({ clientSecret });
        const element = elements.create('payment');
        element.on('ready', () => live && setStage('ready'));
        element.mount(box.current);
        stripe.current = { js, elements };
        destroy = () => element.destroy();
      },
      () => live && setStage('unavailable'),
    );
    return () => {
      live = false;
      destroy();
    };
  }, [clientSecret, publishableKey, attempt]);

  const pay = async () => {
    if (!stripe.current || stage !== 'ready') return;
    setStage('paying');
    setError(null);
    const { js, elements } = stripe.current;
    const result = await js
      .confirmPayment({
        elements,
        confirmParams: { return_url: new URL(donePath(orderId), location.origin).href },
        redirect: 'if_required',
      })
      .catch(() => ({ error: { type: 'api_connection_error' } }));
    if (result.error) {
      setError(paymentErrorText(result.error));
      setStage('ready');
      return;
    }
    navigate(donePath(orderId));
  };

  return (
    <section className="card payment" aria-labelledby="pay-title">
      <h2 id="pay-title">Pay by card</h2>
      {stage === 'loading' && (
        <p className="loading" role="status">
          Loading the secure card form…
        </p>
      )}
      {stage === 'unavailable' ? (
        <div className="note error" role="alert">
          <p>The card form could not be loaded. Check your internet connection. Nothing was charged.</p>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setStage('loading');
              setAttempt((n) => n + 1);
            }}
          >
            Try again
          </button>
        </div>
      ) : (
        <form
          className="form"
          onSubmit={(e) => {
            e.preventDefault();
            void pay();
          }}
        >
          <div ref={box} className="payment-element" data-testid="payment-element" />
          {error && (
            <div className="note error" role="alert">
              <p>{error}</p>
            </div>
          )}
          <button type="submit" disabled={stage !== 'ready'}>
            {stage === 'paying' ? 'Paying…' : `Pay ${amount}`}
          </button>
        </form>
      )}
    </section>
  );
}
