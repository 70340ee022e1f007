/**
 * What the database alone allows for usage ingestion: the usage engine called straight (no HTTP, no NATS,
 * no JSON), on a fresh database with --esims eSIMs each holding one large active pack, by --writers
 * concurrent writers each ingesting --rounds batches of --batch records (one transaction per batch).
 * With --disjoint each writer has its own eSIMs (what the feed's partitions give); without, every writer
 * spreads over all of them (what instances sharing packs get). Prints records/s and checks that the packs'
 * used bytes equal the bytes sent. With --statements, the time spent in each kind of statement.
 *
 *   npx tsx bench/engine-ceiling.ts [--db pg|sqlite] [--writers 1] [--disjoint] [--batch 1000] [--rounds 10]
 *     [--esims 1000] [--statements]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/db/index.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { systemClock } from '../src/lib/clock.js';
import { UsageEngine, type UsageInput } from '../src/modules/usage/engine.js';
import { seedFleet } from '../test/fixtures/usage.js';
import { freshDatabase, type BenchDb } from './db.js';
import { cpuSample, cpuShares } from './proc.js';

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'pg' },
    writers: { type: 'string', default: '1' },
    disjoint: { type: 'boolean', default: false },
    batch: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '10' },
    esims: { type: 'string', default: '1000' },
    statements: { type: 'boolean', default: false },
  },
});
const WRITERS = Number(args.writers);
const BATCH = Number(args.batch);
const ROUNDS = Number(args.rounds);
const ESIMS = Number(args.esims);

/** Time per statement kind (the first 60 characters of its SQL), measured around pg's Client.query. */
const statements = new Map<string, { n: number; ms: number }>();
function timeStatements(): void {
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...a: unknown[]) {
    const first = a[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : (first?.text ?? '?');
    const key = text.replace(/\s+/g, ' ').slice(0, 60);
    const t0 = performance.now();
    const r = original.apply(this, a) as Promise<unknown> | undefined;
    void r?.then?.(
      () => {
        const s = statements.get(key) ?? { n: 0, ms: 0 };
        s.n++;
        s.ms += performance.now() - t0;
        statements.set(key, s);
      },
      () => undefined,
    );
    return r;
  };
}

async function main(): Promise<void> {
  const fresh = await freshDatabase(args.db as BenchDb);
  // as the server does (DB_PREPARED_STATEMENTS, default 256; 0 sends every statement unnamed)
  const prepared = Number(process.env.DB_PREPARED_STATEMENTS ?? 256);
  const h = openDatabase(fresh.url, { poolMax: Math.max(4, WRITERS + 1), preparedStatements: prepared });
  try {
    await migrateToLatest(h.db);
    const now = Date.now();
    const iccids = await seedFleet(h.db, ESIMS, now);
    const engine = new UsageEngine(h.db, systemClock, { groupCommit: h.pool().max === 1 });
    if (args.statements) timeStatements();
    const at = new Date(now - 60_000).toISOString();
    const share = args.disjoint ? Math.floor(ESIMS / WRITERS) : ESIMS;
    let sent = 0;
    let next = 0;
    const writer = async (w: number) => {
      for (let r = 0; r < ROUNDS; r++) {
        const records: UsageInput[] = [];
        for (let i = 0; i < BATCH; i++) {
          const k = next++;
          const esim = args.disjoint ? w * share + (k % share) : k % ESIMS;
          const bytes = 1 + (k % 97);
          sent += bytes;
          records.push({ event_id: `e${k}`, iccid: iccids[esim]!, bytes, occurred_at: at });
        }
        const out = await engine.ingest(records, { chunk: BATCH });
        if (out.accepted !== BATCH) throw new Error(`accepted ${out.accepted} of ${BATCH}`);
      }
    };
    const cpu0 = cpuSample();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuShares(cpu0, 3);
    const used = await h.db
      .selectFrom('packs')
      .select((eb) => eb.fn.sum<number>('used_bytes').as('s'))
      .executeTakeFirstOrThrow();
    const result = {
      db: args.db,
      writers: WRITERS,
      disjoint: args.disjoint,
      batch: BATCH,
      records: WRITERS * ROUNDS * BATCH,
      records_per_s: Math.round((WRITERS * ROUNDS * BATCH) / seconds),
      exact: Number(used.s) === sent,
      cpu_busy_pct: cpu.busy_pct,
      cpu_by_command_pct: cpu.by_command_pct,
    };
    console.log(JSON.stringify(result));
    if (args.statements)
      for (const [k, v] of [...statements].sort((a, b) => b[1].ms - a[1].ms).slice(0, 12))
        console.log(`${v.ms.toFixed(0).padStart(7)} ms ${String(v.n).padStart(6)}x  ${k}`);
    if (!result.exact) process.exitCode = 1;
  } finally {
    await h.close();
    await fresh.drop();
  }
}

await main();
