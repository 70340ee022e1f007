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

/** Text the database cannot store (PostgreSQL refuses NUL in text: 22021, 22P05). */
function badText(code: string | undefined): DbProblem | undefined {
  if (code === '22021' || code === '22P05') {
    return {
      status: 400,
      code: 'INVALID_TEXT',
      detail: 'A text value contains characters that cannot be stored',
    };
  }
  return undefined;
}

/** The problem for a database error, or undefined when it is unexpected (a 500). */
export function classifyDbError(err: unknown): DbProblem | undefined {
  const code = codeOf(err);
  return badText(code);
}
