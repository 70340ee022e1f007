/**
 * The one pagination scheme: keyset on the UUIDv7 id (time-ordered and unique, so ties in timestamps
 * cannot reorder or repeat items). The cursor is the last id of a page, base64url-wrapped so clients
 * treat it as opaque.
 */
import { readableRows } from '../db/readable.js';
import { badRequest } from '../errors.js';
import { UUID_PATTERN } from './ids.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

const ID_RE = new RegExp(UUID_PATTERN);

export function encodeCursor(id: string): string {
  return Buffer.from(`v1:${id}`).toString('base64url');
}

/** The id after which the next page starts, or undefined for the first page; a bad cursor is a 400. */
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith('v1:') ? text.slice(3) : '';
  if (!ID_RE.test(id)) {
    throw badRequest('INVALID_CURSOR', 'cursor is not valid', [
      { field: 'querystring.cursor', message: 'not a cursor returned by this API' },
    ]);
  }
  return id;
}

/**
 * Rows fetched with `limit + 1` → a page, with the cursor set only when more rows exist. A row that cannot
 * be represented is left out (and reported), so one bad row never takes the whole list down.
 */
export function toPage<R extends { id: string }, T>(rows: R[], limit: number, map: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: readableRows(kept).map(map), next_cursor: more && last ? encodeCursor(last.id) : null };
}
