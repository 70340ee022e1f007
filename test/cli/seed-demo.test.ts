import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commands, main } from '../../src/cli/index.js';
import { runSeedDemo } from '../../src/cli/seed-demo.js';
import { isCountryCode } from '../../src/lib/iso.js';
import { DEMO_PLANS } from '../../src/cli/demo-catalogue.js';
import { DEMO_EMAIL } from '../../src/cli/demo.js';
import { forEachDialect } from '../helper.js';

/** Runs `fn` with console.log captured. */
async function captured(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void lines.push(a.join(' '));
  try {
    return { code: await fn(), out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

test('when any command is asked for --help, then it prints its usage and exits 0', async () => {
  for (const name of Object.keys(commands)) {
    const { code, out } = await captured(() => main([name, '--help']));
    assert.equal(code, 0, name);
    assert.match(out, new RegExp(`usage: npm run cli -- ${name}`), name);
  }
  assert.ok('seed-demo' in commands);
});

test('when the demo catalogue is read, then it is realistic: valid countries, EUR/USD prices, unique codes', () => {
  assert.ok(DEMO_PLANS.length >= 8 && DEMO_PLANS.length <= 12);
  assert.equal(new Set(DEMO_PLANS.map((p) => p.code)).size, DEMO_PLANS.length);
  for (const p of DEMO_PLANS) {
    assert.match(p.code, /^[A-Z0-9][A-Z0-9_-]{1,63}$/);
    assert.ok(['EUR', 'USD'].includes(p.currency), p.code);
    assert.ok(p.price_cents > 0 && p.data_bytes > 0 && p.validity_days > 0, p.code);
    assert.ok(p.countries.length > 0 && p.countries.every(isCountryCode), p.code);
    assert.equal(new Set(p.countries).size, p.countries.length, `${p.code}: no duplicate country`);
  }
});

forEachDialect('cli seed-demo', ({ env }) => {
  test('when seed-demo runs twice, then the catalogue and the demo account exist once and the new password works', async () => {
    const { app, db, config, database } = env();
    const first = await runSeedDemo({ password: 'first demo pw' }, config, database);
    assert.match(first, /plans: 11 added, 0 refreshed/);
    const second = await runSeedDemo({ password: 'second demo pw' }, config, database);
    assert.match(second, /plans: 0 added, 11 refreshed/);
    assert.match(second, /password: second demo pw/);

    const plans = await db.selectFrom('plans').select('code').execute();
    assert.deepEqual(plans.map((p) => p.code).sort(), DEMO_PLANS.map((p) => p.code).sort());
    const users = await db.selectFrom('users').selectAll().where('email', '=', DEMO_EMAIL).execute();
    assert.equal(users.length, 1);
    const packs = await db.selectFrom('packs').selectAll().where('user_id', '=', users[0]!.id).execute();
    const esims = await db.selectFrom('esims').selectAll().where('user_id', '=', users[0]!.id).execute();
    assert.equal(packs.length, 1);
    assert.equal(esims.length, 1);
    assert.equal(packs[0]!.esim_id, esims[0]!.id, 'the pack is bound to the demo eSIM');
    assert.equal(packs[0]!.price_cents, 0);

    const old = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: DEMO_EMAIL, password: 'first demo pw' },
    });
    assert.equal(old.statusCode, 401);
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: DEMO_EMAIL, password: 'second demo pw' },
    });
    assert.equal(login.statusCode, 200, login.body);
    const headers = { authorization: `Bearer ${login.json().tokens.access_token}` };
    const mine = await app.inject({ method: 'GET', url: '/api/v1/packs', headers });
    assert.equal(mine.json().items.length, 1);
    const fr = await app.inject({ method: 'GET', url: '/api/v1/plans?country=FR' });
    const codes = fr.json().items.map((p: { code: string }) => p.code);
    assert.ok(codes.includes('FR-3GB-15D') && codes.includes('EU-5GB-30D'), codes.join(','));
  });
});
