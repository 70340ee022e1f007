/**
 * The web app's words and numbers (web/src/format.ts): pure functions, so tested in Node without a
 * browser. Data sizes in decimal units, prices in the currency's own minor units, flags from country codes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countryName, daysLeft, flag, formatBytes, formatPrice } from '../../web/src/format.js';

describe('web: formatting', () => {
  test('when bytes are shown, then in decimal units with at most one decimal', () => {
    assert.equal(formatBytes(0), '0 bytes');
    assert.equal(formatBytes(999), '999 bytes');
    assert.equal(formatBytes(5_000_000_000), '5 GB');
    assert.equal(formatBytes(750_000_000), '750 MB');
    assert.equal(formatBytes(4_250_000_000), '4.3 GB');
  });

  test('when a price is shown, then the currency decides where the decimal point goes', () => {
    assert.equal(formatPrice(1499, 'EUR'), '€14.99');
    assert.equal(formatPrice(900, 'JPY'), '¥900');
    assert.match(formatPrice(1500, 'KWD'), /^KWD\s1\.500$/);
  });

  test('when a country is shown, then with its name and flag', () => {
    assert.equal(countryName('FR'), 'France');
    assert.equal(flag('FR'), '\u{1F1EB}\u{1F1F7}');
    assert.equal(flag('fr'), '');
  });

  test('when days left are counted, then a started day counts and the past is zero', () => {
    const now = Date.parse('2026-12-03T10:00:00Z');
    assert.equal(daysLeft(null, now), null);
    assert.equal(daysLeft('2026-12-04T09:00:00Z', now), 1);
    assert.equal(daysLeft('2026-12-05T11:00:00Z', now), 3);
    assert.equal(daysLeft('2026-12-01T00:00:00Z', now), 0);
  });
});
