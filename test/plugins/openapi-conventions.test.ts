/**
 * The conventions every operation of /openapi.json follows (src/plugins/openapi-conventions.ts): a stable
 * camelCase operationId, explicit security that matches what the route does, the common client errors,
 * and `servers`. The checks walk the whole document, so a route added by any module is held to them.
 * HTTP-layer only, so one (SQLite) environment is enough.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { operationIdOf } from '../../src/plugins/openapi-conventions.js';
import { createEnv, type TestEnv } from '../helper.js';

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
}
interface Doc {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const SAMPLE_ID = '01900000-0000-7000-8000-000000000000';

describe('http: OpenAPI conventions', () => {
  let env: TestEnv;
  let doc: Doc;
  const operations: { method: string; path: string; op: Operation }[] = [];
  before(async () => {
    env = await createEnv('sqlite');
    doc = (await env.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(item))
        if (METHODS.includes(method)) operations.push({ method, path, op });
  });
  after(async () => env?.close());

  test('when a route gives no operationId, then one is derived from its method and path', () => {
    assert.equal(operationIdOf('GET', '/api/v1/packs'), 'listPacks');
    assert.equal(operationIdOf('GET', '/api/v1/packs/:id'), 'getPack');
    assert.equal(operationIdOf('POST', '/api/v1/packs'), 'createPack');
    assert.equal(operationIdOf('POST', '/api/v1/packs/:id/cancel'), 'cancelPack');
    assert.equal(operationIdOf('GET', '/api/v1/packs/:id/usage'), 'getPackUsage');
    assert.equal(operationIdOf('PATCH', '/api/v1/admin/plans/:id'), 'updateAdminPlan');
    assert.equal(operationIdOf('DELETE', '/api/v1/admin/api-keys/:id'), 'deleteAdminApiKey');
    assert.equal(operationIdOf('GET', '/api/v1/admin/esims'), 'listAdminEsims');
    assert.equal(operationIdOf('POST', '/api/v1/webhooks/stripe'), 'postWebhooksStripe');
    assert.equal(
      operationIdOf('POST', '/api/v1/payments/checkout-sessions'),
      'createPaymentsCheckoutSession',
    );
    assert.equal(
      operationIdOf('POST', '/api/v1/admin/webhooks/:id/rotate-secret'),
      'rotateSecretAdminWebhook',
    );
    assert.equal(operationIdOf('GET', '/health'), 'getHealth');
  });

  test('when the document is read, then every operation has a unique camelCase operationId', () => {
    const seen = new Set<string>();
    assert.ok(operations.length > 40);
    for (const { method, path, op } of operations) {
      assert.match(op.operationId ?? '', /^[a-z][A-Za-z0-9]*$/, `${method} ${path}`);
      assert.ok(!seen.has(op.operationId!), `duplicate operationId ${op.operationId}`);
      seen.add(op.operationId!);
    }
  });

  test('when clients are generated, then the operationIds they were built on stay the same', () => {
    const id = (method: string, path: string) => doc.paths[path]?.[method]?.operationId;
    assert.equal(id('post', '/api/v1/auth/login'), 'logIn');
    assert.equal(id('get', '/api/v1/users/me'), 'getMe');
    assert.equal(id('get', '/api/v1/plans'), 'listPlans');
    assert.equal(id('post', '/api/v1/packs'), 'createPack');
    assert.equal(id('get', '/api/v1/esims/{id}/qr'), 'getEsimQr');
    assert.equal(id('post', '/api/v1/usage/records'), 'ingestUsageRecords');
  });

  test('when the document is read, then it names its server and every operation its security', () => {
    assert.deepEqual(
      doc.servers?.map((s) => s.url),
      ['/'],
    );
    for (const { method, path, op } of operations) assert.ok(Array.isArray(op.security), `${method} ${path}`);
    assert.deepEqual(doc.paths['/api/v1/plans']?.get?.security, []);
    assert.deepEqual(doc.paths['/api/v1/auth/login']?.post?.security, []);
  });

  test('when an operation needs credentials, then it documents 401 and under /api also 429', () => {
    for (const { method, path, op } of operations) {
      if (op.security?.length) assert.ok(op.responses['401'], `${method} ${path} 401`);
      if (path.startsWith('/api/')) assert.ok(op.responses['429'], `${method} ${path} 429`);
    }
  });

  test('when each operation is called without credentials, then it does what its security says', async () => {
    for (const { method, path, op } of operations) {
      const url = path.replace(/\{[^}]+\}/g, SAMPLE_ID);
      const res = await env.app.inject({ method: method.toUpperCase(), url });
      const bearerRefusal = res.statusCode === 401 && /bearer/i.test(String(res.headers['www-authenticate']));
      if (op.security?.length)
        assert.equal(res.statusCode, 401, `${method} ${path} is documented as guarded`);
      else assert.ok(!bearerRefusal, `${method} ${path} is documented as public but asks for a bearer token`);
    }
  });
});
