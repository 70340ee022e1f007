/**
 * /metrics: Prometheus text with process defaults, the HTTP duration histogram labelled by route template
 * and status, the database pool; guarded by METRICS_TOKEN when set.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDialect, registerUser } from '../helper.js';

const TOKEN = 'metrics-token-0123456789abcdef';

function sampleLines(text: string, metric: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${metric}{`) || l.startsWith(`${metric} `));
}

forEachDialect('http: metrics', ({ env }) => {
  test('when a route was called, then its duration is counted by route template and status', async () => {
    const { app } = env();
    const s = await registerUser(app);
    for (let i = 0; i < 2; i++)
      await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: s.headers });
    await app.inject({ method: 'GET', url: '/api/v1/users/me' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const counts = sampleLines(res.body, 'http_request_duration_seconds_count');
    assert.ok(
      counts.includes(
        'http_request_duration_seconds_count{method="GET",route="/api/v1/users/me",status_code="200"} 2',
      ),
      counts.join('\n'),
    );
    assert.ok(
      counts.includes(
        'http_request_duration_seconds_count{method="GET",route="/api/v1/users/me",status_code="401"} 1',
      ),
    );
    assert.match(res.body, /# TYPE http_request_duration_seconds histogram/);
    assert.match(
      res.body,
      /http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/api\/v1\/users\/me"/,
    );
  });

  test('when unknown URLs are called, then they share one label instead of one series each', async () => {
    const { app } = env();
    for (const id of ['a1', 'b2', 'c3']) await app.inject({ method: 'GET', url: `/api/v1/ghost/${id}` });
    const body = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.ok(!body.includes('/api/v1/ghost'), 'no raw URL in a label');
    assert.match(
      body,
      /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 3/,
    );
  });

  test('when metrics are read, then process defaults and the database pool are exported', async () => {
    const body = (await env().app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(body, /^process_cpu_user_seconds_total \d/m);
    assert.match(body, /^nodejs_eventloop_lag_seconds \d/m);
    assert.match(body, /^db_pool_connections\{state="max"\} \d+/m);
    // PostgreSQL names the statements the env has run so far (prepared.ts); SQLite has none of that
    const names = Number(/^db_prepared_statements\{kind="names"\} (\d+)/m.exec(body)?.[1]);
    if (env().dialect === 'postgres') assert.ok(names > 0, `names: ${names}`);
    else assert.equal(names, 0);
    assert.match(body, /^db_prepared_statements\{kind="resets"\} \d+/m);
  });

  test('when METRICS_TOKEN is set, then /metrics needs that bearer token', async () => {
    const app = await env().newApp({ METRICS_TOKEN: TOKEN });
    const none = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().code, 'UNAUTHENTICATED');
    assert.ok(!none.body.includes('process_cpu'));
    const wrong = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}x` },
    });
    assert.equal(wrong.statusCode, 401);
    const right = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(right.statusCode, 200);
    assert.match(right.body, /process_cpu_user_seconds_total/);
  });
});
