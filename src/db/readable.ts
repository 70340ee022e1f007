/**
 * Belt and braces for readers: a row whose numbers cannot be represented (SQLite's column affinity once
 * let text or ±Infinity into an INTEGER column; the CHECK constraints of migration 0006 stop that now) is
 * skipped by list readers and reported, instead of failing the whole page for everyone.
 */

/** Every INTEGER/BIGINT column of the schema (db/types.ts); a column name means the same in every table. */
export const INTEGER_COLUMNS: ReadonlySet<string> = new Set([
  'created_at',
  'updated_at',
  'last_login_at',
  'deleted_at',
  'expires_at',
  'used_at',
  'revoked_at',
  'failures',
  'window_start',
  'locked_until',
  'data_bytes',
  'validity_days',
  'price_cents',
  'is_active',
  'amount_cents',
  'total_bytes',
  'used_bytes',
  'activated_at',
  'ended_at',
  'bytes',
  'overage_bytes',
  'occurred_at',
  'received_at',
  'read_at',
  'last_used_at',
]);

/** The first column of `row` holding a value no reader can represent, or undefined when all are fine. */
export function unreadableColumn(row: object): string | undefined {
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) return key;
    } else if (value !== null && INTEGER_COLUMNS.has(key)) {
      return key;
    }
  }
  return undefined;
}

export type UnreadableReporter = (info: { id: unknown; column: string }) => void;

let reporter: UnreadableReporter = () => undefined;

/** Where skipped rows are reported (the app sets its logger and metric at start). */
export function onUnreadableRow(fn: UnreadableReporter): void {
  reporter = fn;
}

/** `rows` without the unrepresentable ones, each of those reported once. */
export function readableRows<R extends object>(rows: R[]): R[] {
  let out: R[] | undefined;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as R;
    const column = unreadableColumn(row);
    if (column === undefined) {
      out?.push(row);
      continue;
    }
    reporter({ id: (row as { id?: unknown }).id, column });
    out ??= rows.slice(0, i);
  }
  return out ?? rows;
}
