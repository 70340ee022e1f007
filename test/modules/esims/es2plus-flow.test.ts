/**
 * SMDP_MODE=es2plus end to end, against the simulator as a real process over mutual TLS: an eSIM ordered
 * (DownloadOrder, ConfirmOrder), its QR code, downloaded and installed through the simulator's phone with
 * the callbacks on their own mutual-TLS listener; duplicates and out-of-order callbacks; a failed
 * download; deletion (CancelOrder before the download, only marked after); the listener refusing a
 * missing or foreign client certificate; an unknown ICCID; Idempotency-Key.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { CallbackListener } from '../../../src/modules/esims/es2plus/listener.js';
import type { EsimEventView, EsimView } from '../../../src/modules/esims/schemas.js';
import { createAuthority, issueLeaf } from '../../../src/smdp-sim/pki.js';
import { EID, es2plusSettings, listenForCallbacks, postCallback, simTls } from '../../fixtures/es2plus.js';
import { decodePng } from '../../fixtures/qr-decode.js';
import { startSimulatorProcess, type SimProcess } from '../../fixtures/smdp-sim.js';
import { forEachDialect, registerUser, type Session } from '../../helper.js';

const sim: SimProcess = await startSimulatorProcess(['--pool-size', '200', '--profile-types', 'STD']);
after(() => sim.stop());

interface SimProfile {
  state: string;
  eid: string | null;
  matchingId: string | null;
  deviceState: string;
}

forEachDialect(
  'esims in es2plus mode: order, download, callbacks',
  ({ env }) => {
    let app: FastifyInstance;
    let user: Session;
    let listener: CallbackListener;
    const create = async (headers: Record<string, string> = {}) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/esims',
        headers: { ...user.headers, ...headers },
        payload: {},
      });
      assert.equal(res.statusCode, 201, res.body);
      return res;
    };
    const get = async (id: string) =>
      (
        await app.inject({ method: 'GET', url: `/api/v1/esims/${id}`, headers: user.headers })
      ).json<EsimView>();
    const events = async (id: string) =>
      (await app.inject({ method: 'GET', url: `/api/v1/esims/${id}/events`, headers: user.headers }))
        .json<{ items: EsimEventView[] }>()
        .items.reverse();
    const profile = async (iccid: string) =>
      (await sim.control<SimProfile>('GET', `/sim/profiles/${iccid}`)).body;
    const phone = (iccid: string, action: string, body: object = {}) =>
      sim.control<{ deliveries: { status: number }[] }>('POST', `/sim/profiles/${iccid}/${action}`, body);

    before(async () => {
      app = env().app;
      user = await registerUser(app);
      listener = await listenForCallbacks(app, sim);
    });
    after(() => listener.close());

    test('when an eSIM is created, then it is ordered and released with the SM-DP+ address, and its QR scans', async () => {
      const esim = (await create()).json<EsimView>();
      assert.equal(esim.status, 'released');
      assert.match(esim.iccid ?? '', /^8988300[0-9]{12}$/);
      assert.equal(esim.smdp_address, 'smdp.sim.kswifi.test');
      assert.equal(esim.activation_code, `LPA:1$smdp.sim.kswifi.test$${esim.matching_id}`);
      assert.equal(esim.profile_type, 'STD');
      const p = await profile(esim.iccid ?? '');
      assert.deepEqual([p.state, p.matchingId], ['Released', esim.matching_id]);
      const qr = await app.inject({
        method: 'GET',
        url: `/api/v1/esims/${esim.id}/qr`,
        headers: user.headers,
      });
      assert.equal(decodePng(qr.rawPayload)?.data, esim.activation_code);
      const history = await events(esim.id);
      assert.deepEqual(
        history.map((e) => [e.from_status, e.to_status, e.actor_type]),
        [
          [null, 'provisioning', 'user'],
          ['provisioning', 'released', 'system'],
        ],
      );
    });

    test('when the phone downloads it with the activation code, then the callbacks take it to installed', async () => {
      const esim = (await create()).json<EsimView>();
      const r = await sim.control<{ deliveries: { status: number }[] }>('POST', '/sim/download', {
        activationCode: esim.activation_code,
        eid: EID,
        install: true,
      });
      assert.deepEqual(
        r.body.deliveries.map((d) => d.status),
        [204, 204],
      );
      const now = await get(esim.id);
      assert.equal(now.status, 'installed');
      assert.equal(now.eid, EID);
      const smdp = (await events(esim.id)).filter((e) => e.actor_type === 'smdp');
      assert.deepEqual(
        smdp.map((e) => [e.from_status, e.to_status, e.notification_point, e.point_status]),
        [
          ['released', 'downloaded', 3, 'Executed-Success'],
          ['downloaded', 'installed', 4, 'Executed-Success'],
        ],
      );
    });

    test('when callbacks arrive twice and out of order (annex style), then the state only moves forward', async () => {
      const esim = (await create()).json<EsimView>();
      const iccid = esim.iccid ?? '';
      const r = await phone(iccid, 'download', {
        install: true,
        outOfOrder: true,
        duplicate: true,
        annex: true,
      });
      assert.deepEqual(
        r.body.deliveries.map((d) => d.status),
        [204, 204, 204, 204],
      );
      assert.equal((await get(esim.id)).status, 'installed');
      const smdp = (await events(esim.id)).filter((e) => e.actor_type === 'smdp');
      assert.deepEqual(
        smdp.map((e) => [e.notification_point, e.from_status, e.to_status]),
        [
          [4, 'released', 'installed'],
          [4, 'installed', 'installed'],
          [3, 'installed', 'installed'],
          [3, 'installed', 'installed'],
        ],
      );
      for (const [action, status] of [
        ['enable', 'enabled'],
        ['disable', 'disabled'],
        ['enable', 'enabled'],
        ['delete', 'deleted'],
      ] as const) {
        await phone(iccid, action);
        assert.equal((await get(esim.id)).status, status, action);
      }
    });

    test('when the download fails on the phone, then the eSIM is in error with the SM-DP+ status kept', async () => {
      const esim = (await create()).json<EsimView>();
      await phone(esim.iccid ?? '', 'download', { fail: { subjectCode: '8.8.5', reasonCode: '6.4' } });
      const now = await get(esim.id);
      assert.equal(now.status, 'error');
      assert.equal(now.smdp_status, 'point 3 Failed 8.8.5/6.4');
    });

    test('when an eSIM not yet downloaded is deleted, then the order is cancelled back to Available', async () => {
      const esim = (await create()).json<EsimView>();
      const del = await app.inject({
        method: 'DELETE',
        url: `/api/v1/esims/${esim.id}`,
        headers: user.headers,
      });
      assert.equal(del.json<EsimView>().status, 'deleted');
      assert.equal((await profile(esim.iccid ?? '')).state, 'Available');
    });

    test('when a downloaded eSIM is deleted, then it is only marked deleted here', async () => {
      const esim = (await create()).json<EsimView>();
      await phone(esim.iccid ?? '', 'download');
      const del = await app.inject({
        method: 'DELETE',
        url: `/api/v1/esims/${esim.id}`,
        headers: user.headers,
      });
      assert.equal(del.json<EsimView>().status, 'deleted');
      assert.equal((await profile(esim.iccid ?? '')).state, 'Downloaded');
    });

    test('when the user gives the EID, then it is ordered for that eUICC (Linked) and kept', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/esims',
        headers: user.headers,
        payload: { eid: EID },
      });
      const esim = res.json<EsimView>();
      assert.equal(esim.eid, EID);
      const p = await profile(esim.iccid ?? '');
      assert.deepEqual([p.state, p.eid], ['Released', EID]);
      const bad = await app.inject({
        method: 'POST',
        url: '/api/v1/esims',
        headers: user.headers,
        payload: { eid: EID.replace(/5$/, '6') },
      });
      assert.equal(bad.statusCode, 400);
    });

    test('when the same Idempotency-Key is sent twice, then the same eSIM answers with Idempotent-Replayed', async () => {
      const key = `k-${Date.now()}-${Math.random()}`;
      const a = await create({ 'idempotency-key': key });
      const b = await create({ 'idempotency-key': key });
      assert.equal(b.json<EsimView>().id, a.json<EsimView>().id);
      assert.equal(b.headers['idempotent-replayed'], 'true');
      const c = await app.inject({
        method: 'POST',
        url: '/api/v1/esims',
        headers: { ...user.headers, 'idempotency-key': key },
        payload: { label: 'another body' },
      });
      assert.equal(c.statusCode, 409);
    });

    test('when a callback comes without a client certificate or with a foreign one, then it is refused', async () => {
      const tls = simTls(sim);
      const body = {
        iccid: '8988300000000000018',
        profileType: 'STD',
        timestamp: '2025-03-04T10:15:30Z',
        notificationPointId: 3,
        notificationPointStatus: { status: 'Executed-Success' },
      };
      await assert.rejects(postCallback(listener, body, { ca: tls.ca }));
      const rogue = await issueLeaf(await createAuthority('rogue'), 'rogue-smdp', 'client');
      await assert.rejects(postCallback(listener, body, { ca: tls.ca, ...rogue }));
      // an ICCID we never ordered: 204 all the same (logged and counted)
      assert.equal(await postCallback(listener, { ...body, iccid: '8988300000000099991' }, tls), 204);
      assert.equal(await postCallback(listener, { ...body, iccid: 'not-an-iccid' }, tls), 400);
      const metrics = await app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /es2_callbacks_total\{outcome="unknown_iccid"\} [1-9]/);
    });
  },
  // the settings are fixed before the suites run: the simulator is already up
  es2plusSettings(sim, { ESIM_LIMIT_PER_USER: '50' }),
);
