import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ISO_3166_1_ALPHA2,
  ISO_4217_CURRENCIES,
  isCountryCode,
  isCurrencyCode,
} from '../../../src/lib/iso.js';
import { adminSession, forEachDialect, problemOf, registerUser } from '../../helper.js';
import { GB, createPlan, planBody, type PlanJson } from '../../fixtures/packs.js';

test('when the ISO lists are read, then they hold the assigned codes and nothing else', () => {
  assert.equal(ISO_3166_1_ALPHA2.length, 249);
  assert.equal(new Set(ISO_3166_1_ALPHA2).size, 249);
  for (const c of ['FR', 'US', 'GB', 'AX', 'SS', 'BQ']) assert.ok(isCountryCode(c), c);
  for (const c of ['UK', 'XK', 'EU', 'ZZ', 'fr', 'FRA']) assert.ok(!isCountryCode(c), c);
  for (const c of ['EUR', 'USD', 'JPY', 'GBP', 'CHF', 'XOF']) assert.ok(isCurrencyCode(c), c);
  for (const c of ['XXX', 'XTS', 'XAU', 'HRK', 'eur', 'EU', 'ABC']) assert.ok(!isCurrencyCode(c), c);
  assert.equal(new Set(ISO_4217_CURRENCIES).size, ISO_4217_CURRENCIES.length);
});

forEachDialect('plans', ({ env }) => {
  test('when an admin creates a plan, then it is 201 and the public catalogue shows it', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const body = planBody({ countries: ['ES', 'FR', 'DE'] });
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/admin/plans',
      headers: admin.headers,
      payload: body,
    });
    assert.equal(res.statusCode, 201);
    const plan = res.json<PlanJson>();
    assert.equal(plan.code, body.code);
    assert.equal(plan.data_bytes, 5 * GB);
    assert.equal(plan.price_cents, 1999);
    assert.equal(plan.currency, 'EUR');
    assert.deepEqual(plan.countries, ['DE', 'ES', 'FR']);
    assert.equal(plan.is_active, true);
    assert.match(plan.created_at, /Z$/);

    const one = await app.inject({ method: 'GET', url: `/api/v1/plans/${plan.id}` });
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().code, body.code);
    const list = await app.inject({ method: 'GET', url: '/api/v1/plans?limit=200' });
    assert.ok(list.json<{ items: PlanJson[] }>().items.some((p) => p.id === plan.id));
  });

  test('when a plan has a bad currency, a bad country and other invalid fields, then 400 lists each', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/admin/plans',
      headers: admin.headers,
      payload: {
        ...planBody(),
        code: 'bad code!',
        currency: 'EUX',
        countries: ['FR', 'UK'],
        data_bytes: 0,
        validity_days: 3651,
        price_cents: -1,
        role: 'admin',
      },
    });
    assert.equal(res.statusCode, 400);
    const fields = new Set(problemOf(res).errors?.map((e) => e.field));
    for (const f of [
      'body.code',
      'body.currency',
      'body.countries.1',
      'body.data_bytes',
      'body.validity_days',
      'body.price_cents',
      'body.role',
    ]) {
      assert.ok(fields.has(f), `${f} missing from ${[...fields].join(', ')}`);
    }
    assert.ok(!fields.has('body.countries.0'));
  });

  test('when numbers are fractional, countries repeat or are empty, then the plan is refused', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    for (const bad of [
      { data_bytes: 1.5 },
      { price_cents: 10.5 },
      { countries: [] },
      { countries: ['FR', 'FR'] },
      { countries: ['fr'] },
      { currency: 'eur' },
      { name: '' },
      { code: 'A' },
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/admin/plans',
        headers: admin.headers,
        payload: planBody(bad),
      });
      assert.equal(res.statusCode, 400, JSON.stringify(bad));
      assert.equal(problemOf(res).code, 'VALIDATION_FAILED');
    }
  });

  test('when a user or an anonymous client writes the catalogue, then it is 403 or 401', async () => {
    const { app } = env();
    const user = await registerUser(app);
    const admin = await adminSession(app);
    const plan = await createPlan(app, admin);
    const asUser = await app.inject({
      method: 'POST',
      url: '/api/v1/admin/plans',
      headers: user.headers,
      payload: planBody(),
    });
    assert.equal(asUser.statusCode, 403);
    const patchAsUser = await app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/plans/${plan.id}`,
      headers: user.headers,
      payload: { is_active: false },
    });
    assert.equal(patchAsUser.statusCode, 403);
    const listAsUser = await app.inject({ method: 'GET', url: '/api/v1/admin/plans', headers: user.headers });
    assert.equal(listAsUser.statusCode, 403);
    const anonymous = await app.inject({ method: 'POST', url: '/api/v1/admin/plans', payload: planBody() });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.headers['www-authenticate'], 'Bearer');
    const still = await app.inject({ method: 'GET', url: `/api/v1/plans/${plan.id}` });
    assert.equal(still.json().is_active, true);
  });

  test('when a code is already taken, then creating or renaming to it is 409 PLAN_CODE_TAKEN', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const first = await createPlan(app, admin);
    const dup = await app.inject({
      method: 'POST',
      url: '/api/v1/admin/plans',
      headers: admin.headers,
      payload: planBody({ code: first.code }),
    });
    assert.equal(dup.statusCode, 409);
    assert.equal(problemOf(dup).code, 'PLAN_CODE_TAKEN');
    const second = await createPlan(app, admin);
    const rename = await app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/plans/${second.id}`,
      headers: admin.headers,
      payload: { code: first.code },
    });
    assert.equal(rename.statusCode, 409);
    assert.equal(problemOf(rename).code, 'PLAN_CODE_TAKEN');
  });

  test('when a plan is deactivated, then the public no longer sees it and admins still do', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const plan = await createPlan(app, admin);
    const res = await app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/plans/${plan.id}`,
      headers: admin.headers,
      payload: { is_active: false, price_cents: 2499 },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().is_active, false);
    assert.equal(res.json().price_cents, 2499);

    const one = await app.inject({ method: 'GET', url: `/api/v1/plans/${plan.id}` });
    assert.equal(one.statusCode, 404);
    assert.equal(problemOf(one).code, 'NOT_FOUND');
    const list = await app.inject({ method: 'GET', url: '/api/v1/plans?limit=200' });
    assert.ok(!list.json<{ items: PlanJson[] }>().items.some((p) => p.id === plan.id));
    const adminList = await app.inject({
      method: 'GET',
      url: '/api/v1/admin/plans?is_active=false&limit=200',
      headers: admin.headers,
    });
    const inactive = adminList.json<{ items: PlanJson[] }>().items;
    assert.ok(inactive.some((p) => p.id === plan.id));
    assert.ok(inactive.every((p) => !p.is_active));
    const adminOne = await app.inject({
      method: 'GET',
      url: `/api/v1/admin/plans/${plan.id}`,
      headers: admin.headers,
    });
    assert.equal(adminOne.json().is_active, false);

    const log = await db
      .selectFrom('activity')
      .selectAll()
      .where('target_id', '=', plan.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      log.map((a) => a.action),
      ['admin.plan_created', 'admin.plan_updated'],
    );
    assert.equal(log[1]?.actor_id, admin.id);
    assert.deepEqual(JSON.parse(log[1]?.metadata ?? '{}'), {
      before: { price_cents: 1999, is_active: true },
      after: { price_cents: 2499, is_active: false },
    });
  });

  test('when a patch is empty, unknown or changes nothing, then it is 400, 404 or a no-op', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const plan = await createPlan(app, admin);
    const empty = await app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/plans/${plan.id}`,
      headers: admin.headers,
      payload: {},
    });
    assert.equal(empty.statusCode, 400);
    const unknown = await app.inject({
      method: 'PATCH',
      url: '/api/v1/admin/plans/01900000-0000-7000-8000-000000000000',
      headers: admin.headers,
      payload: { name: 'x' },
    });
    assert.equal(unknown.statusCode, 404);
    const same = await app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/plans/${plan.id}`,
      headers: admin.headers,
      payload: { name: plan.name, countries: [...plan.countries].reverse() },
    });
    assert.equal(same.statusCode, 200);
    const updates = await db
      .selectFrom('activity')
      .select('id')
      .where('target_id', '=', plan.id)
      .where('action', '=', 'admin.plan_updated')
      .execute();
    assert.equal(updates.length, 0);
  });

  test('when the catalogue is filtered by country, then only plans covering it are listed', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    const islands = await createPlan(app, admin, { countries: ['FO', 'GL'] });
    const other = await createPlan(app, admin, { countries: ['IS'] });
    const res = await app.inject({ method: 'GET', url: '/api/v1/plans?country=GL&limit=200' });
    assert.equal(res.statusCode, 200);
    const items = res.json<{ items: PlanJson[] }>().items;
    assert.ok(items.some((p) => p.id === islands.id));
    assert.ok(!items.some((p) => p.id === other.id));
    assert.ok(items.every((p) => p.countries.includes('GL')));
    for (const bad of ['UK', 'gl', 'G', '%25', 'GL%22']) {
      const r = await app.inject({ method: 'GET', url: `/api/v1/plans?country=${bad}` });
      assert.equal(r.statusCode, 400, bad);
      assert.equal(problemOf(r).errors?.[0]?.field, 'querystring.country');
    }
  });

  test('when the catalogue is paged, then the cursor walks it without repeats and a bad one is a 400', async () => {
    const { app } = env();
    const admin = await adminSession(app);
    for (let i = 0; i < 3; i++) await createPlan(app, admin, { countries: ['LI'] });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const page = await app.inject({ method: 'GET', url: `/api/v1/plans?country=LI&limit=2${q}` });
      const body = page.json<{ items: PlanJson[]; next_cursor: string | null }>();
      seen.push(...body.items.map((p) => p.id));
      cursor = body.next_cursor;
    } while (cursor);
    assert.equal(seen.length, 3);
    assert.equal(new Set(seen).size, 3);
    assert.deepEqual([...seen].sort().reverse(), seen, 'newest first');
    const bad = await app.inject({ method: 'GET', url: '/api/v1/plans?cursor=nope' });
    assert.equal(bad.statusCode, 400);
    assert.equal(problemOf(bad).code, 'INVALID_CURSOR');
  });
});
