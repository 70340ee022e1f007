/** The eSIM state machine: the table itself, and every move through POST /admin/esims/{id}/status. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { EsimStatus } from '../../../src/db/types.js';
import { eidCheckDigits } from '../../../src/lib/eid.js';
import { sha256 } from '../../../src/lib/secrets.js';
import { ESIM_STATUSES, ESIM_TRANSITIONS, canMoveEsim } from '../../../src/modules/esims/lifecycle.js';
import type { EsimEventView, EsimView } from '../../../src/modules/esims/schemas.js';
import { adminSession, forEachDialect, problemOf, registerUser, type Session } from '../../helper.js';
import { issueApiKey } from '../../fixtures/usage.js';

const ESIMS = '/api/v1/esims';
const statusUrl = (id: string) => `/api/v1/admin/esims/${id}/status`;

const ALLOWED = new Set([
  'provisioning>released',
  'provisioning>error',
  'provisioning>deleted',
  'released>error',
  'downloaded>error',
  'error>deleted',
  'released>downloaded',
  'downloaded>installed',
  'installed>enabled',
  'enabled>disabled',
  'disabled>enabled',
  'released>deleted',
  'downloaded>deleted',
  'installed>deleted',
  'enabled>deleted',
  'disabled>deleted',
]);

/** The moves that bring a fresh (released) eSIM to each state. */
const PATH_TO: Record<Exclude<EsimStatus, 'provisioning'>, EsimStatus[]> = {
  error: ['error'],
  released: [],
  downloaded: ['downloaded'],
  installed: ['downloaded', 'installed'],
  enabled: ['downloaded', 'installed', 'enabled'],
  disabled: ['downloaded', 'installed', 'enabled', 'disabled'],
  deleted: ['deleted'],
};

function validEid(seed: number): string {
  const body = `8904903200000000000000${String(seed).padStart(8, '0')}`;
  return body + eidCheckDigits(body);
}

test('when the transition table is read, then exactly the documented moves are allowed', () => {
  for (const from of ESIM_STATUSES) {
    for (const to of ESIM_STATUSES) {
      assert.equal(canMoveEsim(from, to), ALLOWED.has(`${from}>${to}`), `${from} → ${to}`);
    }
  }
  assert.deepEqual(Object.keys(ESIM_TRANSITIONS).sort(), [...ESIM_STATUSES].sort());
});

forEachDialect(
  'esims: lifecycle through the admin status route',
  ({ env }) => {
    let admin: Session;
    let owner: Session;

    /** Every state a local-mode eSIM can reach (provisioning exists only with SMDP_MODE=es2plus). */
    const REACHABLE = ESIM_STATUSES.filter((s) => s !== 'provisioning');

    async function esimIn(
      app: FastifyInstance,
      state: Exclude<EsimStatus, 'provisioning'>,
    ): Promise<EsimView> {
      admin ??= await adminSession(app);
      owner ??= await registerUser(app);
      let esim = (
        await app.inject({ method: 'POST', url: ESIMS, headers: owner.headers, payload: {} })
      ).json<EsimView>();
      for (const status of PATH_TO[state]) {
        const res = await app.inject({
          method: 'POST',
          url: statusUrl(esim.id),
          headers: admin.headers,
          payload: { status },
        });
        assert.equal(res.statusCode, 200, res.body);
        esim = res.json<EsimView>();
      }
      assert.equal(esim.status, state);
      return esim;
    }

    test('when every status is reported from every status, then allowed moves apply and the rest are 409', async () => {
      const { app, db } = env();
      for (const from of REACHABLE) {
        for (const to of ESIM_STATUSES) {
          const esim = await esimIn(app, from);
          const res = await app.inject({
            method: 'POST',
            url: statusUrl(esim.id),
            headers: admin.headers,
            payload: { status: to },
          });
          const eventsBefore = PATH_TO[from].length + 1;
          const events = await db
            .selectFrom('esim_events')
            .selectAll()
            .where('esim_id', '=', esim.id)
            .execute();
          const row = await db
            .selectFrom('esims')
            .selectAll()
            .where('id', '=', esim.id)
            .executeTakeFirstOrThrow();
          if (ALLOWED.has(`${from}>${to}`)) {
            assert.equal(res.statusCode, 200, `${from} → ${to}: ${res.body}`);
            assert.equal(res.json<EsimView>().status, to);
            assert.equal(row.status, to);
            assert.equal(events.length, eventsBefore + 1);
            const last = events.sort((a, b) => a.id.localeCompare(b.id)).at(-1)!;
            assert.deepEqual(
              [last.from_status, last.to_status, last.actor_type, last.actor_id],
              [from, to, 'admin', admin.id],
            );
            assert.equal(row.deleted_at !== null, to === 'deleted');
          } else {
            assert.equal(res.statusCode, 409, `${from} → ${to}`);
            assert.equal(problemOf(res).code, 'INVALID_TRANSITION');
            assert.equal(row.status, from, 'unchanged');
            assert.equal(events.length, eventsBefore, 'no event for a refused move');
          }
        }
      }
    });

    test('when the network reports with an API key, then the move is recorded with the key as actor', async () => {
      const { app, db } = env();
      const key = await issueApiKey(app);
      const keyRow = await db
        .selectFrom('api_keys')
        .select('id')
        .where('key_hash', '=', sha256(key))
        .executeTakeFirstOrThrow();
      const esim = await esimIn(app, 'released');
      const eid = validEid(1);
      const res = await app.inject({
        method: 'POST',
        url: statusUrl(esim.id),
        headers: { 'x-api-key': key },
        payload: { status: 'downloaded', eid },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json<EsimView>().eid, eid);
      const event = await db
        .selectFrom('esim_events')
        .selectAll()
        .where('esim_id', '=', esim.id)
        .where('to_status', '=', 'downloaded')
        .executeTakeFirstOrThrow();
      assert.deepEqual([event.actor_type, event.actor_id], ['api_key', keyRow.id]);
      const activity = await db
        .selectFrom('activity')
        .selectAll()
        .where('target_id', '=', esim.id)
        .where('action', '=', 'esim.status_changed')
        .executeTakeFirstOrThrow();
      assert.equal(activity.user_id, owner.id);
      assert.equal(activity.actor_id, null);
      assert.deepEqual(JSON.parse(activity.metadata!), {
        from: 'released',
        to: 'downloaded',
        actor_type: 'api_key',
        api_key_id: keyRow.id,
      });
    });

    test('when the caller is a user, has no credentials or a bad key, then 403 or 401', async () => {
      const { app } = env();
      const esim = await esimIn(app, 'released');
      const asUser = await app.inject({
        method: 'POST',
        url: statusUrl(esim.id),
        headers: owner.headers,
        payload: { status: 'downloaded' },
      });
      assert.equal(asUser.statusCode, 403);
      const none = await app.inject({
        method: 'POST',
        url: statusUrl(esim.id),
        payload: { status: 'downloaded' },
      });
      assert.equal(none.statusCode, 401);
      const badKey = await app.inject({
        method: 'POST',
        url: statusUrl(esim.id),
        headers: { 'x-api-key': 'ksk_not-a-key' },
        payload: { status: 'downloaded' },
      });
      assert.equal(badKey.statusCode, 401);
      assert.equal(problemOf(badKey).code, 'INVALID_API_KEY');
    });

    test('when the EID is malformed, fails its check digits or changes, then 400 INVALID_EID or 409 EID_MISMATCH', async () => {
      const { app, db } = env();
      const esim = await esimIn(app, 'released');
      const post = (payload: object) =>
        app.inject({ method: 'POST', url: statusUrl(esim.id), headers: admin.headers, payload });
      const shape = await post({ status: 'downloaded', eid: '1234' });
      assert.equal(shape.statusCode, 400);
      assert.equal(problemOf(shape).errors?.[0]?.field, 'body.eid');
      const checksum = await post({ status: 'downloaded', eid: '89049032123451234512345678901253' });
      assert.equal(problemOf(checksum).code, 'INVALID_EID');
      assert.equal(problemOf(checksum).errors?.[0]?.field, 'body.eid');
      const eid = '89049032123451234512345678901235';
      assert.equal((await post({ status: 'downloaded', eid })).json<EsimView>().eid, eid);
      const other = await post({ status: 'installed', eid: validEid(2) });
      assert.equal(problemOf(other).code, 'EID_MISMATCH');
      const same = await post({ status: 'installed', eid });
      assert.equal(same.statusCode, 200, same.body);
      const row = await db
        .selectFrom('esims')
        .selectAll()
        .where('id', '=', esim.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual([row.status, row.eid], ['installed', eid]);
    });

    test('when the body is unknown or the eSIM missing, then 400 or 404', async () => {
      const { app } = env();
      const esim = await esimIn(app, 'released');
      const extra = await app.inject({
        method: 'POST',
        url: statusUrl(esim.id),
        headers: admin.headers,
        payload: { status: 'downloaded', user_id: owner.id },
      });
      assert.equal(problemOf(extra).errors?.[0]?.field, 'body.user_id');
      const bogus = await app.inject({
        method: 'POST',
        url: statusUrl(esim.id),
        headers: admin.headers,
        payload: { status: 'activated' },
      });
      assert.equal(bogus.statusCode, 400);
      const missing = await app.inject({
        method: 'POST',
        url: statusUrl('0190a0a0-0000-7000-8000-000000000000'),
        headers: admin.headers,
        payload: { status: 'downloaded' },
      });
      assert.equal(missing.statusCode, 404);
    });

    test('when 10 reports of the same move race, then exactly one applies and one event is written', async () => {
      const { app, db } = env();
      const esim = await esimIn(app, 'installed');
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          app.inject({
            method: 'POST',
            url: statusUrl(esim.id),
            headers: admin.headers,
            payload: { status: 'enabled' },
          }),
        ),
      );
      const codes = answers.map((r) => r.statusCode);
      assert.equal(codes.filter((c) => c === 200).length, 1, codes.join());
      assert.equal(codes.filter((c) => c === 409).length, 9, codes.join());
      const enabled = await db
        .selectFrom('esim_events')
        .select('id')
        .where('esim_id', '=', esim.id)
        .where('to_status', '=', 'enabled')
        .execute();
      assert.equal(enabled.length, 1);
    });

    test('when the owner reads the history, then newest first with operator ids hidden', async () => {
      const { app } = env();
      const esim = await esimIn(app, 'enabled');
      await app.inject({ method: 'DELETE', url: `${ESIMS}/${esim.id}`, headers: owner.headers });
      const url = `${ESIMS}/${esim.id}/events`;
      const res = await app.inject({ method: 'GET', url, headers: owner.headers });
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json<{ items: EsimEventView[]; next_cursor: string | null }>();
      assert.deepEqual(
        page.items.map((e) => [e.from_status, e.to_status, e.actor_type, e.actor_id]),
        [
          ['enabled', 'deleted', 'user', owner.id],
          ['installed', 'enabled', 'admin', null],
          ['downloaded', 'installed', 'admin', null],
          ['released', 'downloaded', 'admin', null],
          [null, 'released', 'user', owner.id],
        ],
      );
      const first = await app.inject({ method: 'GET', url: `${url}?limit=2`, headers: owner.headers });
      const p1 = first.json<{ items: EsimEventView[]; next_cursor: string }>();
      const second = await app.inject({
        method: 'GET',
        url: `${url}?limit=3&cursor=${p1.next_cursor}`,
        headers: owner.headers,
      });
      const p2 = second.json<{ items: EsimEventView[]; next_cursor: string | null }>();
      assert.deepEqual(
        [...p1.items, ...p2.items].map((e) => e.id),
        page.items.map((e) => e.id),
      );
      assert.equal(p2.next_cursor, null);
    });
  },
  { ESIM_LIMIT_PER_USER: '1000' },
);
