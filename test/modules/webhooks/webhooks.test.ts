import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { adminSession, forEachDialect, problemOf, registerUser } from '../../helper.js';
import { eventually, startReceiver } from '../../fixtures/webhook-receiver.js';
import {
  createEndpoint,
  deliveriesOf,
  deliveryDetail,
  disableEndpoint,
  emitEvents,
  loggedAttempts,
} from './helpers.js';

const OVERRIDES = {
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_RETRY_SCHEDULE_S: '1,1,1,1,1',
  WEBHOOK_POLL_MS: '20',
  WEBHOOK_TIMEOUT_MS: '10000', // generous: the machine running the tests may be busy
  WEBHOOK_LEASE_S: '30',
  WEBHOOK_DISABLE_AFTER_S: '3',
};

forEachDialect(
  'webhooks',
  ({ env }) => {
    test('every delivery is signed per Standard Webhooks and verifies with the endpoint secret', async () => {
      const { app } = env();
      const admin = await adminSession(app);
      const receiver = await startReceiver();
      try {
        const endpoint = await createEndpoint(app, admin, receiver.url, ['*']);
        assert.match(endpoint.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
        const events = await emitEvents(app, 5);
        await receiver.waitFor(5);
        const wh = new Webhook(endpoint.secret);
        for (const r of receiver.received) {
          const body = wh.verify(r.body, r.headers) as {
            type: string;
            timestamp: string;
            data: { n: number };
          };
          assert.equal(body.type, 'user.suspended');
          assert.ok(!Number.isNaN(Date.parse(body.timestamp)));
          assert.equal(r.headers['content-type'], 'application/json');
        }
        assert.deepEqual(
          receiver.received.map((r) => r.id).sort(),
          events.map((e) => e.id).sort(),
          'webhook-id is the event id',
        );
        await eventually(async () =>
          (await deliveriesOf(app, admin, endpoint.id)).every((d) => d.status === 'succeeded'),
        );
        const [first] = await deliveriesOf(app, admin, endpoint.id);
        const detail = await deliveryDetail(app, admin, first!.id);
        assert.equal(detail.attempts, 1);
        assert.equal(detail.attempts_log?.[0]?.status_code, 200);
        assert.equal(detail.attempts_log?.[0]?.response_excerpt, 'thanks');
        // the secret is shown once and stored sealed
        const got = await app.inject({
          method: 'GET',
          url: `/api/v1/admin/webhooks/${endpoint.id}`,
          headers: admin.headers,
        });
        assert.equal(got.json<{ secret?: string }>().secret, undefined);
        const row = await app.ctx.db
          .selectFrom('webhook_endpoints')
          .selectAll()
          .where('id', '=', endpoint.id)
          .executeTakeFirstOrThrow();
        assert.ok(!row.secret_sealed.includes(endpoint.secret.slice(6)));
        const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
        assert.match(metrics, /webhook_deliveries\{status="succeeded"\} [1-9]/);
        assert.match(metrics, /webhook_attempts_total\{outcome="success"\} [1-9]/);
        await disableEndpoint(app, admin, endpoint.id);
      } finally {
        await receiver.close();
      }
    });

    test('a receiver that fails three times gets the event exactly once more, with the same id', async () => {
      const { app, clock } = env();
      const admin = await adminSession(app);
      const receiver = await startReceiver();
      receiver.answer = (n) => (n <= 3 ? 500 : 200);
      try {
        const endpoint = await createEndpoint(app, admin, receiver.url);
        const [event] = await emitEvents(app, 1);
        for (let n = 1; n <= 4; n++) {
          await receiver.waitFor(n);
          if (n < 4) {
            await loggedAttempts(app, admin, endpoint.id, n);
            clock.advance(1200); // past the 1 s (±10 %) retry
          }
        }
        await eventually(
          async () => (await deliveriesOf(app, admin, endpoint.id))[0]?.status === 'succeeded',
        );
        clock.advance(60_000);
        await new Promise((r) => setTimeout(r, 200));
        assert.equal(receiver.received.length, 4);
        assert.ok(receiver.received.every((r) => r.id === event!.id));
        const [delivery] = await deliveriesOf(app, admin, endpoint.id);
        const detail = await deliveryDetail(app, admin, delivery!.id);
        assert.equal(detail.attempts, 4);
        assert.deepEqual(
          detail.attempts_log?.map((a) => [a.attempt, a.status_code, a.succeeded]),
          [
            [1, 500, false],
            [2, 500, false],
            [3, 500, false],
            [4, 200, true],
          ],
        );
        assert.equal(detail.attempts_log?.[0]?.error, 'HTTP 500');
        await disableEndpoint(app, admin, endpoint.id);
      } finally {
        await receiver.close();
      }
    });

    test('two app instances on one database never send the same delivery twice', async () => {
      const { app, newApp } = env();
      const second = await newApp();
      const admin = await adminSession(app);
      const receiver = await startReceiver();
      try {
        const endpoint = await createEndpoint(app, admin, receiver.url, ['pack.expiring']);
        const before = [app, second].map((a) => a.services.webhookWorker!.sent);
        await emitEvents(second, 200, 'pack.expiring');
        await emitEvents(app, 200, 'pack.expiring');
        await receiver.waitFor(400);
        await new Promise((r) => setTimeout(r, 300));
        const ids = receiver.received.map((r) => r.id);
        assert.equal(ids.length, 400);
        assert.equal(new Set(ids).size, 400, 'no delivery sent twice');
        const sent = () => [app, second].map((a, i) => a.services.webhookWorker!.sent - before[i]!);
        const unsettled = () =>
          app.ctx.db
            .selectFrom('webhook_deliveries')
            .select(['status', 'attempts', 'last_error'])
            .where('endpoint_id', '=', endpoint.id)
            .where((eb) => eb.or([eb('status', '!=', 'succeeded'), eb('attempts', '!=', 1)]))
            .execute();
        await eventually(async () => (await unsettled()).length === 0).catch(async (err) => {
          console.log('DEBUG', sent(), JSON.stringify((await unsettled()).slice(0, 5)));
          throw err;
        });
        assert.equal(sent()[0]! + sent()[1]!, 400);
        await eventually(async () =>
          (await deliveriesOf(app, admin, endpoint.id)).every(
            (d) => d.status === 'succeeded' && d.attempts === 1,
          ),
        );
        await disableEndpoint(app, admin, endpoint.id);
      } finally {
        await receiver.close();
      }
    });

    test('a rotated secret: both signatures during the overlap, only the new one after', async () => {
      const { app, clock } = env();
      const admin = await adminSession(app);
      const receiver = await startReceiver();
      try {
        const endpoint = await createEndpoint(app, admin, receiver.url);
        const rotated = await app.inject({
          method: 'POST',
          url: `/api/v1/admin/webhooks/${endpoint.id}/rotate-secret`,
          headers: admin.headers,
          payload: { overlap_s: 60 },
        });
        assert.equal(rotated.statusCode, 200, rotated.body);
        const { secret } = rotated.json<{ secret: string }>();
        assert.notEqual(secret, endpoint.secret);
        await emitEvents(app, 1);
        await receiver.waitFor(1);
        const during = receiver.received[0]!;
        assert.equal(during.signature.split(' ').length, 2);
        new Webhook(secret).verify(during.body, during.headers);
        new Webhook(endpoint.secret).verify(during.body, during.headers);
        clock.advance(61_000);
        await emitEvents(app, 1);
        await receiver.waitFor(2);
        const after = receiver.received[1]!;
        assert.equal(after.signature.split(' ').length, 1);
        new Webhook(secret).verify(after.body, after.headers);
        assert.throws(() => new Webhook(endpoint.secret).verify(after.body, after.headers));
        await disableEndpoint(app, admin, endpoint.id);
      } finally {
        await receiver.close();
      }
    });

    test('an endpoint failing for long enough is switched off, its deliveries given up, admins alerted', async () => {
      const { app, clock } = env();
      const admin = await adminSession(app);
      const receiver = await startReceiver();
      receiver.answer = () => 503;
      try {
        const endpoint = await createEndpoint(app, admin, receiver.url, ['pack.cancelled']);
        await emitEvents(app, 1, 'pack.cancelled');
        for (let n = 1; ; n++) {
          await loggedAttempts(app, admin, endpoint.id, n);
          const ep = await app.inject({
            method: 'GET',
            url: `/api/v1/admin/webhooks/${endpoint.id}`,
            headers: admin.headers,
          });
          if (!ep.json<{ enabled: boolean }>().enabled) break;
          assert.ok(n < 6, 'switched off before the retries ran out');
          clock.advance(1200);
        }
        const ep = await app.inject({
          method: 'GET',
          url: `/api/v1/admin/webhooks/${endpoint.id}`,
          headers: admin.headers,
        });
        assert.match(ep.json<{ disabled_reason: string }>().disabled_reason, /failed since/);
        const [delivery] = await deliveriesOf(app, admin, endpoint.id);
        assert.equal(delivery!.status, 'failed');
        const alerts = await app.inject({
          method: 'GET',
          url: '/api/v1/admin/alerts?kind=webhook.endpoint_disabled',
          headers: admin.headers,
        });
        const items = alerts.json<{ items: { ref_id: string; message: string }[] }>().items;
        assert.ok(items.some((a) => a.ref_id === endpoint.id && a.message.includes(receiver.url)));
        // switched on again and replayed: the receiver is back, the event arrives with its id
        receiver.answer = () => 200;
        const on = await app.inject({
          method: 'PATCH',
          url: `/api/v1/admin/webhooks/${endpoint.id}`,
          headers: admin.headers,
          payload: { enabled: true },
        });
        assert.equal(on.json<{ failing_since: string | null }>().failing_since, null);
        const replay = await app.inject({
          method: 'POST',
          url: `/api/v1/admin/webhooks/${endpoint.id}/replay`,
          headers: admin.headers,
          payload: {
            since: new Date(clock.now() - 3600_000).toISOString(),
            until: new Date(clock.now() + 1000).toISOString(),
          },
        });
        assert.equal(replay.statusCode, 200, replay.body);
        assert.equal(replay.json<{ replayed: number }>().replayed, 1);
        const count = receiver.received.length;
        await receiver.waitFor(count + 1);
        assert.equal(receiver.received.at(-1)!.id, receiver.received[0]!.id);
        const one = await app.inject({
          method: 'POST',
          url: `/api/v1/admin/webhook-deliveries/${delivery!.id}/replay`,
          headers: admin.headers,
        });
        assert.equal(one.statusCode, 201, one.body);
        await receiver.waitFor(count + 2);
        await disableEndpoint(app, admin, endpoint.id);
      } finally {
        await receiver.close();
      }
    });

    test('admin CRUD: validation, the event type filter, deletion and admins only', async () => {
      const { app } = env();
      const admin = await adminSession(app);
      const user = await registerUser(app);
      const bad = await app.inject({
        method: 'POST',
        url: '/api/v1/admin/webhooks',
        headers: admin.headers,
        payload: { url: 'https://hooks.example.com/x', event_types: ['pack.nope'] },
      });
      assert.equal(bad.statusCode, 400);
      assert.ok(problemOf(bad).errors?.some((e) => e.field.startsWith('body.event_types')));
      const forbidden = await app.inject({
        method: 'GET',
        url: '/api/v1/admin/webhooks',
        headers: user.headers,
      });
      assert.equal(forbidden.statusCode, 403);
      const endpoint = await createEndpoint(app, admin, 'http://127.0.0.1:9/none', ['order.paid']);
      const list = await app.inject({
        method: 'GET',
        url: '/api/v1/admin/webhooks?limit=200',
        headers: admin.headers,
      });
      assert.ok(list.json<{ items: { id: string }[] }>().items.some((e) => e.id === endpoint.id));
      await emitEvents(app, 1, 'pack.expired'); // not a type it takes
      assert.equal((await deliveriesOf(app, admin, endpoint.id)).length, 0);
      const patched = await app.inject({
        method: 'PATCH',
        url: `/api/v1/admin/webhooks/${endpoint.id}`,
        headers: admin.headers,
        payload: { description: 'renamed', event_types: ['*'], enabled: false },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.deepEqual(patched.json<{ event_types: string[] }>().event_types, ['*']);
      const del = await app.inject({
        method: 'DELETE',
        url: `/api/v1/admin/webhooks/${endpoint.id}`,
        headers: admin.headers,
      });
      assert.equal(del.statusCode, 204);
      const gone = await app.inject({
        method: 'GET',
        url: `/api/v1/admin/webhooks/${endpoint.id}`,
        headers: admin.headers,
      });
      assert.equal(gone.statusCode, 404);
    });
  },
  OVERRIDES,
);
