import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LruCache } from '../../src/lib/lru.js';

const cache = (maxEntries: number, maxBytes: number) =>
  new LruCache<string, string>({ maxEntries, maxBytes, sizeOf: (v) => v.length });

test('when more entries than the bound are set, then the least recently used goes first', () => {
  const lru = cache(2, 1000);
  lru.set('a', 'A');
  lru.set('b', 'B');
  assert.equal(lru.get('a'), 'A'); // a is now the most recent
  lru.set('c', 'C');
  assert.equal(lru.has('b'), false);
  assert.deepEqual([lru.get('a'), lru.get('c')], ['A', 'C']);
  assert.equal(lru.size, 2);
});

test('when the byte bound is exceeded, then old entries are evicted until it holds', () => {
  const lru = cache(100, 10);
  lru.set('a', 'aaaa');
  lru.set('b', 'bbbb');
  lru.set('c', 'cccc');
  assert.equal(lru.has('a'), false);
  assert.equal(lru.bytes, 8);
  assert.equal(lru.size, 2);
});

test('when a value is larger than the byte bound, then it is not kept and nothing is evicted', () => {
  const lru = cache(100, 10);
  lru.set('a', 'aaaa');
  lru.set('big', 'x'.repeat(11));
  assert.equal(lru.has('big'), false);
  assert.equal(lru.get('a'), 'aaaa');
});

test('when a key is set again, then its size is replaced, not added', () => {
  const lru = cache(100, 10);
  lru.set('a', 'aaaa');
  lru.set('a', 'aa');
  assert.equal(lru.bytes, 2);
  assert.equal(lru.size, 1);
  assert.equal(lru.delete('a'), true);
  assert.equal(lru.bytes, 0);
  assert.equal(lru.delete('a'), false);
});

test('when cleared, then it is empty', () => {
  const lru = cache(3, 100);
  lru.set('a', 'a');
  lru.clear();
  assert.equal(lru.size, 0);
  assert.equal(lru.bytes, 0);
  assert.equal(lru.get('a'), undefined);
});

test('when the bounds are not positive, then it refuses to build', () => {
  assert.throws(() => cache(0, 10), RangeError);
  assert.throws(() => cache(10, 0), RangeError);
});

test('when entries are deleted by a predicate, then exactly those go and the size follows', () => {
  const lru = cache(10, 100);
  for (const k of ['a1', 'b1', 'a2', 'b2']) lru.set(k, k);
  assert.equal(
    lru.deleteWhere((_, key) => key.startsWith('a')),
    2,
  );
  assert.equal(lru.size, 2);
  assert.equal(lru.get('a1'), undefined);
  assert.equal(lru.get('b2'), 'b2');
});

test('when every older entry was used, then the entry just set is still kept and the oldest goes', () => {
  const lru = cache(2, 1000);
  lru.set('a', 'A');
  lru.set('b', 'B');
  lru.get('a');
  lru.get('b');
  lru.set('c', 'C');
  assert.equal(lru.has('c'), true);
  assert.equal(lru.has('a'), false); // both had a second chance; a was the older one
  assert.equal(lru.has('b'), true);
  assert.equal(lru.size, 2);
});
