/** Issuing under pressure: the per-user limit under concurrency, identifier collisions, confirmation codes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isUniqueViolation } from '../../../src/db/index.js';
import { ActivityService } from '../../../src/modules/activity/service.js';
import { generateIccid } from '../../../src/lib/iccid.js';
import { sha256 } from '../../../src/lib/secrets.js';
import type { EsimCreatedView, EsimView } from '../../../src/modules/esims/schemas.js';
import { EsimsService } from '../../../src/modules/esims/service.js';
import { forEachDialect, problemOf, registerUser, type TestEnv } from '../../helper.js';
import { decodePng } from '../../fixtures/qr-decode.js';

const ESIMS = '/api/v1/esims';
const LIMIT = 3;
const META = { ip: null, userAgent: null };

async function liveCount(env: TestEnv, userId: string): Promise<number> {
  const rows = await env.db
    .selectFrom('esims')
    .select('id')
    .where('user_id', '=', userId)
    .where('status', '!=', 'deleted')
    .execute();
  return rows.length;
}

forEachDialect(
  'esims: the per-user limit',
  ({ env }) => {
    test('when 10 creates race for one user, then exactly ESIM_LIMIT_PER_USER succeed and the rest are 409 ESIM_LIMIT', async () => {
      const { app } = env();
      const s = await registerUser(app);
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          app.inject({ method: 'POST', url: ESIMS, headers: s.headers, payload: {} }),
        ),
      );
      const codes = answers.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 201).length, LIMIT, codes.join());
      assert.equal(codes.filter((c) => c === 409).length, 10 - LIMIT, codes.join());
      for (const r of answers.filter((a) => a.statusCode === 409))
        assert.equal(problemOf(r).code, 'ESIM_LIMIT');
      assert.equal(await liveCount(env(), s.id), LIMIT);
      const events = await env()
        .db.selectFrom('esim_events')
        .innerJoin('esims', 'esims.id', 'esim_events.esim_id')
        .select('esim_events.id')
        .where('esims.user_id', '=', s.id)
        .execute();
      assert.equal(events.length, LIMIT);
    });

    test('when two users race at once, then each gets its own limit', async () => {
      const { app } = env();
      const [a, b] = [await registerUser(app), await registerUser(app)];
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          app.inject({ method: 'POST', url: ESIMS, headers: (i % 2 ? a : b).headers, payload: {} }),
        ),
      );
      assert.equal(answers.filter((r) => r.statusCode === 201).length, 2 * LIMIT);
      assert.deepEqual([await liveCount(env(), a.id), await liveCount(env(), b.id)], [LIMIT, LIMIT]);
    });

    test('when an eSIM at the limit is deleted, then the user may issue one more', async () => {
      const { app } = env();
      const s = await registerUser(app);
      const ids: string[] = [];
      for (let i = 0; i < LIMIT; i++) {
        const res = await app.inject({ method: 'POST', url: ESIMS, headers: s.headers, payload: {} });
        ids.push(res.json<EsimView>().id);
      }
      const over = await app.inject({ method: 'POST', url: ESIMS, headers: s.headers, payload: {} });
      assert.equal(problemOf(over).code, 'ESIM_LIMIT');
      await app.inject({ method: 'DELETE', url: `${ESIMS}/${ids[0]}`, headers: s.headers });
      const again = await app.inject({ method: 'POST', url: ESIMS, headers: s.headers, payload: {} });
      assert.equal(again.statusCode, 201, again.body);
      assert.equal(await liveCount(env(), s.id), LIMIT);
    });

    test('when a generated ICCID collides with an existing one, then the issue is retried with a fresh one', async () => {
      const { app, db, clock, config } = env();
      const s = await registerUser(app);
      const taken = (
        await app.inject({ method: 'POST', url: ESIMS, headers: s.headers, payload: {} })
      ).json<EsimView>();
      const other = await registerUser(app);
      const sequence = [taken.iccid, taken.iccid];
      const service = new EsimsService(db, clock, new ActivityService(db, clock), {
        smdpAddress: config.SMDP_ADDRESS,
        iccidPrefix: config.ICCID_PREFIX,
        limitPerUser: LIMIT,
        confirmationCode: false,
        newIccid: () => sequence.shift() ?? generateIccid(config.ICCID_PREFIX),
      });
      const issued = await service.issue(other.id, null, META);
      assert.notEqual(issued.iccid, taken.iccid);
      assert.equal(sequence.length, 0, 'both colliding ICCIDs were tried');
      assert.equal(await liveCount(env(), other.id), 1);
      const events = await db
        .selectFrom('esim_events')
        .select('esim_id')
        .where('esim_id', '=', issued.id)
        .execute();
      assert.equal(events.length, 1, 'the failed attempts left nothing behind');

      const always = new EsimsService(db, clock, new ActivityService(db, clock), {
        smdpAddress: config.SMDP_ADDRESS,
        iccidPrefix: config.ICCID_PREFIX,
        limitPerUser: LIMIT,
        confirmationCode: false,
        newIccid: () => taken.iccid ?? '',
      });
      await assert.rejects(always.issue(other.id, null, META), (err) => isUniqueViolation(err));
      assert.equal(await liveCount(env(), other.id), 1);
    });
  },
  { ESIM_LIMIT_PER_USER: String(LIMIT) },
);

forEachDialect(
  'esims: confirmation codes',
  ({ env }) => {
    test('when confirmation codes are on, then the code is shown once, stored hashed, and the activation code ends in $$1', async () => {
      const { app, db } = env();
      const s = await registerUser(app);
      const res = await app.inject({ method: 'POST', url: ESIMS, headers: s.headers, payload: {} });
      assert.equal(res.statusCode, 201, res.body);
      const created = res.json<EsimCreatedView>();
      assert.match(created.confirmation_code ?? '', /^[0-9]{8}$/);
      const code = created.confirmation_code!;
      assert.equal(created.confirmation_code_required, true);
      assert.ok(created.activation_code.endsWith('$$1'), created.activation_code);
      assert.equal(created.activation_code.split('$').length, 5);
      assert.ok(!created.activation_code.includes(code));
      assert.ok(!created.apple_install_url.includes(code));

      const row = await db
        .selectFrom('esims')
        .selectAll()
        .where('id', '=', created.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.confirmation_code_hash, sha256(code));
      assert.ok(!JSON.stringify(row).includes(code), 'the plain code is stored nowhere in the row');

      const read = await app.inject({ method: 'GET', url: `${ESIMS}/${created.id}`, headers: s.headers });
      const view = read.json<EsimCreatedView>();
      assert.equal(view.confirmation_code, undefined);
      assert.equal(view.confirmation_code_required, true);
      assert.equal(view.activation_code, created.activation_code);
      const list = await app.inject({ method: 'GET', url: ESIMS, headers: s.headers });
      assert.ok(!list.body.includes(code));

      const qr = await app.inject({
        method: 'GET',
        url: `${ESIMS}/${created.id}/qr?size=256`,
        headers: s.headers,
      });
      assert.equal(decodePng(qr.rawPayload)?.data, created.activation_code);
    });

    test('when two eSIMs are issued, then their confirmation codes differ', async () => {
      const { app } = env();
      const s = await registerUser(app);
      const codes = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const res = await app.inject({ method: 'POST', url: ESIMS, headers: s.headers, payload: {} });
        codes.add(res.json<EsimCreatedView>().confirmation_code!);
      }
      assert.equal(codes.size, 3);
    });
  },
  { ESIM_CONFIRMATION_CODE: 'true' },
);
