/**
 * Database errors that are not bugs, mapped to what the client should hear. The problem+json handler
 * (plugins/errors.ts) asks here before it falls back to a 500, so a database that refuses a value or is
 * briefly gone never answers "Internal Server Error".
 */
export interface DbProblem {
  status: number;
  code: string;
  detail: string;
  headers?: Record<string, string>;
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A value of the wrong kind for its column: PostgreSQL refuses NUL in text (22021, 22P05), text or a
 * fraction in an integer column (22P02) and a number out of the column's range (22003). The validator
 * stops all of these first; this is the second line.
 */
function badValue(code: string | undefined): DbProblem | undefined {
  if (code === '22021' || code === '22P05') {
    return {
      status: 400,
      code: 'INVALID_TEXT',
      detail: 'A text value contains characters that cannot be stored',
    };
  }
  if (code === '22P02' || code === '22003') {
    return {
      status: 422,
      code: 'CONSTRAINT_VIOLATED',
      detail: 'The database refused a value of the wrong kind',
    };
  }
  return undefined;
}

/** A constraint or column name the detail may quote: an identifier (or table.column), never SQL text. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

function named(name: unknown): string | undefined {
  return typeof name === 'string' && IDENTIFIER.test(name) ? name : undefined;
}

/**
 * A value the schema's rules refuse (CHECK: PostgreSQL 23514, SQLITE_CONSTRAINT_CHECK; NOT NULL: 23502,
 * SQLITE_CONSTRAINT_NOTNULL): the request asked for something the data may not hold, a 422 naming the
 * rule when it is known. pg gives the constraint (or table and column); SQLite says
 * "CHECK constraint failed: <name>" / "NOT NULL constraint failed: <table>.<column>".
 */
function constraintViolated(err: unknown, code: string | undefined): DbProblem | undefined {
  const check = code === '23514' || code === 'SQLITE_CONSTRAINT_CHECK';
  const notNull = code === '23502' || code === 'SQLITE_CONSTRAINT_NOTNULL';
  if (!check && !notNull) return undefined;
  const e = err as { constraint?: unknown; table?: unknown; column?: unknown; message?: unknown };
  const fromMessage =
    typeof e.message === 'string' ? /constraint failed: (.+)$/.exec(e.message)?.[1] : undefined;
  const pgColumn = named(e.table) && named(e.column) ? `${String(e.table)}.${String(e.column)}` : undefined;
  const name = check ? (named(e.constraint) ?? named(fromMessage)) : (named(pgColumn) ?? named(fromMessage));
  const detail = check
    ? `The database refused a value that breaks one of its rules${name ? ` (${name})` : ''}`
    : `The database refused to leave a required value empty${name ? ` (${name})` : ''}`;
  return { status: 422, code: 'CONSTRAINT_VIOLATED', detail };
}

/**
 * The database is gone or refuses connections for now (a restart, a failover, pg_terminate_backend, a
 * network cut): PostgreSQL's admin/crash shutdown and cannot-connect-now (57P01-03), too many connections
 * (53300), the connection-exception class (08xxx), the socket errors, and pg's and Kysely's own messages
 * for a client whose connection died. The failed transaction did not commit, or its outcome is unknown
 * (a lost COMMIT): the client retries, and writes are idempotent (event_id, Idempotency-Key).
 */
const UNAVAILABLE_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
];

function isConnectionLoss(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const code = codeOf(err);
  if (code && UNAVAILABLE_CODES.has(code)) return true;
  const message = (err as { message?: unknown }).message;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
  // a connect to several addresses fails with an AggregateError; wrapped errors carry a cause
  const inner = (err as { errors?: unknown }).errors;
  if (Array.isArray(inner) && inner.some((e) => isConnectionLoss(e, depth + 1))) return true;
  return isConnectionLoss((err as { cause?: unknown }).cause, depth + 1);
}

/** The database cannot be reached right now: 503 with Retry-After, never a 500. */
export function databaseUnavailable(err: unknown): DbProblem | undefined {
  if (!isConnectionLoss(err)) return undefined;
  return {
    status: 503,
    code: 'DATABASE_UNAVAILABLE',
    detail: 'The database is briefly unavailable; retry the request in a few seconds',
    headers: { 'retry-after': '2' },
  };
}

/** The problem for a database error, or undefined when it is unexpected (a 500). */
export function classifyDbError(err: unknown): DbProblem | undefined {
  const code = codeOf(err);
  return badValue(code) ?? constraintViolated(err, code) ?? databaseUnavailable(err);
}
