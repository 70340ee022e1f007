/**
 * SMDP_MODE=es2plus when things go wrong, against the simulator process over mutual TLS: mapped Failed
 * codes, timeouts with retries, the circuit breaker, a crash between DownloadOrder and ConfirmOrder and
 * a lost DownloadOrder answer (both completed by the reconciler; by profile type never sent twice
 * blindly, and an admin alert when it is ordered again), confirmation codes on a retry and in the
 * reconciler, and the profile stock (import, levels, low-water alert, ordering by ICCID).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { CODE_LOST, ORDER_LOST, ORDER_NOT_SENT } from '../../../src/modules/esims/es2plus/lost-orders.js';
import type { EsimView } from '../../../src/modules/esims/schemas.js';
import { sha256 } from '../../../src/lib/secrets.js';
import { es2plusSettings } from '../../fixtures/es2plus.js';
import { startSimulatorProcess, type SimProcess } from '../../fixtures/smdp-sim.js';
import { adminSession, forEachDialect, problemOf, registerUser } from '../../helper.js';

const sim: SimProcess = await startSimulatorProcess(['--pool-size', '300', '--profile-types', 'STD,STOCK']);
after(() => sim.stop());

const calls = async (fn: string) =>
  (await sim.control<{ calls: Record<string, number> }>('GET', '/sim/status')).body.calls[fn] ?? 0;
const fault = (body: object) => sim.control('POST', '/sim/faults', body);
/** Profiles the SM-DP+ holds reserved for an order (not Available, not yet downloaded). */
const reserved = async () => {
  const { by_state: s } = (await sim.control<{ by_state: Record<string, number> }>('GET', '/sim/status'))
    .body;
  return (s.Allocated ?? 0) + (s.Linked ?? 0) + (s.Confirmed ?? 0) + (s.Released ?? 0);
};
const simState = async (iccid: string) =>
  (await sim.control<{ state: string }>('GET', `/sim/profiles/${iccid}`)).body.state;

async function createAs(app: FastifyInstance) {
  const user = await registerUser(app);
  const res = await app.inject({ method: 'POST', url: '/api/v1/esims', headers: user.headers, payload: {} });
  return { res, user };
}

forEachDialect(
  'esims in es2plus mode: SM-DP+ failures, retries, breaker, reconciliation, stock',
  ({ env }) => {
    const rowOf = (app: FastifyInstance, userId: string) =>
      app.ctx.db.selectFrom('esims').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();

    test('when DownloadOrder answers 8.2.5/3.7, then 503 NO_PROFILES_AVAILABLE and the eSIM does not count', async () => {
      const app = env().app;
      await fault({
        fn: 'downloadOrder',
        kind: 'failed',
        subjectCode: '8.2.5',
        reasonCode: '3.7',
        message: 'No more Profile',
      });
      const { res, user } = await createAs(app);
      assert.equal(res.statusCode, 503);
      assert.equal(problemOf(res).code, 'NO_PROFILES_AVAILABLE');
      assert.ok(res.headers['retry-after']);
      const row = await rowOf(app, user.id);
      assert.deepEqual([row.status, row.smdp_status], ['deleted', 'downloadOrder Failed 8.2.5/3.7']);
    });

    for (const [key, code, status] of [
      ['8.2.1/3.9', 'SMDP_ICCID_UNKNOWN', 502],
      ['8.2.1/1.2', 'SMDP_NOT_ALLOWED', 502],
      ['8.2.5/3.9', 'SMDP_PROFILE_TYPE_UNKNOWN', 502],
    ] as const) {
      test(`when DownloadOrder answers ${key}, then ${status} ${code}`, async () => {
        const [subjectCode, reasonCode] = key.split('/');
        await fault({ fn: 'downloadOrder', kind: 'failed', subjectCode, reasonCode });
        const { res } = await createAs(env().app);
        assert.equal(res.statusCode, status);
        assert.equal(problemOf(res).code, code);
      });
    }

    for (const [key, code] of [
      ['8.1.1/3.10', 'SMDP_EID_MISMATCH'],
      ['8.2.6/3.3', 'SMDP_MATCHING_ID_IN_USE'],
    ] as const) {
      test(`when ConfirmOrder answers ${key}, then 409 ${code} and the ordered profile is cancelled`, async () => {
        const app = env().app;
        const [subjectCode, reasonCode] = key.split('/');
        await fault({ fn: 'confirmOrder', kind: 'failed', subjectCode, reasonCode });
        const [reservedBefore, cancelsBefore] = [await reserved(), await calls('cancelOrder')];
        const { res, user } = await createAs(app);
        assert.equal(res.statusCode, 409);
        assert.equal(problemOf(res).code, code);
        const row = await rowOf(app, user.id);
        assert.equal(row.status, 'deleted');
        // the deleted row keeps no ICCID (the profile is back in the pool for someone else)
        assert.equal(row.iccid, null);
        assert.equal((await calls('cancelOrder')) - cancelsBefore, 1);
        assert.equal(await reserved(), reservedBefore, 'the ordered profile is Available again');
      });
    }

    test('when every attempt times out, then it is retried with backoff and answers 504', async () => {
      const app = await env().newApp({ SMDP_TIMEOUT_MS: '800', SMDP_RETRIES: '2' });
      await fault({ fn: 'confirmOrder', kind: 'delay', delayMs: 1500, times: 3 });
      const before = await calls('confirmOrder');
      const { res, user } = await createAs(app);
      assert.equal(res.statusCode, 504);
      assert.equal(problemOf(res).code, 'SMDP_TIMEOUT');
      assert.equal((await calls('confirmOrder')) - before, 3);
      const row = await rowOf(app, user.id);
      assert.equal(row.status, 'provisioning', 'left for the reconciler');
      assert.ok(row.iccid && row.smdp_ordered_at !== null, 'the ordered ICCID is kept for the retry');
    });

    test('when the answer to a DownloadOrder by profile type is lost, then it is not sent again blindly, and ordering again raises an alert', async () => {
      const app = await env().newApp({ SMDP_RETRIES: '2' });
      const user = await registerUser(app);
      const post = () =>
        app.inject({
          method: 'POST',
          url: '/api/v1/esims',
          headers: { ...user.headers, 'idempotency-key': 'lost-answer' },
          payload: {},
        });
      await fault({ fn: 'downloadOrder', kind: 'lost' });
      const [reservedBefore, ordersBefore] = [await reserved(), await calls('downloadOrder')];
      const res = await post();
      assert.equal(res.statusCode, 502, res.body);
      assert.equal((await calls('downloadOrder')) - ordersBefore, 1, 'not repeated by the client');
      assert.equal((await reserved()) - reservedBefore, 1, 'the SM-DP+ reserved one profile');
      const stuck = await rowOf(app, user.id);
      assert.deepEqual([stuck.status, stuck.smdp_status, stuck.iccid], ['provisioning', ORDER_LOST, null]);
      const again = await post();
      assert.equal(again.statusCode, 201, again.body);
      assert.equal(again.json<EsimView>().smdp_status ?? null, null);
      const alerts = await app.ctx.db
        .selectFrom('admin_alerts')
        .selectAll()
        .where('kind', '=', 'esim.order_unknown')
        .where('ref_id', '=', stuck.id)
        .execute();
      assert.equal(alerts.length, 1, 'the possible second profile is reported');
    });

    test('when a DownloadOrder cannot be sent at all, then it is retried and nothing is reported', async () => {
      const app = await env().newApp({ SMDP_RETRIES: '1', SMDP_ES2_URL: 'https://127.0.0.1:1' });
      const { res, user } = await createAs(app);
      assert.equal(res.statusCode, 502);
      const row = await rowOf(app, user.id);
      assert.deepEqual([row.status, row.smdp_status], ['provisioning', ORDER_NOT_SENT]);
    });

    test('with confirmation codes: a retry with the same key completes the order with a new code; the reconciler cancels instead', async () => {
      const { clock } = env();
      const app = await env().newApp({ SMDP_RETRIES: '0', ESIM_CONFIRMATION_CODE: 'true' });
      const user = await registerUser(app);
      const post = (key: string) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/esims',
          headers: { ...user.headers, 'idempotency-key': key },
          payload: {},
        });
      // ConfirmOrder got through, its answer did not: the SM-DP+ holds the first code's hash
      await fault({ fn: 'confirmOrder', kind: 'lost' });
      assert.equal((await post('cc-retry')).statusCode, 502);
      const again = await post('cc-retry');
      assert.equal(again.statusCode, 201, again.body);
      const esim = again.json<EsimView & { confirmation_code?: string }>();
      assert.equal(esim.status, 'released');
      assert.match(esim.confirmation_code ?? '', /^[0-9]{8}$/);
      const p = (await sim.control<{ ccHash: string; state: string }>('GET', `/sim/profiles/${esim.iccid}`))
        .body;
      assert.equal(p.state, 'Released');
      assert.equal(p.ccHash, sha256(esim.confirmation_code ?? ''), 'the SM-DP+ checks the new code');

      // no retry comes: nobody could be given a code, so the reconciler cancels the order
      await fault({ fn: 'confirmOrder', kind: 'http500' });
      assert.equal((await post('cc-stuck')).statusCode, 502);
      const stuck = await app.ctx.db
        .selectFrom('esims')
        .selectAll()
        .where('idempotency_key', '=', 'cc-stuck')
        .executeTakeFirstOrThrow();
      assert.ok(stuck.iccid);
      clock.advance(61_000);
      const r = await app.services.esims.es2plus?.provisioner.reconcile();
      assert.ok((r?.cancelled ?? 0) >= 1);
      const gone = await app.ctx.db
        .selectFrom('esims')
        .selectAll()
        .where('id', '=', stuck.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual([gone.status, gone.smdp_status], ['deleted', CODE_LOST]);
      assert.equal(await simState(stuck.iccid), 'Available');
    });

    test('when the SM-DP+ keeps failing, then the breaker opens and answers 503 with Retry-After at once', async () => {
      const app = await env().newApp({ SMDP_RETRIES: '0', SMDP_BREAKER_FAILURES: '2' });
      await fault({ fn: 'downloadOrder', kind: 'http500', times: 2 });
      for (let i = 0; i < 2; i++) assert.equal((await createAs(app)).res.statusCode, 502);
      const before = await calls('downloadOrder');
      const { res } = await createAs(app);
      assert.equal(res.statusCode, 503);
      assert.equal(problemOf(res).code, 'SMDP_UNAVAILABLE');
      assert.ok(Number(res.headers['retry-after']) >= 1);
      assert.equal(await calls('downloadOrder'), before, 'nothing sent while open');
    });

    test('when the process stops between DownloadOrder and ConfirmOrder, then the reconciler completes the order', async () => {
      const { app, clock } = env();
      const fast = await env().newApp({ SMDP_RETRIES: '0' });
      await fault({ fn: 'confirmOrder', kind: 'http500' });
      const { res, user } = await createAs(fast);
      assert.equal(res.statusCode, 502);
      const stuck = await rowOf(app, user.id);
      assert.equal(stuck.status, 'provisioning');
      assert.ok(stuck.iccid && stuck.smdp_ordered_at !== null);
      assert.equal(await simState(stuck.iccid), 'Allocated');
      clock.advance(61_000);
      await app.services.esims.es2plus?.provisioner.reconcile();
      const done = await rowOf(app, user.id);
      assert.equal(done.status, 'released');
      assert.equal(await simState(stuck.iccid), 'Released');
    });

    test('when a creation failed for want of an answer, then a retry with the same Idempotency-Key completes it', async () => {
      const app = await env().newApp({ SMDP_RETRIES: '0' });
      const user = await registerUser(app);
      const post = () =>
        app.inject({
          method: 'POST',
          url: '/api/v1/esims',
          headers: { ...user.headers, 'idempotency-key': 'retry-me' },
          payload: {},
        });
      await fault({ fn: 'confirmOrder', kind: 'http500' });
      assert.equal((await post()).statusCode, 502);
      const again = await post();
      assert.equal(again.statusCode, 201, again.body);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      const esim = again.json<EsimView>();
      assert.equal(esim.status, 'released');
      assert.equal(await simState(esim.iccid ?? ''), 'Released');
    });

    test('when an order stays stuck past the reconciler attempts, then it is cancelled at the SM-DP+ and deleted', async () => {
      const { app, clock } = env();
      const fast = await env().newApp({ SMDP_RETRIES: '0' });
      await fault({ fn: 'confirmOrder', kind: 'http500' });
      const { user } = await createAs(fast);
      const stuck = await rowOf(app, user.id);
      assert.equal(await simState(stuck.iccid ?? ''), 'Allocated');
      await app.ctx.db
        .updateTable('esims')
        .set({ provision_attempts: 10 })
        .where('id', '=', stuck.id)
        .execute();
      clock.advance(61_000);
      await app.services.esims.es2plus?.provisioner.reconcile();
      const gone = await rowOf(app, user.id);
      assert.deepEqual([gone.status, gone.smdp_status], ['deleted', 'given up by the reconciler']);
      assert.equal(await simState(stuck.iccid ?? ''), 'Available');
    });

    test('with stock: orders by ICCID, raises the low-water alert, and a lost DownloadOrder answer is reconciled or retried at once', async () => {
      const { clock } = env();
      const app = await env().newApp({
        SMDP_PROFILE_TYPE: 'STOCK',
        SMDP_TIMEOUT_MS: '1500',
        SMDP_RETRIES: '0',
      });
      const admin = await adminSession(app);
      const csv = (await sim.control<string>('GET', '/sim/pool.csv?type=STOCK&state=Available&limit=4')).body;
      const lines = csv.trim().split('\n');
      const bad = `${lines[1]?.slice(0, 18)}0,001010000000001,STOCK`; // a wrong Luhn digit (or a duplicate)
      const imp = async (text: string) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/admin/esim-profiles/import',
          headers: admin.headers,
          payload: { csv: text },
        });
      const first = (await imp(`${csv}${bad}\nnot,a,line\n`)).json<{
        imported: number;
        rejected: { line: number }[];
      }>();
      assert.equal(first.imported, 4);
      assert.deepEqual(
        first.rejected.map((r) => r.line),
        [6, 7],
      );
      const again = (await imp(csv)).json<{ imported: number; unchanged: number }>();
      assert.deepEqual([again.imported, again.unchanged], [0, 4]);
      await app.inject({
        method: 'PUT',
        url: '/api/v1/admin/esim-profiles/low-water',
        headers: admin.headers,
        payload: { profile_type: 'STOCK', low_water: 10 },
      });

      const ordered = await createAs(app);
      assert.equal(ordered.res.statusCode, 201, ordered.res.body);
      const firstIccid = lines[1]?.split(',')[0];
      assert.equal(ordered.res.json<EsimView>().iccid, firstIccid);
      const alerts = await app.ctx.db
        .selectFrom('admin_alerts')
        .selectAll()
        .where('kind', '=', 'inventory.low')
        .where('ref_id', '=', 'STOCK')
        .execute();
      assert.equal(alerts.length, 1);
      const stock = (
        await app.inject({ method: 'GET', url: '/api/v1/admin/esim-profiles/stock', headers: admin.headers })
      ).json<{ items: { profile_type: string; available: number; allocated: number; low: boolean }[] }>();
      assert.deepEqual(
        stock.items.find((l) => l.profile_type === 'STOCK'),
        {
          profile_type: 'STOCK',
          available: 3,
          allocated: 1,
          unavailable: 0,
          total: 4,
          low_water: 10,
          low: true,
        },
      );

      // the answer to DownloadOrder is lost (the SM-DP+ reserved the profile all the same)
      await fault({ fn: 'downloadOrder', kind: 'delay', delayMs: 2500 });
      const lost = await createAs(app);
      assert.equal(lost.res.statusCode, 504);
      const row = await rowOf(app, lost.user.id);
      assert.deepEqual(
        [row.status, row.iccid, row.smdp_ordered_at],
        ['provisioning', lines[2]?.split(',')[0], null],
      );
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(await simState(row.iccid ?? ''), 'Allocated');
      clock.advance(61_000);
      await app.services.esims.es2plus?.provisioner.reconcile();
      assert.equal(
        (await rowOf(app, lost.user.id)).status,
        'released',
        'the retried DownloadOrder got 8.2.1/3.3: done',
      );
      assert.equal(await simState(row.iccid ?? ''), 'Released');

      // the answer to an order by ICCID is lost: the client sends it again at once, 8.2.1/3.3 says it is ours
      const retrying = await env().newApp({ SMDP_PROFILE_TYPE: 'STOCK', SMDP_RETRIES: '1' });
      await fault({ fn: 'downloadOrder', kind: 'lost' });
      const [reservedBefore, ordersBefore] = [await reserved(), await calls('downloadOrder')];
      const once = await createAs(retrying);
      assert.equal(once.res.statusCode, 201, once.res.body);
      assert.equal(once.res.json<EsimView>().iccid, lines[3]?.split(',')[0]);
      assert.equal((await calls('downloadOrder')) - ordersBefore, 2);
      assert.equal((await reserved()) - reservedBefore, 1, 'one profile reserved, not two');

      // deleted before its download: the profile goes back to the stock and the next order gets it again
      const firstEsim = ordered.res.json<EsimView>();
      const del = await app.inject({
        method: 'DELETE',
        url: `/api/v1/esims/${firstEsim.id}`,
        headers: ordered.user.headers,
      });
      assert.equal(del.statusCode, 200, del.body);
      assert.equal(del.json<EsimView>().iccid, null, 'the deleted eSIM lets go of the ICCID');
      assert.equal(await simState(firstIccid ?? ''), 'Available');
      const reordered = await createAs(app);
      assert.equal(reordered.res.statusCode, 201, reordered.res.body);
      assert.equal(reordered.res.json<EsimView>().iccid, firstIccid);
    });
  },
  es2plusSettings(sim, { ES2_TLS_CERT: '', ES2_TLS_KEY: '' }),
);
