/**
 * Prepared statements on PostgreSQL. Kysely sends every statement unnamed, so PostgreSQL parses, analyses
 * and plans it anew on each call. Here each parameterised SQL text gets a name (one per text, shared by
 * the process's connections), and pg then parses it once per connection and afterwards sends only the
 * values (Bind/Execute). That took about a quarter off PostgreSQL's CPU per webhook event
 * (docs/benchmarks.md, session 7).
 *
 * Bounded on both sides:
 * - The process keeps names for the `max` most recently used texts (an LRU). A text that drops out gets a
 *   new name if it comes back; statements whose text varies with a list's length come and go this way.
 * - A connection that has prepared more than `max` statements, or more than 1 MB of SQL text, forgets them
 *   all (`DEALLOCATE ALL`) before its next statement outside a transaction, so no backend holds more
 *   than about that many plans.
 *
 * Plans made stale by a schema change: PostgreSQL re-plans a prepared statement by itself when a table it
 * reads changes, but refuses one whose result columns would change (`select *` after `add column`, e.g.
 * when another instance runs a migration): "cached plan must not change result type". Then every
 * connection of the process forgets its statements before its next statement outside a transaction; the
 * failed statement is sent again at once when it ran on its own, and a transaction that hit it fails
 * with an error `transaction()` retries (isStalePlan).
 *
 * `max = 0` turns this off (each statement unnamed, as Kysely sends it): needed behind a connection pooler
 * that moves a session's statements between server connections (PgBouncer in transaction mode before
 * 1.21, or without `max_prepared_statements`).
 */
import type pg from 'pg';
import { LruCache } from '../lib/lru.js';

type Query = (...args: unknown[]) => Promise<unknown>;

const BEGIN = /^\s*(begin|start\s+transaction)\b/i;
const END = /^\s*(commit|rollback|end|abort)\b/i;
/** SQL text a connection may have prepared before it forgets its statements (plans grow with it). */
const CONNECTION_TEXT_BYTES = 1024 * 1024;

/** PostgreSQL's refusal to run a prepared statement whose result columns changed since it was prepared. */
export function isStalePlan(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === '0A000' && /cached plan must not change result type/.test(e.message ?? '');
}

/** The names of one process's statements, and when its connections must forget theirs. */
export class StatementNames {
  private readonly names: LruCache<string, string>;
  private next = 0;
  /** Bumped when a plan went stale: each connection forgets its statements once it sees a new value. */
  generation = 0;
  resets = 0;

  constructor(readonly max: number) {
    this.names = new LruCache({ maxEntries: max, maxBytes: 8 * 1024 * 1024, sizeOf: (t) => t.length });
  }

  get size(): number {
    return this.names.size;
  }

  /** The name for `text` (the same one while it stays among the `max` most recently used). */
  of(text: string): string {
    let name = this.names.get(text);
    if (name === undefined) {
      name = `k${(this.next++).toString(36)}`;
      this.names.set(text, name);
    }
    return name;
  }
}

interface ConnectionState {
  inTransaction: boolean;
  prepared: number;
  bytes: number;
  generation: number;
}

/** pg's record of what a connection has prepared (internal to pg, stable across 8.x). */
type Parsed = { parsedStatements: Record<string, string>; submittedNamedStatements: Record<string, string> };

/** Makes `client` send its parameterised statements named (see above). */
export function prepareStatements(client: pg.PoolClient, names: StatementNames): void {
  const query = client.query.bind(client) as Query;
  const state: ConnectionState = {
    inTransaction: false,
    prepared: 0,
    bytes: 0,
    generation: names.generation,
  };
  const parsed = (client as unknown as { connection: Parsed }).connection;

  const mustForget = () =>
    state.prepared > names.max ||
    state.bytes > CONNECTION_TEXT_BYTES ||
    state.generation !== names.generation;
  // forgets at once and sends DEALLOCATE ALL without waiting: what is sent after it on this connection
  // (pg keeps the order, pipelined or not) is parsed again, after the server has dropped the old plans
  const forgetAll = (): Promise<unknown> => {
    state.prepared = 0;
    state.bytes = 0;
    state.generation = names.generation;
    names.resets++;
    parsed.parsedStatements = {};
    parsed.submittedNamedStatements = {};
    return query('deallocate all');
  };

  const run = async (text: string, values: unknown[]): Promise<unknown> => {
    const outside = !state.inTransaction;
    if (outside && mustForget()) await forgetAll();
    const name = names.of(text);
    if (parsed.parsedStatements[name] === undefined && parsed.submittedNamedStatements[name] === undefined) {
      state.prepared++;
      state.bytes += text.length;
    }
    try {
      return await query({ name, text, values });
    } catch (err) {
      if (!isStalePlan(err)) throw err;
      names.generation++;
      if (!outside) throw err; // the transaction is aborted: transaction() runs it again
      await forgetAll();
      return query({ name, text, values });
    }
  };

  const named = (...args: unknown[]): unknown => {
    const [text, values] = args;
    if (typeof text !== 'string' || args.length !== 2 || !Array.isArray(values)) return query(...args);
    if (values.length > 0) return run(text, values);
    if (BEGIN.test(text)) {
      const stale = mustForget();
      state.inTransaction = true;
      if (stale) {
        // both sent now, in this order: BEGIN may be pipelined with the statement after it (pipeline.ts)
        return Promise.all([forgetAll(), query(text, values)]).then((answers) => answers[1]);
      }
    } else if (END.test(text)) state.inTransaction = false;
    return query(text, values);
  };
  client.query = named as typeof client.query;
}
