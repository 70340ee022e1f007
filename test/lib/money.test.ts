/** Minor units per currency, and what Stripe is sent for them. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { currencyExponent, formatAmount, fromStripeAmount, toStripeAmount } from '../../src/lib/money.js';

describe('lib/money', () => {
  test('when a currency has no minor unit (JPY, KRW), then the amount is sent in whole units', () => {
    assert.equal(currencyExponent('JPY'), 0);
    assert.equal(toStripeAmount(1500, 'JPY'), 1500);
    assert.equal(toStripeAmount(33000, 'KRW'), 33000);
    assert.equal(formatAmount(1500, 'JPY'), '1500 JPY');
  });

  test('when a currency has cents, then cents are sent', () => {
    assert.equal(toStripeAmount(1999, 'EUR'), 1999);
    assert.equal(formatAmount(1999, 'EUR'), '19.99 EUR');
    assert.equal(formatAmount(5, 'USD'), '0.05 USD');
  });

  test('when Stripe counts a currency differently, then the amount is scaled or refused, never rounded', () => {
    assert.equal(toStripeAmount(990, 'ISK'), 99000); // whole krónur, sent in hundredths
    assert.equal(fromStripeAmount(99000, 'ISK'), 990);
    assert.equal(toStripeAmount(500000, 'MGA'), 5000); // ISO has 1/100 ariary, Stripe none
    assert.equal(toStripeAmount(500050, 'MGA'), undefined);
    assert.equal(toStripeAmount(1250, 'KWD'), 1250); // three decimals, last digit 0
    assert.equal(toStripeAmount(1255, 'KWD'), undefined);
    assert.equal(toStripeAmount(-1, 'EUR'), undefined);
  });
});
