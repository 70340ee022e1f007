/** Provisioning and the owner's routes: identifiers, the activation code, edits, deletion, ownership. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { parseActivationCode } from '../../../src/lib/activation-code.js';
import { isValidIccid } from '../../../src/lib/iccid.js';
import type { EsimCreatedView, EsimView } from '../../../src/modules/esims/schemas.js';
import { APPLE_INSTALL_BASE } from '../../../src/modules/esims/views.js';
import { forEachDialect, problemOf, registerUser, type Session } from '../../helper.js';

const ESIMS = '/api/v1/esims';

async function createEsim(app: FastifyInstance, s: Session, payload: object | undefined = {}) {
  const res = await app.inject({ method: 'POST', url: ESIMS, headers: s.headers, payload });
  assert.equal(res.statusCode, 201, res.body);
  return res.json<EsimCreatedView>();
}

forEachDialect('esims: provisioning and the owner routes', ({ env }) => {
  test('when a user issues an eSIM, then it is released with a valid ICCID and an SGP.22 activation code', async () => {
    const { app, db, config } = env();
    const s = await registerUser(app);
    const esim = await createEsim(app, s, { label: 'Travel' });
    assert.equal(esim.status, 'released');
    assert.equal(esim.user_id, s.id);
    assert.equal(esim.label, 'Travel');
    assert.equal(esim.eid, null);
    assert.ok(isValidIccid(esim.iccid ?? ''), esim.iccid ?? 'no ICCID');
    assert.ok(esim.iccid?.startsWith(config.ICCID_PREFIX));
    assert.equal(esim.smdp_address, config.SMDP_ADDRESS);
    assert.match(esim.matching_id, /^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/);
    assert.equal(esim.activation_code, `LPA:1$${config.SMDP_ADDRESS}$${esim.matching_id}`);
    assert.deepEqual(parseActivationCode(esim.activation_code), {
      smdpAddress: config.SMDP_ADDRESS,
      matchingId: esim.matching_id,
      confirmationCodeRequired: false,
    });
    assert.equal(esim.confirmation_code_required, false);
    assert.equal('confirmation_code' in esim, false);
    assert.equal(esim.apple_install_url, APPLE_INSTALL_BASE + esim.activation_code);
    assert.equal(new URL(esim.apple_install_url).searchParams.get('carddata'), esim.activation_code);

    const events = await db.selectFrom('esim_events').selectAll().where('esim_id', '=', esim.id).execute();
    assert.deepEqual(
      events.map((e) => [e.from_status, e.to_status, e.actor_type, e.actor_id]),
      [[null, 'released', 'user', s.id]],
    );
    const activity = await db.selectFrom('activity').selectAll().where('target_id', '=', esim.id).execute();
    assert.deepEqual(
      activity.map((a) => [a.action, a.user_id, a.actor_id]),
      [['esim.created', s.id, s.id]],
    );
  });

  test('when the body is absent or empty, then the eSIM is issued without a label', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const bare = await app.inject({ method: 'POST', url: ESIMS, headers: s.headers });
    assert.equal(bare.statusCode, 201, bare.body);
    assert.equal(bare.json<EsimView>().label, null);
    assert.equal((await createEsim(app, s, {})).label, null);
  });

  test('when the body sets fields the client does not own, then 400 lists each of them', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const res = await app.inject({
      method: 'POST',
      url: ESIMS,
      headers: s.headers,
      payload: { label: '', iccid: '8988247000000000000', status: 'enabled' },
    });
    assert.equal(res.statusCode, 400);
    const fields = problemOf(res).errors?.map((e) => e.field) ?? [];
    for (const f of ['body.label', 'body.iccid', 'body.status']) assert.ok(fields.includes(f), fields.join());
  });

  test('when no token is sent, then every eSIM route is 401', async () => {
    const { app } = env();
    for (const [method, url] of [
      ['POST', ESIMS],
      ['GET', ESIMS],
      ['GET', `${ESIMS}/0190a0a0-0000-7000-8000-000000000000`],
      ['GET', `${ESIMS}/0190a0a0-0000-7000-8000-000000000000/qr`],
    ] as const) {
      const res = await app.inject({ method, url });
      assert.equal(res.statusCode, 401, `${method} ${url}`);
    }
  });

  test('when the owner renames an eSIM, then the label changes, null clears it, bad labels are 400', async () => {
    const { app, db } = env();
    const s = await registerUser(app);
    const esim = await createEsim(app, s);
    const url = `${ESIMS}/${esim.id}`;
    const renamed = await app.inject({
      method: 'PATCH',
      url,
      headers: s.headers,
      payload: { label: '  Work phone ' },
    });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal(renamed.json<EsimView>().label, 'Work phone');
    for (const label of ['', '   ', 'x'.repeat(65), 'tab\there', { text: 'a' }]) {
      const bad = await app.inject({ method: 'PATCH', url, headers: s.headers, payload: { label } });
      assert.equal(bad.statusCode, 400, JSON.stringify(label));
      assert.equal(problemOf(bad).errors?.[0]?.field, 'body.label');
    }
    const unknown = await app.inject({
      method: 'PATCH',
      url,
      headers: s.headers,
      payload: { label: 'a', eid: '1' },
    });
    assert.equal(unknown.statusCode, 400);
    const cleared = await app.inject({ method: 'PATCH', url, headers: s.headers, payload: { label: null } });
    assert.equal(cleared.json<EsimView>().label, null);
    assert.equal((await app.inject({ method: 'GET', url, headers: s.headers })).json<EsimView>().label, null);
    const actions = await db
      .selectFrom('activity')
      .select('action')
      .where('target_id', '=', esim.id)
      .execute();
    assert.deepEqual(actions.map((a) => a.action).sort(), ['esim.created', 'esim.updated', 'esim.updated']);
  });

  test('when the owner lists, then newest first, paginated, filtered by status, deleted ones on request', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const [a, b, c] = [await createEsim(app, s), await createEsim(app, s), await createEsim(app, s)];
    await app.inject({ method: 'DELETE', url: `${ESIMS}/${a.id}`, headers: s.headers });
    const first = await app.inject({ method: 'GET', url: `${ESIMS}?limit=1`, headers: s.headers });
    const page1 = first.json<{ items: EsimView[]; next_cursor: string | null }>();
    assert.deepEqual(
      page1.items.map((e) => e.id),
      [c.id],
    );
    assert.ok(page1.next_cursor);
    const second = await app.inject({
      method: 'GET',
      url: `${ESIMS}?limit=1&cursor=${page1.next_cursor}`,
      headers: s.headers,
    });
    const page2 = second.json<{ items: EsimView[]; next_cursor: string | null }>();
    assert.deepEqual(
      page2.items.map((e) => e.id),
      [b.id],
    );
    assert.equal(page2.next_cursor, null);
    const deleted = await app.inject({ method: 'GET', url: `${ESIMS}?status=deleted`, headers: s.headers });
    assert.deepEqual(
      deleted.json<{ items: EsimView[] }>().items.map((e) => e.id),
      [a.id],
    );
    const released = await app.inject({ method: 'GET', url: `${ESIMS}?status=released`, headers: s.headers });
    assert.deepEqual(
      released.json<{ items: EsimView[] }>().items.map((e) => e.id),
      [c.id, b.id],
    );
    const badCursor = await app.inject({ method: 'GET', url: `${ESIMS}?cursor=nope`, headers: s.headers });
    assert.equal(badCursor.statusCode, 400);
    const badStatus = await app.inject({ method: 'GET', url: `${ESIMS}?status=gone`, headers: s.headers });
    assert.equal(badStatus.statusCode, 400);
  });

  test('when the owner deletes an eSIM, then it stays readable as deleted and cannot be deleted or renamed again', async () => {
    const { app, db } = env();
    const s = await registerUser(app);
    const esim = await createEsim(app, s);
    const url = `${ESIMS}/${esim.id}`;
    const res = await app.inject({ method: 'DELETE', url, headers: s.headers });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json<EsimView>().status, 'deleted');
    assert.equal(
      (await app.inject({ method: 'GET', url, headers: s.headers })).json<EsimView>().status,
      'deleted',
    );
    const again = await app.inject({ method: 'DELETE', url, headers: s.headers });
    assert.equal(again.statusCode, 409);
    assert.equal(problemOf(again).code, 'INVALID_TRANSITION');
    const rename = await app.inject({ method: 'PATCH', url, headers: s.headers, payload: { label: 'x' } });
    assert.equal(problemOf(rename).code, 'ESIM_DELETED');
    const row = await db.selectFrom('esims').selectAll().where('id', '=', esim.id).executeTakeFirstOrThrow();
    assert.ok(row.deleted_at !== null);
    const events = await db
      .selectFrom('esim_events')
      .selectAll()
      .where('esim_id', '=', esim.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((e) => [e.from_status, e.to_status, e.actor_type, e.actor_id]),
      [
        [null, 'released', 'user', s.id],
        ['released', 'deleted', 'user', s.id],
      ],
    );
  });

  test('when another user asks for an eSIM, then every route answers 404 as for a missing one', async () => {
    const { app, db } = env();
    const owner = await registerUser(app);
    const other = await registerUser(app);
    const esim = await createEsim(app, owner);
    const url = `${ESIMS}/${esim.id}`;
    for (const [method, path, payload] of [
      ['GET', url, undefined],
      ['PATCH', url, { label: 'mine now' }],
      ['DELETE', url, undefined],
      ['GET', `${url}/qr`, undefined],
      ['GET', `${url}/qr?format=svg`, undefined],
      ['GET', `${url}/events`, undefined],
    ] as const) {
      const res = await app.inject({
        method,
        url: path,
        headers: other.headers,
        ...(payload ? { payload } : {}),
      });
      assert.equal(res.statusCode, 404, `${method} ${path}`);
      assert.equal(problemOf(res).code, 'NOT_FOUND');
      const missing = await app.inject({
        method,
        url: path.replace(esim.id, '0190a0a0-0000-7000-8000-000000000000'),
        headers: owner.headers,
        ...(payload ? { payload } : {}),
      });
      assert.equal(missing.statusCode, 404);
      assert.equal(problemOf(missing).detail, problemOf(res).detail);
    }
    const list = await app.inject({ method: 'GET', url: ESIMS, headers: other.headers });
    assert.deepEqual(list.json<{ items: unknown[] }>().items, []);
    const row = await db.selectFrom('esims').selectAll().where('id', '=', esim.id).executeTakeFirstOrThrow();
    assert.deepEqual([row.status, row.label], ['released', null]);
  });

  test('when the id is not a UUID, then 400 names the parameter', async () => {
    const { app } = env();
    const s = await registerUser(app);
    const res = await app.inject({ method: 'GET', url: `${ESIMS}/not-an-id`, headers: s.headers });
    assert.equal(res.statusCode, 400);
    assert.equal(problemOf(res).errors?.[0]?.field, 'params.id');
  });
});
