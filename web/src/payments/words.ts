/**
 * The payment words the pages share, kept free of React and the DOM so node:test checks them: an order's
 * status, a Stripe.js error in plain language, and the addresses a payment comes back to.
 */
// no imports: node:test loads this file under the service's TypeScript settings (no DOM, no bundler)

/** The statuses of an order (the API's Order.status). */
export type OrderStatus = 'pending_payment' | 'paid' | 'failed' | 'refunded' | 'expired';

/** What Stripe.js reports when a payment cannot be confirmed. */
export interface StripeError {
  type: string;
  code?: string;
  decline_code?: string;
  message?: string;
}

export const ORDER_STATUS: Record<OrderStatus, string> = {
  pending_payment: 'Waiting for the payment…',
  paid: 'Paid: your data plan is ready',
  failed: 'The payment did not go through. You were not charged: try again with another card.',
  refunded: 'Refunded',
  expired: 'Not paid in time: nothing was charged. Buy again when you are ready.',
};

/** What a Stripe.js error means for the customer, and what to do next. */
export function paymentErrorText(error: StripeError): string {
  if (error.type === 'card_error') {
    const said = error.message ? `${error.message.replace(/\.?$/, '.')} ` : '';
    if (error.code === 'card_declined' || error.decline_code)
      return `The payment did not go through: ${said}Nothing was charged. Try another card, or ask your bank.`;
    return `The payment did not go through: ${said}Nothing was charged. Check the card details and try again.`;
  }
  if (error.type === 'validation_error') return error.message ?? 'Check the card details and try again.';
  return 'The payment service did not answer as expected. Nothing was charged: try again in a moment.';
}

/** The app's page a payment comes back to (Stripe.js `return_url` after a bank's own page). */
export function donePath(orderId: string): string {
  return `/checkout/done?order_id=${encodeURIComponent(orderId)}`;
}

/** Where to start again after a payment that did not happen: the same plan (and eSIM) as before. */
export function retryPath(order: { plan_id: string | null; esim_id: string | null }): string {
  if (!order.plan_id) return '/';
  const esim = order.esim_id ? `?esim=${encodeURIComponent(order.esim_id)}` : '';
  return `/buy/${encodeURIComponent(order.plan_id)}${esim}`;
}
