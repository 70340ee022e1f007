/**
 * Schema statements sent together (PostgreSQL, for the migrations). Inside a transaction, a statement
 * without parameters that changes the schema (create, alter, drop, comment) returns no rows, so it is
 * queued and the queue is sent as one multi-statement query just before the next statement that is not
 * one (and before commit). The migrations of a fresh database make ~170 statements, ~120 of them schema
 * changes, each its own round trip otherwise (docs/benchmarks.md, session 6). An error in a queued
 * statement surfaces at that send, still inside the migration that queued it: Kysely's Migrator records
 * each migration with an insert (it has parameters), which sends the queue first. Outside a transaction
 * every statement runs at once, as without this.
 */
import type pg from 'pg';

const SCHEMA_CHANGE = /^\s*(create|alter|drop|comment)\s/i;
const BEGIN = /^\s*(begin|start\s+transaction)\b/i;
const END = /^\s*(commit|rollback|end|abort)\b/i;
const ROLLBACK = /^\s*(rollback|abort)\b/i;

type Query = (...args: unknown[]) => unknown;

/** Makes `client` queue its schema changes inside transactions, as above. */
export function batchSchemaChanges(client: pg.PoolClient): void {
  const query = client.query.bind(client) as Query;
  let queue: string[] = [];
  let inTransaction = false;
  const flush = async () => {
    if (queue.length === 0) return;
    const text = queue.join(';\n');
    queue = [];
    await query(text);
  };
  const batched = (...args: unknown[]): unknown => {
    const [text, values] = args;
    if (typeof text !== 'string' || args.length > 2 || (values !== undefined && !Array.isArray(values))) {
      // a cursor, a query config or a callback: nothing Kysely sends, so never queued nor waited for
      if (queue.length) throw new Error('a query of another form between queued schema changes');
      return query(...args);
    }
    if (inTransaction && !(values as unknown[] | undefined)?.length && SCHEMA_CHANGE.test(text)) {
      queue.push(text);
      return Promise.resolve({ command: 'CREATE', rowCount: null, rows: [], fields: [] });
    }
    if (BEGIN.test(text)) inTransaction = true;
    else if (END.test(text)) {
      inTransaction = false;
      // a rollback discards whatever was queued: PostgreSQL would have undone it anyway
      if (ROLLBACK.test(text)) queue = [];
    }
    // sent at once when nothing is queued, so the order of this connection's writes stays as called
    return queue.length ? flush().then(() => query(...args)) : query(...args);
  };
  client.query = batched as typeof client.query;
}
