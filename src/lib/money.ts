/**
 * Money in minor units. Our amounts (`price_cents`, `amount_cents`) are integers in the currency's ISO 4217
 * minor unit: cents for EUR, none for JPY and KRW (a yen plan is priced in whole yen), thousandths for KWD.
 * Stripe has its own list, which mostly agrees: where it does not (ISK is sent as if it had cents, MGA as
 * if it had none) the amount is scaled, and an amount Stripe cannot take exactly is refused, never rounded.
 */

/** ISO 4217 currencies whose minor unit is not 1/100 (everything else has two decimals). */
const ISO_EXPONENT: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0,
  VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
}; // prettier-ignore

/** Stripe's zero-decimal currencies (https://docs.stripe.com/currencies#zero-decimal). */
const STRIPE_ZERO_DECIMAL: ReadonlySet<string> = new Set([
  'BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV', 'XAF', 'XOF',
  'XPF',
]); // prettier-ignore

/** Stripe's three-decimal currencies: the last digit must be 0. */
const STRIPE_THREE_DECIMAL: ReadonlySet<string> = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/** Stripe's special case: a zero-decimal currency it takes in hundredths (amount divisible by 100). */
const STRIPE_AS_HUNDREDTHS: ReadonlySet<string> = new Set(['ISK']);

/** Digits after the decimal point of the currency's minor unit (ISO 4217). */
export function currencyExponent(currency: string): number {
  return ISO_EXPONENT[currency.toUpperCase()] ?? 2;
}

function stripeExponent(currency: string): number {
  const c = currency.toUpperCase();
  if (STRIPE_ZERO_DECIMAL.has(c)) return 0;
  if (STRIPE_THREE_DECIMAL.has(c)) return 3;
  if (STRIPE_AS_HUNDREDTHS.has(c)) return 2;
  return currencyExponent(c) === 3 ? 3 : 2;
}

/**
 * Our amount (ISO minor units) → Stripe's `amount`, or undefined when Stripe cannot charge it exactly (an
 * MGA price with ariary fractions, a KWD price whose last digit is not 0).
 */
export function toStripeAmount(amount: number, currency: string): number | undefined {
  if (!Number.isSafeInteger(amount) || amount < 0) return undefined;
  const shift = stripeExponent(currency) - currencyExponent(currency);
  let out = amount;
  if (shift > 0) out = amount * 10 ** shift;
  if (shift < 0) {
    const div = 10 ** -shift;
    if (amount % div !== 0) return undefined;
    out = amount / div;
  }
  if (STRIPE_THREE_DECIMAL.has(currency.toUpperCase()) && out % 10 !== 0) return undefined;
  return Number.isSafeInteger(out) ? out : undefined;
}

/** Stripe's `amount` → our amount (the inverse of toStripeAmount). */
export function fromStripeAmount(amount: number, currency: string): number {
  const shift = stripeExponent(currency) - currencyExponent(currency);
  return shift >= 0 ? amount / 10 ** shift : amount * 10 ** -shift;
}

/** A readable amount for messages: 1999 EUR → "19.99 EUR", 1500 JPY → "1500 JPY". */
export function formatAmount(amount: number, currency: string): string {
  const e = currencyExponent(currency);
  if (e === 0) return `${amount} ${currency}`;
  const s = String(Math.abs(amount)).padStart(e + 1, '0');
  return `${amount < 0 ? '-' : ''}${s.slice(0, -e)}.${s.slice(-e)} ${currency}`;
}
