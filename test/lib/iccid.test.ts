import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateIccid, isValidIccid, luhnCheckDigit } from '../../src/lib/iccid.js';

/** An independent Luhn: sum of digits of the doubled positions counted from the right, mod 10 == 0. */
function luhnSumOk(digits: string): boolean {
  const sum = [...digits]
    .reverse()
    .map(Number)
    .map((d, i) => (i % 2 === 1 ? [...String(d * 2)].map(Number).reduce((a, b) => a + b, 0) : d))
    .reduce((a, b) => a + b, 0);
  return sum % 10 === 0;
}

// Published ICCIDs (vendor documentation, Wikipedia's E.118 article); each verified separately with a
// Python Luhn implementation before being written here.
const PUBLISHED_VALID = [
  '89014103211118510720', // 20 digits, AT&T documentation example
  '8944500102198304826', // 19 digits, UK issuer
  '8991101200003204514', // 19 digits, the Wikipedia ICCID example (India, 89 91 10 ...)
];

test('when published ICCIDs are checked, then their Luhn digits are accepted', () => {
  for (const iccid of PUBLISHED_VALID) {
    assert.ok(luhnSumOk(iccid), `independent check of ${iccid}`);
    assert.equal(isValidIccid(iccid), true, iccid);
    assert.equal(luhnCheckDigit(iccid.slice(0, -1)), Number(iccid.at(-1)));
  }
});

test('when the often-quoted 8901260222193581828 is checked, then it fails and its check digit is 0', () => {
  assert.equal(luhnSumOk('8901260222193581828'), false);
  assert.equal(isValidIccid('8901260222193581828'), false);
  assert.equal(luhnCheckDigit('890126022219358182'), 0);
  assert.equal(isValidIccid('8901260222193581820'), true);
});

test('when one digit of a valid ICCID changes, then it is rejected', () => {
  const iccid = '8944500102198304826';
  for (let i = 2; i < iccid.length; i++) {
    const d = (Number(iccid[i]) + 3) % 10;
    const altered = iccid.slice(0, i) + String(d) + iccid.slice(i + 1);
    assert.equal(isValidIccid(altered), false, altered);
  }
});

test('when the shape is wrong, then the ICCID is rejected', () => {
  for (const bad of [
    '',
    '8944500102198304', // too short
    '894450010219830482612', // 21 digits
    '9944500102198304826', // not 89
    '89445001021983048A6',
    ' 8944500102198304826',
    '8944500102198304826\n',
  ]) {
    assert.equal(isValidIccid(bad), false, JSON.stringify(bad));
  }
});

test('when ICCIDs are generated, then each round-trips through validation with the issuer prefix', () => {
  for (let i = 0; i < 2000; i++) {
    const iccid = generateIccid('8988247');
    assert.match(iccid, /^8988247[0-9]{12}$/);
    assert.equal(isValidIccid(iccid), true, iccid);
    assert.ok(luhnSumOk(iccid), iccid);
  }
  for (let i = 0; i < 500; i++) {
    const iccid = generateIccid('8944', 20);
    assert.equal(iccid.length, 20);
    assert.ok(iccid.startsWith('8944'));
    assert.equal(isValidIccid(iccid), true, iccid);
  }
});

test('when the serial source is fixed, then the ICCID is the prefix, the serial and the check digit', () => {
  const iccid = generateIccid('89445001', 19, () => 0);
  assert.equal(iccid, `89445001${'0'.repeat(10)}${luhnCheckDigit(`89445001${'0'.repeat(10)}`)}`);
});

test('when the issuer prefix is not 89 and 2..9 digits, then generation refuses it', () => {
  for (const bad of ['8', '89', '88123', '891', '89123456789012', '89ab']) {
    assert.throws(() => generateIccid(bad), RangeError, bad);
  }
});

test('when the Luhn payload is not digits, then the check digit refuses it', () => {
  assert.throws(() => luhnCheckDigit('12a4'), RangeError);
});
