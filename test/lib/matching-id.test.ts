import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MATCHING_ID_ALPHABET,
  MATCHING_ID_PATTERN,
  generateMatchingId,
  uniformSymbols,
} from '../../src/lib/matching-id.js';

test('when matching IDs are generated, then they are 4 groups of 5 over 0-9A-Z and never repeat', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 5000; i++) {
    const id = generateMatchingId();
    assert.match(id, new RegExp(MATCHING_ID_PATTERN));
    assert.equal(id.length, 23);
    seen.add(id);
  }
  assert.equal(seen.size, 5000);
});

test('when the random bytes are at or above 252, then they are rejected rather than folded', () => {
  // 252..255 would map to 0..3 with a plain modulo and favour those symbols
  const feed = [252, 253, 254, 255, 5, 35, 36, 251];
  let at = 0;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => feed[at++ % feed.length]!);
  assert.equal(uniformSymbols(4, MATCHING_ID_ALPHABET, bytes), '5Z0Z'); // folded it would be '0123'
});

test('when many symbols are drawn, then every one of the 36 appears about equally often', () => {
  const text = uniformSymbols(36 * 4000, MATCHING_ID_ALPHABET);
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  assert.equal(counts.size, 36);
  for (const [c, n] of counts) assert.ok(n > 3500 && n < 4500, `${c}: ${n}`);
});
