/**
 * Password hashing: bcrypt at the configured cost, off the event loop, and an unknown account costs as much
 * as a wrong password (the dummy hash), so login timing does not reveal which emails exist.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import bcrypt from 'bcrypt';
import { PasswordHasher } from '../../../src/modules/auth/passwords.js';

const ROUNDS = 9; // ~30 ms per compare: measurable, still quick

async function medianMs(fn: () => Promise<unknown>, runs = 7): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

describe('auth: password hashing', () => {
  test('when a password is hashed, then it is bcrypt at the configured cost and verifies', async () => {
    const hasher = new PasswordHasher(ROUNDS);
    const hash = await hasher.hash('a fine password 1');
    assert.equal(bcrypt.getRounds(hash), ROUNDS);
    assert.equal(await hasher.verify('a fine password 1', hash), true);
    assert.equal(await hasher.verify('a fine password 2', hash), false);
  });

  test('when there is no account, then the check fails and costs about as much as a wrong password', async () => {
    const hasher = new PasswordHasher(ROUNDS);
    const hash = await hasher.hash('a fine password 1');
    assert.equal(await hasher.verify('a fine password 1', undefined), false);
    const wrong = await medianMs(() => hasher.verify('a wrong password', hash));
    const unknown = await medianMs(() => hasher.verify('a wrong password', undefined));
    const ratio = unknown / wrong;
    assert.ok(ratio > 0.5 && ratio < 2, `unknown ${unknown.toFixed(1)} ms vs wrong ${wrong.toFixed(1)} ms`);
  });

  test('when a hash is computed, then the event loop keeps turning meanwhile', async () => {
    const hasher = new PasswordHasher(ROUNDS + 1);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      await hasher.hash('a fine password 1');
    } finally {
      clearInterval(timer);
    }
    assert.ok(ticks >= 3, `the loop ran ${ticks} times during the hash`);
  });
});
