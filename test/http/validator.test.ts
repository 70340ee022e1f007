/**
 * The validator stops guessing: bodies as sent, strict text → number/boolean for query and path
 * values, control characters refused in text, every number finite, every request string bounded, and
 * framework errors (bad URL, long parameter) as problem+json. Also the cases the issue found, end to end:
 * each answers a 4xx problem and stores nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coerceText, withInputPolicy } from '../../src/http/validator.js';
import {
  adminSession,
  forEachDialect,
  problemOf,
  registerUser,
  type InjectOptions,
  type Session,
} from '../helper.js';

test('query and path text becomes a number only from a plain decimal integer', () => {
  const int = new Set(['integer']);
  assert.equal(coerceText('12', int), 12);
  assert.equal(coerceText('-3', int), -3);
  assert.equal(coerceText('0', int), 0);
  for (const bad of [
    'Infinity',
    '-Infinity',
    '1e999',
    '1e3',
    'NaN',
    '0x10',
    '1.0',
    '01',
    ' 1',
    '1 ',
    '',
    '+1',
  ]) {
    assert.equal(coerceText(bad, int), undefined, bad);
  }
  // beyond 2^53 stays text, so the type check refuses it
  assert.equal(coerceText('9007199254740993', int), undefined);
  const bool = new Set(['boolean']);
  assert.equal(coerceText('true', bool), true);
  assert.equal(coerceText('false', bool), false);
  for (const bad of ['1', '0', 'TRUE', 'yes', '']) assert.equal(coerceText(bad, bool), undefined, bad);
});

test('the policy is added to a copy of the schema, never to the schema itself', () => {
  const schema = {
    type: 'object',
    properties: { a: { type: 'string' }, b: { type: 'integer' }, c: { type: 'string', 'x-multiline': true } },
  };
  const before = JSON.stringify(schema);
  const out = withInputPolicy(schema) as { properties: Record<string, Record<string, unknown>> };
  assert.equal(JSON.stringify(schema), before);
  assert.deepEqual(out.properties.a?.['x-text'], { multiline: false, capped: true });
  assert.equal(out.properties.b?.['x-finite'], true);
  assert.deepEqual(out.properties.c?.['x-text'], { multiline: true, capped: true });
});

forEachDialect('input policy', ({ env }) => {
  let admin: Session;
  let user: Session;
  let planId: string;
  const plan = {
    code: 'POLICY-1',
    name: 'Policy plan',
    data_bytes: 1_000_000,
    validity_days: 7,
    price_cents: 500,
    currency: 'EUR',
    countries: ['DE'],
  };

  const expect400 = async (opts: InjectOptions, field?: string) => {
    const res = await env().app.inject(opts);
    assert.equal(res.statusCode, 400, res.body);
    const p = problemOf(res);
    assert.ok(p.code);
    if (field)
      assert.ok(
        p.errors?.some((e) => e.field === field),
        `${field} in ${res.body}`,
      );
    return p;
  };
  const planRow = () =>
    env().db.selectFrom('plans').selectAll().where('id', '=', planId).executeTakeFirstOrThrow();

  test('setup', async () => {
    admin = await adminSession(env().app);
    user = await registerUser(env().app);
    const res = await env().app.inject({
      method: 'POST',
      url: '/api/v1/admin/plans',
      headers: admin.headers,
      payload: plan,
    });
    assert.equal(res.statusCode, 201, res.body);
    planId = res.json<{ id: string }>().id;
  });

  test('non-finite and wrongly typed numbers in a body are refused, and nothing is stored', async () => {
    const before = await planRow();
    for (const data_bytes of ['-Infinity', 'Infinity', 'NaN', '1000', null, false, 1.5, -1]) {
      await expect400(
        {
          method: 'PATCH',
          url: `/api/v1/admin/plans/${planId}`,
          headers: admin.headers,
          payload: { data_bytes },
        },
        'body.data_bytes',
      );
    }
    await expect400(
      {
        method: 'PATCH',
        url: `/api/v1/admin/plans/${planId}`,
        headers: { ...admin.headers, 'content-type': 'application/json' },
        payload: '{"data_bytes":1e999}',
      },
      'body.data_bytes',
    );
    assert.deepEqual(await planRow(), before);
    const list = await env().app.inject({ method: 'GET', url: '/api/v1/plans' });
    assert.equal(list.statusCode, 200);
  });

  test('null is not 0 and not false: price and is_active keep their types', async () => {
    await expect400(
      {
        method: 'POST',
        url: '/api/v1/admin/plans',
        headers: admin.headers,
        payload: { ...plan, code: 'POLICY-NULL', price_cents: null },
      },
      'body.price_cents',
    );
    await expect400(
      {
        method: 'PATCH',
        url: `/api/v1/admin/plans/${planId}`,
        headers: admin.headers,
        payload: { is_active: null },
      },
      'body.is_active',
    );
    const count = await env().db.selectFrom('plans').where('code', '=', 'POLICY-NULL').select('id').execute();
    assert.equal(count.length, 0);
  });

  test('a number is not a label, and a bare 0 is not an eSIM request', async () => {
    await expect400(
      { method: 'POST', url: '/api/v1/esims', headers: user.headers, payload: { label: 5 } },
      'body.label',
    );
    await expect400({
      method: 'POST',
      url: '/api/v1/esims',
      headers: { ...user.headers, 'content-type': 'application/json' },
      payload: '0',
    });
    const esims = await env().db.selectFrom('esims').where('user_id', '=', user.id).select('id').execute();
    assert.equal(esims.length, 0);
  });

  test('query numbers: only plain integers within bounds', async () => {
    for (const limit of [
      'Infinity',
      '1e999',
      'NaN',
      '0x10',
      '1.0',
      '0',
      '201',
      '-1',
      '99999999999999999999',
    ]) {
      await expect400({ method: 'GET', url: `/api/v1/plans?limit=${limit}` }, 'querystring.limit');
    }
    const ok = await env().app.inject({ method: 'GET', url: '/api/v1/plans?limit=1' });
    assert.equal(ok.statusCode, 200);
  });

  test('query booleans: only true and false', async () => {
    for (const v of ['1', 'yes', 'TRUE', '']) {
      await expect400(
        { method: 'GET', url: `/api/v1/admin/plans?is_active=${v}`, headers: admin.headers },
        'querystring.is_active',
      );
    }
    const ok = await env().app.inject({
      method: 'GET',
      url: '/api/v1/admin/plans?is_active=false',
      headers: admin.headers,
    });
    assert.equal(ok.statusCode, 200);
  });

  test('control characters are refused in every kind of text, naming the field', async () => {
    await expect400(
      {
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'a\u0000@example.test', password: 'x12345678' },
      },
      'body.email',
    );
    await expect400(
      {
        method: 'PATCH',
        url: '/api/v1/users/me',
        headers: user.headers,
        payload: { full_name: 'Ann\u0000' },
      },
      'body.full_name',
    );
    await expect400(
      {
        method: 'PATCH',
        url: `/api/v1/admin/plans/${planId}`,
        headers: admin.headers,
        payload: { name: 'a\u001bb' },
      },
      'body.name',
    );
    await expect400(
      { method: 'POST', url: '/api/v1/admin/api-keys', headers: admin.headers, payload: { name: 'k\u0000' } },
      'body.name',
    );
    await expect400(
      { method: 'GET', url: '/api/v1/admin/users?query=a%00b', headers: admin.headers },
      'querystring.query',
    );
    assert.equal((await planRow()).name, plan.name);
  });

  test('a description may hold line breaks, but not other control characters', async () => {
    const url = `/api/v1/admin/plans/${planId}`;
    const ok = await env().app.inject({
      method: 'PATCH',
      url,
      headers: admin.headers,
      payload: { description: 'Line one\nLine two\tend' },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json<{ description: string }>().description, 'Line one\nLine two\tend');
    await expect400(
      { method: 'PATCH', url, headers: admin.headers, payload: { description: 'a\u0000b' } },
      'body.description',
    );
    await expect400({ method: 'PATCH', url, headers: admin.headers, payload: { name: 'a\nb' } }, 'body.name');
  });

  test('a string with no length of its own is still bounded', async () => {
    await expect400(
      { method: 'GET', url: `/api/v1/admin/activity?from=${'2'.repeat(50)}`, headers: admin.headers },
      'querystring.from',
    );
  });

  test('malformed paths answer problem+json with a stable code', async () => {
    const bad = await env().app.inject({ method: 'GET', url: '/api/v1/packs/%zz', headers: user.headers });
    assert.equal(bad.statusCode, 400);
    assert.equal(problemOf(bad).code, 'BAD_URL');
    const long = await env().app.inject({
      method: 'GET',
      url: `/api/v1/packs/${'a'.repeat(4000)}`,
      headers: user.headers,
    });
    assert.ok(long.statusCode >= 400 && long.statusCode < 500, String(long.statusCode));
    assert.equal(problemOf(long).code, 'PATH_PARAMETER_TOO_LONG');
    const notUuid = await env().app.inject({
      method: 'GET',
      url: '/api/v1/packs/not-a-uuid',
      headers: user.headers,
    });
    assert.equal(notUuid.statusCode, 400);
    assert.ok(problemOf(notUuid).errors?.some((e) => e.field === 'params.id'));
  });

  test('an email is one account however its letters are encoded (NFC) or cased', async () => {
    const tag = Date.now().toString(36);
    const decomposed = `Jose\u0301.${tag}@Example.test`; // e + combining acute
    const composed = `jos\u00e9.${tag}@example.TEST`;
    const reg = await env().app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: decomposed, password: 'correct horse 1' },
    });
    assert.equal(reg.statusCode, 201, reg.body);
    assert.equal(reg.json<{ user: { email: string } }>().user.email, `jos\u00e9.${tag}@example.test`);
    const login = await env().app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: composed, password: 'correct horse 1' },
    });
    assert.equal(login.statusCode, 200, login.body);
    const again = await env().app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: composed, password: 'correct horse 1' },
    });
    assert.equal(again.statusCode, 409, again.body);
  });
});
