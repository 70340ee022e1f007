/**
 * A fresh database per server start: a temp SQLite file, or a new PostgreSQL database created through the
 * maintenance connection (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres) and dropped
 * after the run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type BenchDb = 'sqlite' | 'pg';

export const PG_ADMIN_URL =
  process.env.BENCH_PG_URL ?? process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface FreshDb {
  url: string;
  drop: () => Promise<void>;
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function freshDatabase(kind: BenchDb): Promise<FreshDb> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'kswifi-bench-db-'));
    return {
      url: `sqlite:///${join(dir, 'bench.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `kswifi_bench_${Date.now()}_${process.pid}`;
  try {
    await adminQuery(`create database ${name}`);
  } catch (err) {
    throw new Error(`PostgreSQL at ${PG_ADMIN_URL}: cannot create a database: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: () => adminQuery(`drop database if exists ${name} with (force)`),
  };
}
