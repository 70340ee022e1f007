/** `seed-demo`: the demo catalogue and account (see demo.ts), through the app's own services. */
import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import type { DatabaseHandle } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { systemClock } from '../lib/clock.js';
import { randomToken } from '../lib/secrets.js';
import { DEMO_PLANS } from './demo-catalogue.js';
import { DEMO_EMAIL, seedDemo } from './demo.js';

export const SEED_DEMO_USAGE = `seed-demo [--password <8-128 characters>]

  Upserts ${DEMO_PLANS.length} catalogue plans by code (regional and global packs, EUR and USD prices) and the
  demo account ${DEMO_EMAIL} with an eSIM and a granted pack. Safe to run again: nothing is duplicated.
  The demo password is set on every run (a random one unless --password is given) and printed.`;

export async function runSeedDemo(
  values: Record<string, string | boolean | undefined>,
  config: Config,
  database: DatabaseHandle,
): Promise<string> {
  const given = values.password;
  const password = typeof given === 'string' ? given : randomToken(12);
  if (password.length < 8 || password.length > 128)
    throw new RangeError('the password must be 8 to 128 characters');
  await migrateToLatest(database.db);
  // the app's own service graph, built by its modules, on the CLI's database (no server is started)
  const app = await buildApp({ ...config, LOG_LEVEL: 'warn' }, { database });
  await app.ready();
  const { services } = app;
  const r = await seedDemo(
    {
      db: database.db,
      clock: systemClock,
      passwords: services.passwords,
      activity: services.activity,
      packs: services.packs,
      esims: services.esims,
      events: app.ctx.sessions.events,
    },
    password,
  ).finally(() => app.close());
  return [
    `plans: ${r.plans.inserted} added, ${r.plans.updated} refreshed`,
    `demo user: ${r.user.email} (${r.userCreated ? 'created' : 'already there, password reset'})`,
    `  password: ${password}`,
    `  eSIM: ${r.esimId}${r.esimIssued ? ' (issued)' : ''}`,
    `  pack: ${r.packId}${r.packGranted ? ' (granted)' : ''}`,
  ].join('\n');
}
