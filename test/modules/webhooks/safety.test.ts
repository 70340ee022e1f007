import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { ConfigError, loadConfig, webhookKeyOf } from '../../../src/config.js';
import { endpointProblem, WebhookSender, type LookupFn } from '../../../src/modules/webhooks/sender.js';
import { eventually, startReceiver } from '../../fixtures/webhook-receiver.js';
import { adminSession, forEachDialect, problemOf } from '../../helper.js';
import { createEndpoint, deliveriesOf, deliveryDetail, disableEndpoint, emitEvents } from './helpers.js';

const OVERRIDES = {
  WEBHOOK_WORKER: 'false',
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_POLL_MS: '20',
  WEBHOOK_TIMEOUT_MS: '3000',
  WEBHOOK_LEASE_S: '5',
};

/** A resolver that answers `address` for every name (a DNS answer an attacker controls). */
function resolvesTo(address: string): LookupFn {
  return (_host, _opts, callback) => {
    const answer: LookupAddress[] = [{ address, family: address.includes(':') ? 6 : 4 }];
    setImmediate(() => callback(null, answer));
  };
}

forEachDialect(
  'webhook safety',
  ({ env }) => {
    test('a crash mid-delivery: the lease runs out and the event goes out again with the same id', async () => {
      const { app, clock, newApp } = env();
      const second = await newApp();
      const admin = await adminSession(app);
      const receiver = await startReceiver();
      receiver.answer = (n) => (n === 1 ? 'hang' : 200);
      const a = app.services.webhookWorker!;
      const b = second.services.webhookWorker!;
      try {
        const endpoint = await createEndpoint(app, admin, receiver.url, ['pack.depleted']);
        a.start();
        const [event] = await emitEvents(app, 1, 'pack.depleted');
        await receiver.waitFor(1); // worker A sent it and now hangs on it, as if its process had died
        clock.advance(6000); // past the 5 s lease
        b.start();
        b.wake();
        await receiver.waitFor(2);
        const wh = new Webhook(endpoint.secret);
        for (const r of receiver.received) {
          assert.equal(r.id, event!.id);
          wh.verify(r.body, r.headers);
        }
        await new Promise((r) => setTimeout(r, 3500)); // A's request times out; its claim was lost
        const [delivery] = await deliveriesOf(app, admin, endpoint.id);
        assert.equal(delivery!.status, 'succeeded');
        assert.equal(delivery!.attempts, 2);
        const detail = await deliveryDetail(app, admin, delivery!.id);
        assert.deepEqual(
          detail.attempts_log?.map((x) => [x.attempt, x.status_code]),
          [[2, 200]],
        );
        assert.equal(receiver.received.length, 2);
        await disableEndpoint(app, admin, endpoint.id);
      } finally {
        await Promise.all([a.stop(), b.stop()]);
        await receiver.close();
      }
    });

    test('stopping does not wait out a hanging receiver: its send is cut off and retried later', async () => {
      const { app, newApp } = env();
      const slow = await newApp({ WEBHOOK_TIMEOUT_MS: '10000', WEBHOOK_LEASE_S: '30' });
      const admin = await adminSession(app);
      const receiver = await startReceiver();
      receiver.answer = () => 'hang';
      const worker = slow.services.webhookWorker!;
      try {
        const endpoint = await createEndpoint(app, admin, receiver.url, ['pack.purchased']);
        worker.start();
        await emitEvents(app, 1, 'pack.purchased');
        await receiver.waitFor(1);
        await worker.stop(200);
        const [delivery] = await deliveriesOf(app, admin, endpoint.id);
        assert.equal(delivery!.status, 'pending', 'retried later');
        assert.equal(delivery!.attempts, 1);
        assert.match(delivery!.last_error ?? '', /destroyed/i);
        await disableEndpoint(app, admin, endpoint.id);
      } finally {
        await worker.stop();
        await receiver.close();
      }
    });

    test('SSRF: private, loopback, link-local and metadata addresses are refused on creation', async () => {
      const { newApp } = env();
      const strict = await newApp({ WEBHOOK_ALLOW_PRIVATE: 'false' });
      const admin = await adminSession(strict);
      for (const url of [
        'https://127.0.0.1/hook',
        'https://10.1.2.3/hook',
        'https://169.254.169.254/latest/meta-data',
        'https://localhost/hook', // a host name that resolves to loopback
        'https://[::1]/hook',
        'https://[::ffff:127.0.0.1]/hook',
        'https://100.64.0.1/hook',
        'http://93.184.216.34/hook', // not https
      ]) {
        const res = await strict.inject({
          method: 'POST',
          url: '/api/v1/admin/webhooks',
          headers: admin.headers,
          payload: { url, event_types: ['*'] },
        });
        assert.equal(res.statusCode, 400, url);
        const problem = problemOf(res);
        assert.equal(problem.code, 'WEBHOOK_URL_REFUSED', url);
        assert.deepEqual(
          problem.errors?.map((e) => e.field),
          ['body.url'],
        );
      }
    });

    test('SSRF at delivery: an endpoint that became private is not connected to', async () => {
      const { app, newApp } = env();
      const strict = await newApp({ WEBHOOK_ALLOW_PRIVATE: 'false' });
      const admin = await adminSession(app);
      const receiver = await startReceiver();
      const worker = strict.services.webhookWorker!;
      try {
        // made while private addresses were allowed (a development setting later switched off)
        const plain = await createEndpoint(app, admin, receiver.url, ['esim.created']);
        const named = await createEndpoint(app, admin, `https://localhost:${receiver.port}/hook`, [
          'esim.created',
        ]);
        worker.start();
        await emitEvents(app, 1, 'esim.created');
        await eventually(async () => {
          const all = [
            ...(await deliveriesOf(app, admin, plain.id)),
            ...(await deliveriesOf(app, admin, named.id)),
          ];
          return all.length === 2 && all.every((d) => d.last_error !== null);
        });
        const [p] = await deliveriesOf(app, admin, plain.id);
        const [n] = await deliveriesOf(app, admin, named.id);
        assert.match(p!.last_error!, /must be https/);
        assert.match(n!.last_error!, /private addresses/);
        assert.equal(receiver.received.length, 0);
        await disableEndpoint(app, admin, plain.id);
        await disableEndpoint(app, admin, named.id);
      } finally {
        await worker.stop();
        await receiver.close();
      }
    });
  },
  OVERRIDES,
);

test('DNS rebinding: a name public when checked but loopback when connecting is never connected to', async () => {
  const receiver = await startReceiver();
  try {
    // on creation the name resolved to a public address ...
    assert.equal(
      await endpointProblem('https://rebind.test/hook', false, resolvesTo('93.184.216.34')),
      undefined,
    );
    assert.match(
      (await endpointProblem('https://rebind.test/hook', false, resolvesTo('127.0.0.1'))) ?? '',
      /private/,
    );
    // ... at delivery it answers loopback: the connection's own lookup refuses it
    const strict = new WebhookSender({
      timeoutMs: 1000,
      allowPrivate: false,
      lookup: resolvesTo('127.0.0.1'),
    });
    const refused = await strict.send(`https://rebind.test:${receiver.port}/hook`, {}, '{}');
    assert.equal(refused.ok, false);
    assert.match(refused.error ?? '', /EPRIVATEADDRESS/);
    await strict.close();
    // the same lookup is what connects: allowed, the request reaches the local receiver
    const open = new WebhookSender({ timeoutMs: 1000, allowPrivate: true, lookup: resolvesTo('127.0.0.1') });
    const sent = await open.send(`http://rebind.test:${receiver.port}/hook`, {}, '{}');
    assert.equal(sent.statusCode, 200);
    await open.close();
    assert.equal(receiver.received.length, 1);
  } finally {
    await receiver.close();
  }
});

test('configuration: a lease not longer than the timeout, a bad schedule or key refuse to start', () => {
  const base = { NODE_ENV: 'test', DATABASE_URL: 'sqlite:///:memory:' };
  const fails = (env: Record<string, string>, name: RegExp) =>
    assert.throws(
      () => loadConfig({ ...base, ...env }, false),
      (e: Error) => e instanceof ConfigError && name.test(e.message) && !e.message.includes('\n'),
    );
  fails({ WEBHOOK_LEASE_S: '5', WEBHOOK_TIMEOUT_MS: '10000' }, /WEBHOOK_LEASE_S/);
  fails({ WEBHOOK_RETRY_SCHEDULE_S: '5,soon' }, /WEBHOOK_RETRY_SCHEDULE_S/);
  fails({ WEBHOOK_SECRET_KEY: 'too-short' }, /WEBHOOK_SECRET_KEY/);
  const dev = loadConfig(base, false);
  assert.equal(webhookKeyOf(dev)?.length, 32);
  assert.deepEqual(webhookKeyOf(dev), webhookKeyOf(loadConfig(base, false)), 'the same key in every process');
  const hex = 'ab'.repeat(32);
  assert.deepEqual(
    webhookKeyOf(loadConfig({ ...base, WEBHOOK_SECRET_KEY: hex }, false)),
    Buffer.from(hex, 'hex'),
  );
  const prod = loadConfig({ ...base, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }, false);
  assert.equal(webhookKeyOf(prod), undefined, 'no development key in production');
});

forEachDialect('webhooks without a key in production', ({ env }) => {
  test('endpoints cannot be created (503) and nothing is sent', async () => {
    const { newApp } = env();
    const prod = await newApp({ NODE_ENV: 'production' });
    assert.equal(prod.services.webhookWorker, undefined);
    const admin = await adminSession(prod);
    const res = await prod.inject({
      method: 'POST',
      url: '/api/v1/admin/webhooks',
      headers: admin.headers,
      payload: { url: 'https://93.184.216.34/hook', event_types: ['*'] },
    });
    assert.equal(res.statusCode, 503);
    assert.equal(problemOf(res).code, 'WEBHOOKS_NOT_CONFIGURED');
  });
});
