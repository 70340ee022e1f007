import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eidCheckDigits, isValidEid } from '../../src/lib/eid.js';

// Verified independently (Python: int(eid) % 97 == 1) before being written here.
const VALID = [
  '89049032123451234512345678901235', // the GSMA example EID
  '89001012012341234012345678901224', // the GSMA test eUICC EID (SGP.26 test certificates)
];

test('when GSMA example EIDs are checked, then mod 97 equals 1 and they are accepted', () => {
  for (const eid of VALID) {
    assert.equal(BigInt(eid) % 97n, 1n, eid);
    assert.equal(isValidEid(eid), true, eid);
    assert.equal(eidCheckDigits(eid.slice(0, 30)), eid.slice(30));
  }
});

test('when a digit or the check digits change, then the EID is rejected', () => {
  const eid = VALID[0]!;
  for (let i = 0; i < eid.length; i++) {
    const altered = eid.slice(0, i) + String((Number(eid[i]) + 1) % 10) + eid.slice(i + 1);
    assert.equal(isValidEid(altered), false, altered);
  }
  assert.equal(isValidEid('89049032123451234512345678901253'), false); // check digits swapped
});

test('when the shape is wrong, then the EID is rejected', () => {
  for (const bad of [
    '',
    '8904903212345123451234567890123',
    '890490321234512345123456789012350',
    'A9049032123451234512345678901235',
  ]) {
    assert.equal(isValidEid(bad), false, bad);
  }
});

test('when random EID bodies get their check digits, then BigInt agrees with the chunked mod 97', () => {
  for (let i = 0; i < 2000; i++) {
    let body = '89';
    while (body.length < 30) body += String(Math.floor(Math.random() * 10));
    const eid = body + eidCheckDigits(body);
    assert.equal(BigInt(eid) % 97n, 1n, eid);
    assert.equal(isValidEid(eid), true, eid);
  }
});

test('when check digits are asked for a body that is not 30 digits, then it throws', () => {
  assert.throws(() => eidCheckDigits('123'), RangeError);
});
