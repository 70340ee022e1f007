/**
 * The data layer's entry: one Kysely instance over SQLite (better-sqlite3) or PostgreSQL (pg), chosen by
 * DATABASE_URL, plus the transaction helper every multi-row write goes through and the few dialect facts
 * repositories need (unique-violation detection, case-insensitive matching).
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  SqliteQueryCompiler,
  sql,
  type Compilable,
  type FunctionNode,
  type SelectQueryNode,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import { batchSchemaChanges } from './ddl-batch.js';
import { DEFERRED, holdStatements } from './pipeline.js';
import { isStalePlan, prepareStatements, StatementNames } from './prepared.js';
import type { Database } from './types.js';

export type Dialect = 'sqlite' | 'postgres';
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** What a repository function takes as its first argument: the database or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;

export interface DatabaseHandle {
  db: Db;
  dialect: Dialect;
  /** One real round trip; rejects when the database is gone. */
  ping(): Promise<void>;
  pool(): { total: number; idle: number; waiting: number; max: number };
  /** PostgreSQL's prepared statements (prepared.ts): names kept, times a connection forgot its own. */
  prepared(): { names: number; resets: number };
  close(): Promise<void>;
}

export interface DatabaseOptions {
  poolMax?: number;
  statementTimeoutMs?: number;
  onPoolError?: (err: Error) => void;
  /** PostgreSQL: queue schema changes inside transactions and send them together (see ddl-batch.ts). */
  batchSchemaChanges?: boolean;
  /** PostgreSQL: how many statement texts are kept prepared (prepared.ts); 0 or absent: none. */
  preparedStatements?: number;
  /** PostgreSQL: hold BEGIN and deferred writes until the transaction's next statement (pipeline.ts). */
  pipeline?: boolean;
}

// pg hands BIGINT (int8) and NUMERIC (sum() of bigint) back as strings; bytes and money must be numbers,
// and a value past 2^53 must fail loudly rather than round silently.
function safeNumber(text: string): number {
  const n = Number(text);
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) throw new RangeError(`integer ${text} exceeds 2^53`);
  return n;
}
pg.types.setTypeParser(20, safeNumber);
pg.types.setTypeParser(1700, safeNumber);

/** `sqlite:///rel/path.db` → rel/path.db, `sqlite:////abs/path.db` → /abs/path.db, `sqlite:///:memory:`. */
export function sqlitePathOf(url: string): string {
  const path = url.slice('sqlite:///'.length);
  if (path === ':memory:' || path === '') return ':memory:';
  return path;
}

export function dialectOf(url: string): Dialect {
  return url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
}

/**
 * better-sqlite3 prepares a statement per call inside Kysely; caching them by SQL text removes that cost
 * from every query (statements are reusable and the SQL texts of this app are a bounded set).
 */
function withStatementCache(database: SQLite.Database): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = database.prepare.bind(database);
  return new Proxy(database, {
    get(target, prop, receiver) {
      if (prop === 'prepare') {
        return (text: string) => {
          let stmt = cache.get(text);
          if (!stmt) {
            stmt = prepare(text);
            if (cache.size >= 2000) cache.delete(cache.keys().next().value as string);
            cache.set(text, stmt);
          }
          return stmt;
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const ROW_LOCKS = new Set(['ForUpdate', 'ForNoKeyUpdate', 'ForShare', 'ForKeyShare', 'NoWait', 'SkipLocked']);

/**
 * Row locks are written once, dialect-blind, as Kysely's `.forUpdate()`. PostgreSQL takes them; SQLite has
 * none and needs none (every transaction holds the database write lock from BEGIN IMMEDIATE), so its
 * compiler leaves them out. No service or repository ever asks which database it is on to lock a row.
 * Likewise `json_build_object(k, v, ...)` (one column holding several, e.g. in a RETURNING) is renamed.
 */
class LockFreeSqliteCompiler extends SqliteQueryCompiler {
  /** A JSON object is written once, as PostgreSQL's `json_build_object`; SQLite spells it `json_object`. */
  protected override visitFunction(node: FunctionNode): void {
    super.visitFunction(node.func === 'json_build_object' ? { ...node, func: 'json_object' } : node);
  }

  protected override visitSelectQuery(node: SelectQueryNode): void {
    const mods = node.endModifiers;
    if (!mods?.some((m) => m.modifier && ROW_LOCKS.has(m.modifier))) return super.visitSelectQuery(node);
    const kept = mods.filter((m) => !(m.modifier && ROW_LOCKS.has(m.modifier)));
    super.visitSelectQuery({ ...node, endModifiers: kept.length ? kept : undefined });
  }
}

/** SQLite transactions take the write lock at BEGIN, so two writers never deadlock upgrading a read lock. */
class ImmediateSqliteDialect extends SqliteDialect {
  override createQueryCompiler() {
    return new LockFreeSqliteCompiler();
  }

  override createDriver() {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

function openSqlite(url: string): DatabaseHandle {
  const path = sqlitePathOf(url);
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const raw = new SQLite(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(raw) }),
  });
  return {
    db,
    dialect: 'sqlite',
    async ping() {
      await sql`select 1`.execute(db);
    },
    pool: () => ({ total: 1, idle: 1, waiting: 0, max: 1 }),
    prepared: () => ({ names: 0, resets: 0 }), // withStatementCache prepares every text, unbounded by this
    close: () => db.destroy(),
  };
}

function openPostgres(url: string, opts: DatabaseOptions): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolMax ?? 10,
    statement_timeout: opts.statementTimeoutMs ?? 15000,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
    keepAlive: true,
    pipeline: opts.pipeline ?? false,
  });
  // A client losing its connection (a restart, a failover, pg_terminate_backend) emits 'error'. An idle
  // one is the pool's: it drops the client and re-emits on the pool. A checked-out one has no listener
  // but ours (the pool removes its own on checkout), and an 'error' event without a listener is an
  // uncaught exception that would end the process. Every client gets a listener for its whole life; the
  // query in flight fails on its own (a 503), and the pool discards the broken client on release.
  const busy = new WeakSet<pg.PoolClient>();
  const names = opts.preparedStatements ? new StatementNames(opts.preparedStatements) : undefined;
  pool.on('acquire', (client) => busy.add(client));
  pool.on('release', (_err, client) => busy.delete(client));
  pool.on('connect', (client) => {
    if (names) prepareStatements(client, names);
    if (opts.batchSchemaChanges) batchSchemaChanges(client);
    if (opts.pipeline) holdStatements(client);
    client.on('error', (err) => {
      if (busy.has(client)) opts.onPoolError?.(err); // an idle client's error is logged by the pool's
    });
  });
  pool.on('error', (err) => opts.onPoolError?.(err));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (opts.pipeline) pipelined.add(db);
  let closed = false;
  return {
    db,
    dialect: 'postgres',
    async ping() {
      await sql`select 1`.execute(db);
    },
    pool: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: opts.poolMax ?? 10,
    }),
    prepared: () => ({ names: names?.size ?? 0, resets: names?.resets ?? 0 }),
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

export function openDatabase(url: string, opts: DatabaseOptions = {}): DatabaseHandle {
  return dialectOf(url) === 'sqlite' ? openSqlite(url) : openPostgres(url, opts);
}

const afterCommit = new WeakMap<Tx, (() => void)[]>();
/** The PostgreSQL databases whose connections hold deferred writes (pipeline.ts). */
const pipelined = new WeakSet<Executor>();
const roots = new WeakMap<Tx, Db>();

/** The database a transaction of `transaction()` runs on (`db` itself when it is not such a transaction). */
export function rootOf(db: Executor): Executor {
  return (db.isTransaction && roots.get(db as Tx)) || db;
}

/**
 * Runs `callback` once the transaction `db` commits (never when it rolls back); at once when `db` is not a
 * transaction of `transaction()` (its statement has committed already). For signals only (wake a worker):
 * the callback must not throw or write.
 */
export function onCommit(db: Executor, callback: () => void): void {
  const list = db.isTransaction ? afterCommit.get(db as Tx) : undefined;
  if (list) list.push(callback);
  else if (!db.isTransaction) callback();
}

/**
 * Runs `write`, whose result its caller does not read (an insert into a log or an outbox), in `db`. In a
 * transaction of `transaction()` on PostgreSQL with DB_PIPELINE it is held and sent with the transaction's
 * next statement, one round trip fewer (pipeline.ts); an error in it fails the transaction there, so the
 * transaction still commits all or nothing. Anywhere else it runs at once.
 */
export async function deferredWrite(db: Executor, write: Compilable | CompiledQuery): Promise<void> {
  if (!db.isTransaction || !pipelined.has(rootOf(db))) {
    await db.executeQuery(write);
    return;
  }
  const compiled = 'compile' in write ? write.compile() : write;
  await db.executeQuery({ ...compiled, parameters: [...compiled.parameters, DEFERRED] });
}

const RETRYABLE_PG = new Set(['40001', '40P01']); // serialization failure, deadlock

/**
 * Runs `fn` in one transaction; everything it writes commits together or not at all. Retries a few times
 * on PostgreSQL serialization failures, deadlocks and prepared plans a schema change made stale
 * (prepared.ts), and on SQLite BUSY (another process holds the lock).
 * A transaction whose connection died (a database restart, pg_terminate_backend) is never retried here:
 * when the COMMIT itself was lost, whether it applied is unknown, and running `fn` again could apply it
 * twice. It fails (a 503 with Retry-After, see db/errors.ts) and the client retries its idempotent request.
 */
export async function transaction<T>(db: Executor, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Tx);
  for (let attempt = 1; ; attempt++) {
    const committed: (() => void)[] = [];
    try {
      const result = await (db as Db).transaction().execute((tx) => {
        afterCommit.set(tx, committed);
        roots.set(tx, db as Db);
        return fn(tx);
      });
      for (const callback of committed) callback();
      return result;
    } catch (err) {
      const code = (err as { code?: string }).code;
      const retryable = (code && RETRYABLE_PG.has(code)) || code === 'SQLITE_BUSY' || isStalePlan(err);
      if (!retryable || attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
    }
  }
}

export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Escapes LIKE wildcards in user input (both dialects use `\` with an explicit ESCAPE clause). */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
