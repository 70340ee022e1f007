/**
 * The admin command line: `npm run cli -- <command> [options]`. Each command has --help. Commands share
 * the server's configuration (environment and .env).
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { openDatabase, transaction, type DatabaseHandle } from '../db/index.js';
import { migrateToLatest } from '../db/migrate.js';
import { systemClock } from '../lib/clock.js';
import { clearOldEsimKeys } from '../modules/esims/sweep.js';
import { pruneOutboxes } from '../modules/events/retention.js';
import { expireAbandonedCheckouts, runSweep } from '../modules/packs/sweep.js';
import { rollupsRepo } from '../modules/usage/rollups.repository.js';
import { PUBLISH_USAGE_USAGE, runPublishUsage } from './publish-usage.js';
import { SEED_DEMO_USAGE, runSeedDemo } from './seed-demo.js';
import { ensureAdminFromOutside } from '../modules/users/bootstrap.js';

export interface Command {
  summary: string;
  usage: string;
  options?: Record<string, { type: 'string' | 'boolean'; short?: string }>;
  run(args: {
    values: Record<string, string | boolean | undefined>;
    config: Config;
    database: DatabaseHandle;
  }): Promise<void>;
}

/** Reads a secret from stdin: a prompt on a terminal (no echo is not available portably; input is not logged), else the first line. */
async function readSecret(prompt: string): Promise<string> {
  const rl = createInterface({
    input: process.stdin,
    output: process.stdin.isTTY ? process.stderr : undefined,
    terminal: false,
  });
  if (process.stdin.isTTY) process.stderr.write(prompt);
  for await (const line of rl) {
    rl.close();
    return line.replace(/\r$/, '');
  }
  return '';
}

export const commands: Record<string, Command> = {
  migrate: {
    summary: 'apply pending database migrations',
    usage: 'migrate',
    async run({ database }) {
      const result = await migrateToLatest(database.db);
      const applied = result.results?.filter((r) => r.status === 'Success').map((r) => r.migrationName) ?? [];
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
    },
  },
  'create-admin': {
    summary: 'create an admin, or promote an existing account (password read from stdin or a prompt)',
    usage: 'create-admin --email <email>   (password: typed at the prompt, or piped on stdin)',
    options: { email: { type: 'string' } },
    async run({ values, config, database }) {
      const email = values.email;
      if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
        throw new UsageError('--email <address> is required');
      }
      const password = await readSecret('Password (8-128 characters): ');
      if (password.length < 8 || password.length > 128)
        throw new UsageError('the password must be 8 to 128 characters');
      await migrateToLatest(database.db);
      const { user, created } = await ensureAdminFromOutside(database, config, email, password, true);
      console.log(`${created ? 'created' : 'updated'} admin ${user.email} (${user.id})`);
    },
  },
  'seed-demo': {
    summary: 'add a realistic plan catalogue and a demo account with an eSIM and a pack (idempotent)',
    usage: SEED_DEMO_USAGE,
    options: { password: { type: 'string' } },
    async run({ values, config, database }) {
      try {
        console.log(await runSeedDemo(values, config, database));
      } catch (err) {
        if (err instanceof RangeError) throw new UsageError(err.message);
        throw err;
      }
    },
  },
  'publish-usage': {
    summary: 'push a file of usage records to the NATS usage feed (JSON array or one record per line)',
    usage: PUBLISH_USAGE_USAGE,
    options: { file: { type: 'string' }, url: { type: 'string' }, 'per-message': { type: 'string' } },
    async run({ values, config }) {
      try {
        console.log(await runPublishUsage(values, config));
      } catch (err) {
        if (err instanceof RangeError || err instanceof SyntaxError) throw new UsageError(err.message);
        throw err;
      }
    },
  },
  'rebuild-rollups': {
    summary: 'recompute the hourly usage rollups from the usage records (safe while the service runs)',
    usage: 'rebuild-rollups',
    async run({ database }) {
      const r = await transaction(database.db, (tx) => rollupsRepo.rebuild(tx, database.dialect));
      console.log(`rollups rebuilt: ${r.user_hours} user hours, ${r.pack_hours} pack hours`);
    },
  },
  sweep: {
    summary:
      'run the expiry sweep once (expire packs, expiry notices, free old idempotency keys of orders and eSIMs, expire abandoned checkouts, delete events, webhook deliveries and e-mails past OUTBOX_RETENTION_DAYS)',
    usage: 'sweep',
    async run({ config, database }) {
      const now = systemClock.now();
      const r = await runSweep(database.db, now);
      const checkouts = await expireAbandonedCheckouts(database.db, now, config.CHECKOUT_TTL_S * 1000);
      const esimKeys = await clearOldEsimKeys(database.db, now);
      const p = await pruneOutboxes(database.db, now, config.OUTBOX_RETENTION_DAYS);
      console.log(
        `expired: ${r.expired}, expiring notices: ${r.expiring}, keys cleared: ${r.keys_cleared}, ` +
          `checkouts expired: ${checkouts}, eSIM keys cleared: ${esimKeys}, ` +
          `deleted (retention): ${p.events} events, ${p.deliveries} webhook deliveries, ${p.mails} e-mails`,
      );
    },
  },
};

class UsageError extends Error {}

function help(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`);
  return `usage: npm run cli -- <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n<command> --help for its options`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`unknown command: ${name}\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`${command.summary}\n\nusage: npm run cli -- ${command.usage}`);
    return 0;
  }
  let config: Config;
  let values: Record<string, string | boolean | undefined>;
  try {
    config = loadConfig();
    values = parseArgs({ args: rest, options: command.options ?? {}, strict: true }).values;
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `${name}: ${(err as Error).message}`);
    return 2;
  }
  const database = openDatabase(config.DATABASE_URL, { poolMax: 4 });
  try {
    await command.run({ values, config, database });
    return 0;
  } catch (err) {
    console.error(`${name}: ${(err as Error).message}`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    await database.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
