/**
 * The ES2+ client against the simulator as a real process over mutual TLS: the round trip, every mapped
 * Failed code, retries of 5xx and timeouts with backoff, the circuit breaker, and a wrong certificate.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { AppError } from '../../../src/errors.js';
import {
  Es2Client,
  Es2Failure,
  Es2Unavailable,
  type Es2ClientOptions,
} from '../../../src/modules/esims/es2plus/client.js';
import { ES2_FAILURES, es2Problem } from '../../../src/modules/esims/es2plus/problems.js';
import { createAuthority, issueLeaf } from '../../../src/smdp-sim/pki.js';
import { startSimulatorProcess, type SimProcess } from '../../fixtures/smdp-sim.js';

const quiet = { info: () => undefined, warn: () => undefined };

describe('ES2+ client against the simulator (mutual TLS)', () => {
  let sim: SimProcess;
  const clients: Es2Client[] = [];
  const client = (o: Partial<Es2ClientOptions> = {}) => {
    const c = new Es2Client({
      baseUrl: sim.es2Url,
      requesterId: 'kswifi-test',
      timeoutMs: 2000,
      retries: 2,
      breakerFailures: 50,
      breakerCooldownMs: 60_000,
      initialBackoffMs: 5,
      tls: {
        cert: readFileSync(sim.files.clientCert, 'utf8'),
        key: readFileSync(sim.files.clientKey, 'utf8'),
        ca: readFileSync(sim.files.ca, 'utf8'),
      },
      log: quiet,
      ...o,
    });
    clients.push(c);
    return c;
  };
  const calls = async (fn: string) =>
    (await sim.control<{ calls: Record<string, number> }>('GET', '/sim/status')).body.calls[fn] ?? 0;

  before(async () => {
    sim = await startSimulatorProcess(['--pool-size', '50', '--profile-types', 'STD']);
  });
  after(async () => {
    for (const c of clients) await c.close();
    await sim.stop();
  });

  it('orders and confirms a profile; the answer carries our matching ID and the SM-DP+ address', async () => {
    const c = client();
    const { iccid } = await c.downloadOrder({ profileType: 'STD' });
    assert.match(iccid, /^8988300[0-9]{12}$/);
    const r = await c.confirmOrder({ iccid, matchingId: 'ABCDE-FGHIJ-KLMNO-PQRST', releaseFlag: true });
    assert.deepEqual(r, {
      matchingId: 'ABCDE-FGHIJ-KLMNO-PQRST',
      eid: undefined,
      smdpAddress: 'smdp.sim.kswifi.test',
    });
    await c.cancelOrder({ iccid, matchingId: r.matchingId, finalProfileStatusIndicator: 'Available' });
  });

  for (const [key, mapped] of Object.entries(ES2_FAILURES)) {
    it(`maps Failed ${key} to ${mapped.status} ${mapped.code}`, async () => {
      const [subjectCode, reasonCode] = key.split('/');
      await sim.control('POST', '/sim/faults', {
        fn: 'downloadOrder',
        kind: 'failed',
        subjectCode,
        reasonCode,
      });
      const err = await client()
        .downloadOrder({ profileType: 'STD' })
        .catch((e: unknown) => e);
      assert.ok(err instanceof Es2Failure);
      const p = es2Problem(err);
      assert.ok(p instanceof AppError);
      assert.equal(p.status, mapped.status);
      assert.equal(p.code, mapped.code);
    });
  }

  it('maps an unlisted Failed code to 502 SMDP_FAILED naming the codes', async () => {
    await sim.control('POST', '/sim/faults', { kind: 'failed', subjectCode: '8.9', reasonCode: '5.1' });
    const p = es2Problem(
      await client()
        .downloadOrder({ profileType: 'STD' })
        .catch((e: unknown) => e),
    ) as AppError;
    assert.equal(p.code, 'SMDP_FAILED');
    assert.match(p.message, /8\.9\/5\.1/);
  });

  it('retries an HTTP 500 and succeeds; gives up after the bounded retries with 502', async () => {
    await sim.control('POST', '/sim/faults', { fn: 'downloadOrder', kind: 'http500', times: 2 });
    const before = await calls('downloadOrder');
    await client().downloadOrder({ profileType: 'STD' });
    assert.equal((await calls('downloadOrder')) - before, 3);
    await sim.control('POST', '/sim/faults', { fn: 'downloadOrder', kind: 'http500', times: 3 });
    const err = await client()
      .downloadOrder({ profileType: 'STD' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof Es2Unavailable && err.reason === 'transport');
    assert.equal((es2Problem(err) as AppError).status, 502);
  });

  it('times out, retries, and answers 504 when every attempt times out', async () => {
    await sim.control('POST', '/sim/faults', { fn: 'releaseProfile', kind: 'delay', delayMs: 600, times: 3 });
    const err = await client({ timeoutMs: 200 })
      .releaseProfile({ iccid: '8988300000000000018' })
      .catch((e: unknown) => e);
    assert.ok(err instanceof Es2Unavailable && err.reason === 'timeout', String(err));
    assert.equal((es2Problem(err) as AppError).status, 504);
  });

  it('opens the circuit breaker after consecutive failures and then answers 503 with Retry-After at once', async () => {
    const c = client({ retries: 0, breakerFailures: 2, breakerCooldownMs: 30_000 });
    await sim.control('POST', '/sim/faults', { fn: 'releaseProfile', kind: 'http500', times: 2 });
    for (let i = 0; i < 2; i++)
      await c.releaseProfile({ iccid: '8988300000000000018' }).catch(() => undefined);
    const before = await calls('releaseProfile');
    const err = await c.releaseProfile({ iccid: '8988300000000000018' }).catch((e: unknown) => e);
    assert.ok(err instanceof Es2Unavailable && err.reason === 'breaker');
    const p = es2Problem(err) as AppError;
    assert.equal(p.status, 503);
    assert.ok(Number(p.headers?.['retry-after']) >= 1);
    assert.equal(await calls('releaseProfile'), before, 'no request while open');
  });

  it('cannot talk to the SM-DP+ with a certificate from another CA', async () => {
    const rogue = await createAuthority('rogue');
    const leaf = await issueLeaf(rogue, 'intruder', 'client');
    const c = client({ retries: 0, tls: { ...leaf, ca: readFileSync(sim.files.ca, 'utf8') } });
    const err = await c.downloadOrder({ profileType: 'STD' }).catch((e: unknown) => e);
    assert.ok(err instanceof Es2Unavailable && err.reason === 'transport', String(err));
  });
});
