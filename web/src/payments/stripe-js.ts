/**
 * Stripe.js, loaded from https://js.stripe.com/v3 only when a card payment is about to happen (Stripe asks
 * that it come from its own address, never bundled). The page's CSP allows it only when the service takes
 * card payments in the page (src/plugins/web.ts). The types are the few calls the app makes.
 */

import type { StripeError } from './words';

export const STRIPE_JS_URL = 'https://js.stripe.com/v3';

export interface PaymentElement {
  mount(target: HTMLElement): void;
  on(event: 'ready', handler: () => void): void;
  destroy(): void;
}

export interface StripeElements {
  create(type: 'payment'): PaymentElement;
}

export interface StripeJs {
  elements(options: { clientSecret: string }): StripeElements;
  confirmPayment(options: {
    elements: StripeElements;
    confirmParams: { return_url: string };
    redirect: 'if_required';
  }): Promise<{ error?: StripeError; paymentIntent?: { id: string; status: string } }>;
}

type StripeFactory = (publishableKey: string) => StripeJs;

let loading: Promise<StripeFactory> | null = null;

/** Adds the Stripe.js script once; a failed load can be tried again. */
export function loadStripeJs(): Promise<StripeFactory> {
  const ready = () => (window as unknown as { Stripe?: StripeFactory }).Stripe;
  const existing = ready();
  if (existing) return Promise.resolve(existing);
  loading ??= new Promise<StripeFactory>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = STRIPE_JS_URL;
    script.async = true;
    script.onload = () => {
      const factory = ready();
      if (factory) resolve(factory);
      else reject(new Error('Stripe.js loaded without Stripe'));
    };
    script.onerror = () => {
      script.remove();
      loading = null;
      reject(new Error('Stripe.js could not be loaded'));
    };
    document.head.append(script);
  });
  return loading;
}
