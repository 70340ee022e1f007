/** The simulator as its own process over mutual TLS: the wire format, the TLS refusal, faults, callbacks. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { startSimulatorProcess, type SimProcess } from '../fixtures/smdp-sim.js';

describe('simulator process (mutual TLS)', () => {
  let sim: SimProcess;
  let agent: Agent;
  const call = async (fn: string, body: Record<string, unknown>, dispatcher: Agent = agent) => {
    const res = await request(`${sim.es2Url}/gsma/rsp2/es2plus/${fn}`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json', 'x-admin-protocol': 'gsma/rsp/v2.2.0' },
      body: JSON.stringify({
        header: { functionRequesterIdentifier: 'op', functionCallIdentifier: 'T-1' },
        ...body,
      }),
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, json: text ? JSON.parse(text) : null };
  };

  before(async () => {
    sim = await startSimulatorProcess(['--pool-size', '5', '--profile-types', 'STD']);
    const f = sim.files;
    agent = new Agent({
      connect: { ca: readFileSync(f.ca), cert: readFileSync(f.clientCert), key: readFileSync(f.clientKey) },
    });
  });
  after(async () => {
    await agent.close();
    await sim.stop();
  });

  it('answers DownloadOrder and ConfirmOrder with HTTP 200, the header object and X-Admin-Protocol', async () => {
    const d = await call('downloadOrder', { profileType: 'STD' });
    assert.equal(d.status, 200);
    assert.equal(d.headers['x-admin-protocol'], 'gsma/rsp/v2.2.0');
    assert.equal(d.json.header.functionExecutionStatus.status, 'Executed-Success');
    const c = await call('confirmOrder', {
      iccid: d.json.iccid,
      releaseFlag: true,
      matchingId: 'ABCDE-12345',
    });
    assert.equal(c.json.matchingId, 'ABCDE-12345');
    assert.equal(c.json.smdpAddress, 'smdp.sim.kswifi.test');
    const bad = await call('confirmOrder', { iccid: '8988300000000009999', releaseFlag: true });
    assert.equal(bad.status, 200);
    assert.equal(bad.json.header.functionExecutionStatus.status, 'Failed');
  });

  it('refuses a TLS client without a certificate', async () => {
    const anon = new Agent({ connect: { ca: readFileSync(sim.files.ca) } });
    await assert.rejects(call('downloadOrder', { profileType: 'STD' }, anon));
    await anon.close();
  });

  it('injects a Failed code and an HTTP 500, once each', async () => {
    await sim.control('POST', '/sim/faults', {
      fn: 'downloadOrder',
      kind: 'failed',
      subjectCode: '8.2.5',
      reasonCode: '3.7',
    });
    await sim.control('POST', '/sim/faults', { fn: 'downloadOrder', kind: 'http500' });
    const a = await call('downloadOrder', { profileType: 'STD' });
    assert.deepEqual(a.json.header.functionExecutionStatus.statusCodeData, {
      subjectCode: '8.2.5',
      reasonCode: '3.7',
    });
    assert.equal((await call('downloadOrder', { profileType: 'STD' })).status, 500);
    assert.equal((await call('downloadOrder', { profileType: 'STD' })).status, 200);
  });

  it('plays the phone: download through the activation code fires callbacks over mutual TLS', async () => {
    const seen: { point: unknown; cn: string }[] = [];
    const f = sim.files;
    const receiver = createServer(
      {
        ca: readFileSync(f.ca),
        cert: readFileSync(f.serverCert),
        key: readFileSync(f.serverKey),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        let text = '';
        req.on('data', (d: Buffer) => (text += d.toString()));
        req.on('end', () => {
          const cn = String((req.socket as TLSSocket).getPeerCertificate().subject.CN);
          seen.push({ point: JSON.parse(text).notificationPointId, cn });
          res.writeHead(204).end();
        });
      },
    ).listen(0, '127.0.0.1');
    await new Promise((r) => receiver.once('listening', r));
    const port = (receiver.address() as AddressInfo).port;
    await sim.control('POST', '/sim/config', { callbackUrl: `https://localhost:${port}` });
    const d = await call('downloadOrder', { profileType: 'STD' });
    await call('confirmOrder', { iccid: d.json.iccid, releaseFlag: true, matchingId: 'QQQQQ-11111' });
    const r = await sim.control<{ deliveries: { status: number }[] }>('POST', '/sim/download', {
      activationCode: 'LPA:1$smdp.sim.kswifi.test$QQQQQ-11111',
      install: true,
      outOfOrder: true,
      duplicate: true,
    });
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.deliveries.map((x) => x.status),
      [204, 204, 204, 204],
    );
    assert.deepEqual(
      seen.map((s) => s.point),
      [4, 4, 3, 3],
    );
    assert.equal(seen[0]?.cn, 'smdp-sim-client');
    const p = await sim.control<{ state: string }>('GET', `/sim/profiles/${d.json.iccid}`);
    assert.equal(p.body.state, 'Installed');
    receiver.close();
  });
});
