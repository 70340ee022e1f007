import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPublicAddress, urlProblem, v6Groups } from '../../src/lib/net-guard.js';

test('IPv4: private, loopback, link-local, metadata, CGNAT and reserved ranges are refused', () => {
  for (const ip of [
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '10.255.1.2',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '169.254.0.1',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '198.18.0.1',
    '192.0.2.10',
  ]) {
    assert.equal(isPublicAddress(ip), false, ip);
  }
  for (const ip of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '172.15.255.255', '100.128.0.1', '1.1.1.1']) {
    assert.equal(isPublicAddress(ip), true, ip);
  }
});

test('IPv6: loopback, ULA, link-local and every IPv4-embedding form are refused', () => {
  for (const ip of [
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:8.8.8.8',
    '::127.0.0.1',
    '64:ff9b::a00:1',
    '2002:a00:1::1',
    '2001:db8::1',
    '2001:0:4136:e378::1',
  ]) {
    assert.equal(isPublicAddress(ip), false, ip);
  }
  for (const ip of ['2606:4700:4700::1111', '2a00:1450:4001:80e::200e', '2001:4860:4860::8888']) {
    assert.equal(isPublicAddress(ip), true, ip);
  }
  assert.equal(isPublicAddress('not-an-ip'), false);
  assert.deepEqual(v6Groups('::ffff:127.0.0.1'), [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]);
});

test('URLs: https only, no credentials, no private literal hosts (unless allowed)', () => {
  assert.equal(urlProblem('https://hooks.example.com/in', false), undefined);
  assert.equal(urlProblem('http://hooks.example.com/in', false), 'must be https');
  assert.equal(urlProblem('ftp://hooks.example.com/in', true), 'must be https');
  assert.equal(urlProblem('not a url', false), 'is not a URL');
  assert.match(urlProblem('https://user:pw@hooks.example.com/', false) ?? '', /user name/);
  for (const url of [
    'https://127.0.0.1/x',
    'https://10.1.2.3/x',
    'https://169.254.169.254/latest/meta-data',
    'https://[::1]/x',
    'https://[::ffff:127.0.0.1]/x',
    'https://0x7f000001/x', // WHATWG URL turns it into 127.0.0.1
    'https://2130706433/x',
  ]) {
    assert.match(urlProblem(url, false) ?? '', /private/, url);
  }
  assert.equal(urlProblem('http://127.0.0.1:8080/x', true), undefined);
});
