/**
 * The rate-limit store's health: when Redis is down the limits fail open (served, unlimited, an
 * error log); /ready says so (`rate_limit_store: degraded`, still 200: the service can serve) and the
 * `rate_limit_store_up` gauge is 0. In memory (no REDIS_URL) the store is `off` and always up.
 * Redis: TEST_REDIS_URL (default redis://127.0.0.1:6379); skipped when unreachable, mandatory with CI=true.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createEnv, type TestEnv } from '../../helper.js';
import { REDIS_URL, redisAvailable } from '../../fixtures/redis.js';

async function readiness(app: FastifyInstance): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await app.inject({ method: 'GET', url: '/ready' });
  return { status: res.statusCode, body: res.json() };
}

async function storeUp(app: FastifyInstance): Promise<string[]> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 200);
  return res.body.split('\n').filter((l) => l.startsWith('rate_limit_store_up{'));
}

describe('readiness: the rate-limit store', () => {
  let env: TestEnv | undefined;
  before(async () => {
    env = await createEnv('sqlite');
  });
  after(async () => {
    await env?.close();
  });

  test('when the limits are in memory, then /ready says off and the store is up', async () => {
    const { app } = env!;
    assert.deepEqual(await readiness(app), {
      status: 200,
      body: {
        status: 'ready',
        database: 'ok',
        rate_limit_store: 'off',
        sessions: 'local',
        usage_feed: 'off',
      },
    });
    assert.deepEqual(await storeUp(app), ['rate_limit_store_up{store="memory"} 1']);
  });

  test('when Redis is unreachable, then /ready is still 200 but degraded, the gauge is 0, and requests are served', async () => {
    const app = await env!.newApp({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_MAX: '1' });
    assert.deepEqual(await readiness(app), {
      status: 200,
      body: {
        status: 'ready',
        database: 'ok',
        rate_limit_store: 'degraded',
        sessions: 'degraded',
        usage_feed: 'off',
      },
    });
    assert.deepEqual(await storeUp(app), ['rate_limit_store_up{store="redis"} 0']);
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/users/me', remoteAddress: '10.254.0.9' });
      assert.equal(res.statusCode, 401, 'served (fails open), not limited');
    }
  });

  test(
    'when Redis answers, then /ready says ok and the gauge is 1',
    { skip: redisAvailable ? false : `Redis unreachable at ${REDIS_URL}` },
    async () => {
      const app = await env!.newApp({ REDIS_URL });
      assert.deepEqual(await readiness(app), {
        status: 200,
        body: { status: 'ready', database: 'ok', rate_limit_store: 'ok', sessions: 'ok', usage_feed: 'off' },
      });
      assert.deepEqual(await storeUp(app), ['rate_limit_store_up{store="redis"} 1']);
    },
  );
});
