/**
 * Helpers for the statements of the hot write paths (usage ingestion, pack debits, the rows a purchase or
 * a paid webhook event writes): rows are sent in chunks of a fixed size, and the SQL text of each shape
 * (table, columns, row count) is built by Kysely once per dialect and then reused with fresh parameters.
 * Building a 100-row INSERT through the query builder cost ~0.4 ms, more than SQLite took to run it; a
 * one-row INSERT costs ~40 µs of the builder each time.
 */
import { CompiledQuery } from 'kysely';
import type { Database } from './types.js';
import { deferredWrite, type Executor } from './index.js';

/** Rows per multi-row statement: few distinct SQL texts (prepared once each), well under parameter limits. */
export const ROWS_PER_STATEMENT = 100;

export function* chunks<T>(items: readonly T[], size = ROWS_PER_STATEMENT): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

const texts = new WeakMap<object, Map<string, string>>();

/** The SQL text `build` compiles for this dialect, built on the first call for `key` only. */
export function cachedText(db: Executor, key: string, build: () => CompiledQuery): string {
  const dialect = db.getExecutor().adapter;
  let byKey = texts.get(dialect);
  if (!byKey) texts.set(dialect, (byKey = new Map()));
  let text = byKey.get(key);
  if (text === undefined) {
    text = build().sql;
    byKey.set(key, text);
  }
  return text;
}

type Table = keyof Database & string;

/** One chunk's INSERT (its text built once per shape: table, conflict column, columns, row count). */
function insertChunk<T extends object>(
  db: Executor,
  table: Table,
  part: T[],
  conflict?: string,
): CompiledQuery {
  const columns = Object.keys(part[0]!) as (keyof T & string)[];
  const text = cachedText(db, `insert ${table} ${conflict ?? ''} ${columns.join()} ${part.length}`, () => {
    const q = db.insertInto(table).values(part as never);
    return (conflict ? q.onConflict((oc) => oc.column(conflict as never).doNothing()) : q).compile();
  });
  const params: unknown[] = [];
  for (const row of part) for (const c of columns) params.push(row[c]);
  return CompiledQuery.raw(text, params);
}

/**
 * Multi-row INSERT of same-shaped rows (every row has the same keys, none undefined), skipping those that
 * conflict on `conflict` when given; returns how many were inserted.
 */
export async function insertRows<T extends object>(
  db: Executor,
  table: Table,
  rows: readonly T[],
  conflict?: string,
): Promise<number> {
  let inserted = 0;
  for (const part of chunks(rows)) {
    const r = await db.executeQuery(insertChunk(db, table, part, conflict));
    inserted += Number(r.numAffectedRows ?? 0n);
  }
  return inserted;
}

/**
 * The same INSERT when nothing is read back (a log line, an outbox row): in a transaction on PostgreSQL
 * it goes with the transaction's next statement (deferredWrite, pipeline.ts).
 */
export async function writeRows<T extends object>(
  db: Executor,
  table: Table,
  rows: readonly T[],
  conflict?: string,
): Promise<void> {
  for (const part of chunks(rows)) await deferredWrite(db, insertChunk(db, table, part, conflict));
}
