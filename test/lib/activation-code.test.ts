import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ActivationCodeError,
  buildActivationCode,
  parseActivationCode,
  type ActivationCode,
} from '../../src/lib/activation-code.js';
import { generateMatchingId } from '../../src/lib/matching-id.js';

const BASE: ActivationCode = {
  smdpAddress: 'smdp.kswifi.example',
  matchingId: 'ABCDE-FGHIJ-KLMNO-PQRST',
  confirmationCodeRequired: false,
};

test('when a code is built, then it is LPA:1$<FQDN>$<matching id>', () => {
  assert.equal(buildActivationCode(BASE), 'LPA:1$smdp.kswifi.example$ABCDE-FGHIJ-KLMNO-PQRST');
});

test('when a confirmation code is required, then the code ends in $$1 and carries no code itself', () => {
  const code = buildActivationCode({ ...BASE, confirmationCodeRequired: true });
  assert.equal(code, 'LPA:1$smdp.kswifi.example$ABCDE-FGHIJ-KLMNO-PQRST$$1');
  assert.equal(code.split('$').length, 5);
});

test('when an OID is given, then it is the fourth field, before the flag', () => {
  assert.equal(
    buildActivationCode({ ...BASE, oid: '1.3.6.1.4.1.31746', confirmationCodeRequired: true }),
    'LPA:1$smdp.kswifi.example$ABCDE-FGHIJ-KLMNO-PQRST$1.3.6.1.4.1.31746$1',
  );
  assert.equal(
    buildActivationCode({ ...BASE, oid: '1.3.6.1.4.1.31746' }),
    'LPA:1$smdp.kswifi.example$ABCDE-FGHIJ-KLMNO-PQRST$1.3.6.1.4.1.31746',
  );
});

test('when codes are built and parsed, then every field comes back unchanged, case included', () => {
  const cases: ActivationCode[] = [
    BASE,
    { ...BASE, confirmationCodeRequired: true },
    { ...BASE, oid: '2.999.1', confirmationCodeRequired: false },
    { ...BASE, oid: '1.3.6.1.4.1.31746', confirmationCodeRequired: true },
    { smdpAddress: 'RSP.Example.COM', matchingId: 'aBc-123-xYz', confirmationCodeRequired: false },
    { smdpAddress: 'SMDP.GSMA.COM', matchingId: '04386-AGYFT-A74Y8-3F815', confirmationCodeRequired: false },
  ];
  for (let i = 0; i < 200; i++) {
    cases.push({ ...BASE, matchingId: generateMatchingId(), confirmationCodeRequired: i % 2 === 0 });
  }
  for (const ac of cases) {
    const text = buildActivationCode(ac);
    assert.deepEqual(parseActivationCode(text), ac, text);
    assert.equal(buildActivationCode(parseActivationCode(text)), text);
  }
});

test('when published activation codes are parsed, then their fields are read', () => {
  assert.deepEqual(parseActivationCode('LPA:1$rsp.truphone.com$QRF-BETTERROAMING-PMRDGIR2EARDEIT5'), {
    smdpAddress: 'rsp.truphone.com',
    matchingId: 'QRF-BETTERROAMING-PMRDGIR2EARDEIT5',
    confirmationCodeRequired: false,
  });
  assert.deepEqual(parseActivationCode('LPA:1$SMDP.GSMA.COM$04386-AGYFT-A74Y8-3F815$1.3.6.1.4.1.31746'), {
    smdpAddress: 'SMDP.GSMA.COM',
    matchingId: '04386-AGYFT-A74Y8-3F815',
    oid: '1.3.6.1.4.1.31746',
    confirmationCodeRequired: false,
  });
});

function rejects(text: string, why: RegExp): void {
  assert.throws(
    () => parseActivationCode(text),
    (e: unknown) => {
      assert.ok(e instanceof ActivationCodeError, `${text}: ${String(e)}`);
      assert.match(e.message, why, text);
      return true;
    },
  );
}

test('when the address carries a scheme or a port, then parsing rejects it', () => {
  rejects('LPA:1$https://smdp.kswifi.example$ABCDE', /scheme/);
  rejects('LPA:1$smdp.kswifi.example:443$ABCDE', /port/);
  rejects('LPA:1$smdp.kswifi.example:$ABCDE', /port/);
  rejects('LPA:1$smdp.kswifi.example/path$ABCDE', /fully qualified/);
  rejects('LPA:1$localhost$ABCDE', /fully qualified/);
  rejects('LPA:1$10.0.0.1$ABCDE', /fully qualified/);
  rejects('LPA:1$$ABCDE', /fully qualified/);
});

test('when a token is lower-cased or altered, then parsing rejects it', () => {
  rejects('lpa:1$smdp.kswifi.example$ABCDE', /starts with `LPA:`/);
  rejects('Lpa:1$smdp.kswifi.example$ABCDE', /starts with `LPA:`/);
  rejects('LPA1$smdp.kswifi.example$ABCDE', /starts with `LPA:`/);
  rejects(' LPA:1$smdp.kswifi.example$ABCDE', /starts with `LPA:`/);
  rejects('LPA:2$smdp.kswifi.example$ABCDE', /format `1`/);
  rejects('LPA:01$smdp.kswifi.example$ABCDE', /format `1`/);
  rejects('LPA:1$smdp.kswifi.example$ABCDE$$2', /flag/);
  rejects('LPA:1$smdp.kswifi.example$ABCDE$$true', /flag/);
  rejects('LPA:1$smdp.kswifi.example$ABCDE$$', /flag/);
  rejects('LPA:1$smdp.kswifi.example$ABCDE$', /empty OID/);
  rejects('LPA:1$smdp.kswifi.example$ABCDE$1.3.x', /dotted decimal/);
  rejects('LPA:1$smdp.kswifi.example$ABCDE$1.03.6', /dotted decimal/);
  rejects('LPA:1$smdp.kswifi.example', /matching ID/);
  rejects('LPA:1$smdp.kswifi.example$', /matching ID/);
  rejects('LPA:1$smdp.kswifi.example$AB CD', /matching ID/);
});

test('when `$` sits inside a field, then parsing and building both reject it', () => {
  rejects('LPA:1$smdp.kswifi.example$AB$CD', /dotted decimal/);
  rejects('LPA:1$smdp.kswifi.example$AB$CD$1.2$1', /too many fields/);
  for (const ac of [
    { ...BASE, matchingId: 'AB$CD' },
    { ...BASE, smdpAddress: 'smdp$kswifi.example' },
    { ...BASE, oid: '1.2$3' },
  ]) {
    assert.throws(() => buildActivationCode(ac), /not allowed inside a field/);
  }
});

test('when the code is over 255 characters, then parsing and building reject it', () => {
  const long = `LPA:1$smdp.kswifi.example$${'A'.repeat(255 - 'LPA:1$smdp.kswifi.example$'.length)}`;
  assert.equal(long.length, 255);
  assert.equal(parseActivationCode(long).matchingId.length, 229);
  rejects(`${long}B`, /at most 255/);
  assert.throws(() => buildActivationCode({ ...BASE, matchingId: 'A'.repeat(230) }), /at most 255/);
});

test('when the builder is given a bad address or OID, then it throws', () => {
  assert.throws(() => buildActivationCode({ ...BASE, smdpAddress: 'https://smdp.kswifi.example' }), /scheme/);
  assert.throws(() => buildActivationCode({ ...BASE, smdpAddress: 'smdp.kswifi.example:8443' }), /port/);
  assert.throws(() => buildActivationCode({ ...BASE, oid: 'abc' }), /dotted decimal/);
  assert.throws(() => buildActivationCode({ ...BASE, matchingId: '' }), /matching ID/);
});
