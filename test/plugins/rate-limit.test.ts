/**
 * Rate limits, with the in-memory store and with the Redis store: the general limit on /api per client
 * (user id when authenticated, else IP), the strict per-IP limit on the auth routes, 429 problem+json with
 * Retry-After and RateLimit-* headers, and the unlimited system routes. Each test uses its own random IP
 * and users, so counters never collide (also across runs on a shared Redis).
 * Redis: TEST_REDIS_URL (default redis://127.0.0.1:6379); skipped when unreachable, mandatory with CI=true.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { forEachDialect, problemOf, uniqueEmail } from '../helper.js';
import { REDIS_URL, redisAvailable } from '../fixtures/redis.js';

const MAX = 3;
const AUTH_MAX = 2;
const ME = '/api/v1/users/me';

const usedMarks: string[] = []; // IPs and user ids whose Redis keys this file created

function randomIp(): string {
  const ip = `10.${[0, 0, 0].map(() => Math.floor(Math.random() * 250) + 1).join('.')}`;
  usedMarks.push(ip);
  return ip;
}

/** A user made through the service, so the auth route limit on this IP is not spent on setup. */
async function newUser(app: FastifyInstance): Promise<{ id: string; authorization: string }> {
  const { user, tokens } = await app.services.auth.register(
    { email: uniqueEmail('rl'), password: 'rate limit pass 1' },
    { ip: null, userAgent: null },
  );
  usedMarks.push(user.id);
  return { id: user.id, authorization: `Bearer ${tokens.access_token}` };
}

function assertLimited(res: LightMyRequestResponse, limit: number): void {
  assert.equal(res.statusCode, 429, res.body);
  assert.equal(problemOf(res).code, 'RATE_LIMITED');
  const retryAfter = Number(res.headers['retry-after']);
  assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${String(res.headers['retry-after'])}`);
  assert.equal(res.headers['ratelimit-limit'], String(limit));
  assert.equal(res.headers['ratelimit-remaining'], '0');
  assert.ok(Number(res.headers['ratelimit-reset']) > 0);
}

function suite(store: 'memory' | 'redis'): void {
  const overrides: Record<string, string> = {
    RATE_LIMIT_MAX: String(MAX),
    AUTH_RATE_LIMIT_MAX: String(AUTH_MAX),
    ...(store === 'redis' ? { REDIS_URL } : {}),
  };
  forEachDialect(
    `http: rate limits (${store} store)`,
    ({ env }) => {
      test('when a client passes the general limit, then 429 with Retry-After and RateLimit headers', async () => {
        const { app } = env();
        const user = await newUser(app);
        const ip = randomIp();
        for (let i = 1; i <= MAX; i++) {
          const res = await app.inject({ method: 'GET', url: ME, remoteAddress: ip, headers: user });
          assert.equal(res.statusCode, 200);
          assert.equal(res.headers['ratelimit-limit'], String(MAX));
          assert.equal(res.headers['ratelimit-remaining'], String(MAX - i));
        }
        assertLimited(await app.inject({ method: 'GET', url: ME, remoteAddress: ip, headers: user }), MAX);
      });

      test('when one user is limited, then another user on the same IP is not', async () => {
        const { app } = env();
        const [a, b] = [await newUser(app), await newUser(app)];
        const ip = randomIp();
        for (let i = 0; i < MAX; i++)
          await app.inject({ method: 'GET', url: ME, remoteAddress: ip, headers: a });
        assertLimited(await app.inject({ method: 'GET', url: ME, remoteAddress: ip, headers: a }), MAX);
        const other = await app.inject({ method: 'GET', url: ME, remoteAddress: ip, headers: b });
        assert.equal(other.statusCode, 200);
      });

      test('when requests carry no or a bad token, then they count against the IP', async () => {
        const { app } = env();
        const ip = randomIp();
        const bad = { authorization: 'Bearer not.a.jwt' };
        for (let i = 0; i < MAX; i++) {
          const res = await app.inject({
            method: 'GET',
            url: ME,
            remoteAddress: ip,
            headers: i % 2 ? bad : {},
          });
          assert.equal(res.statusCode, 401);
        }
        assertLimited(await app.inject({ method: 'GET', url: ME, remoteAddress: ip, headers: bad }), MAX);
        const elsewhere = await app.inject({ method: 'GET', url: ME, remoteAddress: randomIp() });
        assert.equal(elsewhere.statusCode, 401, 'another IP has its own count');
      });

      test('when the /api limit is spent, then /health, /ready and /metrics still answer', async () => {
        const { app } = env();
        const ip = randomIp();
        for (let i = 0; i <= MAX; i++) await app.inject({ method: 'GET', url: ME, remoteAddress: ip });
        assertLimited(await app.inject({ method: 'GET', url: ME, remoteAddress: ip }), MAX);
        for (let i = 0; i < MAX * 2; i++) {
          for (const url of ['/health', '/ready', '/metrics']) {
            const res = await app.inject({ method: 'GET', url, remoteAddress: ip });
            assert.equal(res.statusCode, 200, url);
            assert.equal(res.headers['ratelimit-limit'], undefined, url);
          }
        }
      });

      test('when an IP passes the strict auth limit, then login answers 429 for that IP only', async () => {
        const { app } = env();
        const ip = randomIp();
        const payload = { email: uniqueEmail('guess'), password: 'guess number 1' };
        for (let i = 1; i <= AUTH_MAX; i++) {
          const res = await app.inject({
            method: 'POST',
            url: '/api/v1/auth/login',
            remoteAddress: ip,
            payload,
          });
          assert.equal(res.statusCode, 401);
          assert.equal(res.headers['ratelimit-limit'], String(AUTH_MAX));
        }
        assertLimited(
          await app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload }),
          AUTH_MAX,
        );
        const other = await app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: randomIp(),
          payload,
        });
        assert.equal(other.statusCode, 401);
      });

      test('when an IP registers past the strict limit, then register answers 429', async () => {
        const { app } = env();
        const ip = randomIp();
        const register = () =>
          app.inject({
            method: 'POST',
            url: '/api/v1/auth/register',
            remoteAddress: ip,
            payload: { email: uniqueEmail('burst'), password: 'burst password 1' },
          });
        for (let i = 0; i < AUTH_MAX; i++) assert.equal((await register()).statusCode, 201);
        assertLimited(await register(), AUTH_MAX);
      });

      test('when an IP spends the auth budget on login, then token and refresh answer 429 too', async () => {
        const { app } = env();
        const ip = randomIp();
        const payload = { email: uniqueEmail('spread'), password: 'guess number 1' };
        for (let i = 0; i < AUTH_MAX; i++) {
          await app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: ip, payload });
        }
        const token = await app.inject({
          method: 'POST',
          url: '/api/v1/auth/token',
          remoteAddress: ip,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: `username=${encodeURIComponent(payload.email)}&password=x`,
        });
        assertLimited(token, AUTH_MAX);
        const refresh = await app.inject({
          method: 'POST',
          url: '/api/v1/auth/refresh',
          remoteAddress: ip,
          payload: { refresh_token: 'whatever' },
        });
        assertLimited(refresh, AUTH_MAX);
      });

      test(`when two instances serve one client, then they count ${store === 'redis' ? 'together' : 'apart'}`, async () => {
        const { app } = env();
        const second = await env().newApp();
        const user = await newUser(app);
        const ip = randomIp();
        const statuses: number[] = [];
        for (let i = 0; i <= MAX; i++) {
          const target = i % 2 ? second : app;
          statuses.push(
            (await target.inject({ method: 'GET', url: ME, remoteAddress: ip, headers: user })).statusCode,
          );
        }
        if (store === 'redis') assert.deepEqual(statuses, [200, 200, 200, 429]);
        else assert.deepEqual(statuses, [200, 200, 200, 200]);
      });
    },
    overrides,
  );
}

suite('memory');
describe('with Redis', { skip: redisAvailable ? false : `Redis unreachable at ${REDIS_URL}` }, () => {
  suite('redis');

  forEachDialect('http: rate limits when Redis is down', ({ env }) => {
    test('when the Redis store is unreachable, then requests are answered promptly, unlimited', async () => {
      const app = await env().newApp({ RATE_LIMIT_MAX: '1', REDIS_URL: 'redis://127.0.0.1:1' });
      const started = performance.now();
      for (let i = 0; i < 6; i++) {
        const res = await app.inject({ method: 'GET', url: ME, remoteAddress: '10.255.0.1' });
        assert.equal(res.statusCode, 401, 'served, not limited and not failed');
      }
      const ms = performance.now() - started;
      assert.ok(ms < 1500, `6 requests took ${Math.round(ms)} ms`);
    });
  });
});

after(async () => {
  if (!redisAvailable || usedMarks.length === 0) return;
  const client = new Redis(REDIS_URL);
  try {
    const mine: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', 'kswifi-rl:*', 'COUNT', 1000);
      cursor = next;
      mine.push(...keys.filter((k) => usedMarks.some((m) => k.endsWith(`:${m}`))));
    } while (cursor !== '0');
    if (mine.length) await client.del(...mine);
  } finally {
    client.disconnect();
  }
});
