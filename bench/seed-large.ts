/**
 * Seeds a large database for the admin stats bench: users, one eSIM each, ~1.5 paid or granted packs per
 * user with their orders, and usage records spread over the last 90 days. Rows go straight into the
 * tables with multi-row INSERTs, many per transaction; the schema is migrated first.
 *
 *   DATABASE_URL=sqlite:///data/bench-large.db npx tsx bench/seed-large.ts --users 100000 --usage 1000000
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/kswifi_large npx tsx bench/seed-large.ts
 *
 * Deterministic (a seeded PRNG), so two runs of the same size hold the same numbers. Meant for an empty
 * database: it refuses one that already has users unless --append is given.
 */
import { parseArgs } from 'node:util';
import { openDatabase, transaction, type Db } from '../src/db/index.js';
import { migrateToLatest } from '../src/db/migrate.js';
import type { Database, EsimStatus, PackStatus, UserStatus } from '../src/db/types.js';
import { DAY_MS } from '../src/lib/clock.js';
import { rollupsRepo } from '../src/modules/usage/rollups.repository.js';
import { randomBytes } from 'node:crypto';
import { sql, type Insertable } from 'kysely';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    usage: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '500' },
    append: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (args.help) {
  console.log(
    'usage: DATABASE_URL=<url> npx tsx bench/seed-large.ts [--users N] [--usage N] [--batch N] [--append]',
  );
  process.exit(0);
}
const USERS = Number(args.users);
const USAGE = Number(args.usage);
const BATCH = Number(args.batch);
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required (sqlite:///path.db or postgres://...)');
  process.exit(2);
}

// mulberry32: small, fast, seeded
let state = 0x5eed;
function rand(): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(weighted: [T, number][]): T => {
  let r = rand();
  for (const [v, w] of weighted) if ((r -= w) < 0) return v;
  return weighted[weighted.length - 1]![0];
};
const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));

/**
 * A UUIDv7 at `ms` (lib/ids.ts keeps ids of one process increasing, which would pin every back-dated row
 * to the newest instant seen; here rows are back-dated on purpose, and 74 random bits keep them unique).
 */
function idAt(ms: number): string {
  const b = randomBytes(16);
  b.writeUIntBE(ms, 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const NOW = Date.now();
const GB = 1024 ** 3;
// any bcrypt-shaped string: these accounts never log in
const HASH = '$2b$12$benchbenchbenchbenchbeJ0Cq3rJ8bKk8yq3qg7H9oQJ3kq3N6Wu';

type Table = keyof Database;

/** Inserts `rows` in multi-row statements of BATCH rows, 20 statements per transaction. */
async function insertAll<T extends Table>(db: Db, table: T, rows: Insertable<Database[T]>[]): Promise<void> {
  const perTx = BATCH * 20;
  for (let i = 0; i < rows.length; i += perTx) {
    const slice = rows.slice(i, i + perTx);
    await transaction(db, async (tx) => {
      for (let j = 0; j < slice.length; j += BATCH) {
        // Kysely cannot relate a generic table name to its row type; the signature above checks the rows
        await tx
          .insertInto(table)
          .values(slice.slice(j, j + BATCH) as never)
          .execute();
      }
    });
  }
}

async function main(): Promise<void> {
  const database = openDatabase(url!, { poolMax: 4, statementTimeoutMs: 600_000 });
  const db = database.db;
  const t0 = performance.now();
  const lap = (what: string) =>
    console.log(`${what.padEnd(28)} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  try {
    await migrateToLatest(db);
    const present = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(present.n) > 0 && !args.append) {
      throw new Error(`the database already has ${String(present.n)} users (use --append to add more)`);
    }
    const run = Date.now().toString(36);
    // eSIM numbers continue after the ones already there (appending runs), so ICCIDs stay unique
    const esimBase = await db
      .selectFrom('esims')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const iccidOffset = Number(esimBase.n);

    const plans = Array.from({ length: 10 }, (_, i) => ({
      id: idAt(NOW - 400 * DAY_MS + i),
      code: `BENCH-${run}-${i}`.toUpperCase(),
      name: `Bench plan ${i}`,
      description: null,
      data_bytes: (i + 1) * GB,
      validity_days: [7, 15, 30][i % 3]!,
      price_cents: 500 + i * 300,
      currency: i % 2 ? 'USD' : 'EUR',
      countries: '["FR"]',
      is_active: 1,
      created_at: NOW - 400 * DAY_MS,
      updated_at: NOW - 400 * DAY_MS,
    }));
    await insertAll(db, 'plans', plans);

    // ascending creation times: ids (UUIDv7) and created_at then agree, as they do in production
    const createdTimes = Array.from({ length: USERS }, () => NOW - int(0, 365 * DAY_MS)).sort(
      (a, b) => a - b,
    );
    const users: Insertable<Database['users']>[] = [];
    for (let i = 0; i < USERS; i++) {
      const status = pick<UserStatus>([
        ['active', 0.94],
        ['suspended', 0.05],
        ['deleted', 0.01],
      ]);
      const created = createdTimes[i]!;
      const id = idAt(created);
      users.push({
        id,
        email: status === 'deleted' ? `deleted+${id}@deleted.invalid` : `bench.${run}.${i}@bench.example`,
        password_hash: HASH,
        full_name: status === 'deleted' ? null : `Bench User ${i}`,
        phone_number: null,
        role: 'user',
        status,
        created_at: created,
        updated_at: created,
        last_login_at: null,
        deleted_at: status === 'deleted' ? created + DAY_MS : null,
      });
    }
    await insertAll(db, 'users', users);
    lap(`users (${USERS})`);

    const esims: Insertable<Database['esims']>[] = users.map((u, i) => ({
      id: idAt(u.created_at),
      user_id: u.id,
      label: null,
      iccid: `8988247${String(iccidOffset + i).padStart(12, '0')}`,
      eid: null,
      status: pick<EsimStatus>([
        ['enabled', 0.6],
        ['released', 0.15],
        ['installed', 0.1],
        ['disabled', 0.1],
        ['deleted', 0.05],
      ]),
      smdp_address: 'smdp.kswifi.example',
      matching_id: `BENCH-${run}-${i}`.toUpperCase(),
      confirmation_code_hash: null,
      created_at: u.created_at,
      updated_at: u.created_at,
      deleted_at: null,
    }));
    await insertAll(db, 'esims', esims);
    lap(`esims (${esims.length})`);

    const orders: Insertable<Database['orders']>[] = [];
    const packs: Insertable<Database['packs']>[] = [];
    users.forEach((u, i) => {
      const n = int(0, 3);
      for (let k = 0; k < n; k++) {
        const plan = plans[int(0, plans.length - 1)]!;
        const granted = rand() < 0.05;
        const bought = u.created_at + int(0, NOW - u.created_at);
        const status = pick<PackStatus>([
          ['active', 0.35],
          ['pending', 0.15],
          ['depleted', 0.2],
          ['expired', 0.25],
          ['cancelled', 0.05],
        ]);
        const used =
          status === 'depleted'
            ? plan.data_bytes
            : status === 'pending' || status === 'cancelled'
              ? 0
              : int(0, plan.data_bytes);
        const orderId = idAt(bought);
        const packId = idAt(bought);
        const price = granted ? 0 : plan.price_cents;
        orders.push({
          id: orderId,
          user_id: u.id,
          plan_id: plan.id,
          status: status === 'cancelled' ? 'refunded' : 'paid',
          amount_cents: price,
          currency: plan.currency,
          idempotency_key: null,
          request_hash: null,
          pack_id: packId,
          granted_by: null,
          reason: granted ? 'bench grant' : null,
          created_at: bought,
          updated_at: bought,
        });
        const activated = status === 'pending' ? null : bought + int(0, DAY_MS);
        packs.push({
          id: packId,
          user_id: u.id,
          order_id: orderId,
          plan_id: plan.id,
          esim_id: esims[i]!.id,
          name: plan.name,
          total_bytes: plan.data_bytes,
          used_bytes: used,
          validity_days: plan.validity_days,
          price_cents: price,
          currency: plan.currency,
          status,
          created_at: bought,
          updated_at: bought,
          activated_at: activated,
          expires_at: activated === null ? null : activated + plan.validity_days * DAY_MS,
          ended_at: null,
        });
      }
    });
    await insertAll(db, 'orders', orders);
    await insertAll(db, 'packs', packs);
    lap(`orders + packs (${packs.length})`);

    // usage in chunks, so 1,000,000 records never sit in memory at once
    const chunk = BATCH * 20;
    for (let done = 0; done < USAGE; done += chunk) {
      const rows: Insertable<Database['usage_records']>[] = [];
      for (let i = done; i < Math.min(USAGE, done + chunk); i++) {
        const e = esims[int(0, esims.length - 1)]!;
        // spread evenly over the last 90 days, in ascending order like a live feed
        const at = NOW - 90 * DAY_MS + Math.floor((i * 90 * DAY_MS) / USAGE) + int(0, 999);
        rows.push({
          id: idAt(at),
          event_id: `bench-${run}-${i}`,
          esim_id: e.id,
          user_id: e.user_id,
          iccid: e.iccid ?? '',
          bytes: int(1024, 50 * 1024 * 1024),
          overage_bytes: 0,
          occurred_at: at,
          received_at: at,
        });
      }
      await insertAll(db, 'usage_records', rows);
      if ((done / chunk) % 10 === 0) lap(`usage ${done + rows.length}/${USAGE}`);
    }
    lap(`usage records (${USAGE})`);
    // the hourly rollups the engine would have written beside each record
    await transaction(db, (tx) => rollupsRepo.rebuild(tx, database.dialect));
    lap('usage rollups');
    // fresh statistics, so the planner knows the volumes (and PostgreSQL's visibility map allows
    // index-only scans)
    if (database.dialect === 'postgres') await sql`vacuum analyze`.execute(db);
    else await sql`analyze`.execute(db);
    lap('analyze');
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exit(1);
});
