/**
 * The OpenAPI 3.1 document generated from the route schemas, and the interactive docs page. HTTP-layer
 * only, so one (SQLite) environment is enough.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createEnv, type TestEnv } from '../helper.js';

interface Operation {
  requestBody?: {
    content: Record<
      string,
      { schema: { properties?: Record<string, unknown>; additionalProperties?: boolean } }
    >;
  };
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  security?: unknown[];
}
interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { properties?: Record<string, unknown> }>;
    securitySchemes: Record<string, unknown>;
  };
}

describe('http: API documentation', () => {
  let env: TestEnv;
  let doc: OpenApi;
  before(async () => {
    env = await createEnv('sqlite');
    const res = await env.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    doc = res.json();
  });
  after(async () => env?.close());

  test('when /openapi.json is read, then it is an OpenAPI 3.1 document', () => {
    assert.equal(doc.openapi, '3.1.0');
  });

  test('when the auth and users paths are listed, then each operation of the contract is there', () => {
    const expected: [string, string][] = [
      ['/api/v1/auth/register', 'post'],
      ['/api/v1/auth/login', 'post'],
      ['/api/v1/auth/token', 'post'],
      ['/api/v1/auth/refresh', 'post'],
      ['/api/v1/auth/logout', 'post'],
      ['/api/v1/users/me', 'get'],
      ['/api/v1/users/me', 'patch'],
      ['/api/v1/users/me/password', 'post'],
      ['/api/v1/users/me/activity', 'get'],
    ];
    for (const [path, method] of expected) assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
  });

  test('when register is documented, then its body schema is the one that validates requests', () => {
    const body = doc.paths['/api/v1/auth/register']?.post?.requestBody?.content['application/json']?.schema;
    assert.ok(body);
    assert.deepEqual(Object.keys(body.properties ?? {}).sort(), [
      'email',
      'full_name',
      'password',
      'phone_number',
    ]);
    assert.equal(body.additionalProperties, false);
    const created = doc.paths['/api/v1/auth/register']?.post?.responses['201'];
    assert.match(JSON.stringify(created), /#\/components\/schemas\/User/);
    assert.match(JSON.stringify(doc.paths['/api/v1/auth/register']?.post?.responses['409']), /Problem/);
  });

  test('when the token route is documented, then it takes a form, as the Authorize button sends', () => {
    const content = doc.paths['/api/v1/auth/token']?.post?.requestBody?.content ?? {};
    assert.deepEqual(Object.keys(content), ['application/x-www-form-urlencoded']);
    assert.match(JSON.stringify(doc.components.securitySchemes), /"tokenUrl":"\/api\/v1\/auth\/token"/);
  });

  test('when shared schemas are referenced, then they appear under their own names', () => {
    for (const name of ['User', 'Tokens', 'Problem', 'Activity'])
      assert.ok(doc.components.schemas[name], name);
    assert.ok(!Object.keys(doc.components.schemas).some((n) => n.startsWith('def-')));
    assert.equal(doc.components.schemas.User?.properties?.password_hash, undefined);
  });

  test('when a users route is documented, then it declares bearer security', () => {
    // the same token from the docs page's OAuth2 password flow is accepted too
    assert.deepEqual(doc.paths['/api/v1/users/me']?.get?.security, [{ bearerAuth: [] }, { oauth2: [] }]);
  });

  test('when error answers are documented, then as application/problem+json and success as JSON', () => {
    const raw = doc as unknown as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: object }> }>>;
    };
    let errors = 0;
    for (const operations of Object.values(raw.paths)) {
      for (const op of Object.values(operations)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (!response.content) continue;
          const types = Object.keys(response.content);
          if (Number(status) >= 400) {
            errors += 1;
            assert.deepEqual(types, ['application/problem+json'], status);
          }
        }
      }
    }
    assert.ok(errors > 50, `error answers documented: ${errors}`);
    const me = raw.paths['/api/v1/users/me']?.get?.responses['200']?.content ?? {};
    assert.deepEqual(Object.keys(me), ['application/json']);
  });

  test('when /docs is opened, then an HTML page answers', async () => {
    const res = await env.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /<html/i);
    const init = await env.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    assert.equal(init.statusCode, 200, 'the page script loads');
  });
});
