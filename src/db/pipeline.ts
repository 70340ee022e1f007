/**
 * Fewer round trips inside transactions on PostgreSQL. pg's pipeline mode lets a connection put several
 * statements on the wire before the first answer comes back; PostgreSQL still runs them one after the
 * other, in the order sent. Two kinds of statement need no answer before the next one is sent, so they
 * are held and sent together with the next statement that does (one write, one round trip):
 * - the transaction's BEGIN (its answer says nothing);
 * - a write marked with `deferredWrite` (its caller reads nothing back: an activity line, an outbox row).
 *
 * What stays the same: the statements run in the same order, in the same transaction, so a later read
 * sees a held write. An error in a held statement aborts the transaction as before; it is thrown from the
 * next statement that is waited for (or from COMMIT), so `transaction()` rolls back and retries exactly
 * as it would have. A ROLLBACK drops whatever is still held (a BEGIN never sent needs no ROLLBACK).
 * Outside a transaction every statement is sent and waited for at once, as without this.
 *
 * Measured (docs/benchmarks.md, session 8): a paid Stripe event went from 8 round trips to 5.
 */
import type pg from 'pg';

/** The last parameter of a write that may be held (see `deferrable` in index.ts); never sent. */
export const DEFERRED: unique symbol = Symbol('kswifi.deferred-write');

const BEGIN = /^\s*(begin|start\s+transaction)\b/i;
const END = /^\s*(commit|rollback|end|abort)\b/i;
const ROLLBACK = /^\s*(rollback|abort)\b/i;

type Query = (...args: unknown[]) => Promise<unknown>;
type Held = { text: string; values: unknown[] };

/** What a held statement answers at once: no rows, no count (its caller reads neither). */
const HELD_RESULT = Object.freeze({ command: undefined, rowCount: null, rows: [], fields: [] });
const BEGIN_RESULT = Object.freeze({ command: 'BEGIN', rowCount: null, rows: [], fields: [] });
const ROLLBACK_RESULT = Object.freeze({ command: 'ROLLBACK', rowCount: null, rows: [], fields: [] });

/** Statements of this connection's transactions held until the next one that is waited for, as above. */
export function holdStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as Query;
  const stream = (client as unknown as { connection: { stream: NodeJS.WritableStream & Corkable } })
    .connection.stream;
  let held: Held[] = [];
  let inTransaction = false;

  /** Sends what is held and then `args`, in one write; the first held error wins over `args`' own. */
  const sendWith = async (args: unknown[]): Promise<unknown> => {
    const sending = held;
    held = [];
    stream.cork();
    let answers: Promise<unknown>[];
    let answer: Promise<unknown>;
    try {
      answers = sending.map((h) => query(h.text, h.values));
      answer = query(...args);
    } finally {
      stream.uncork();
    }
    let failure: unknown;
    for (const a of answers) {
      try {
        await a;
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure === undefined) return answer;
    // the statements after a failed one failed too ("transaction is aborted"), or COMMIT rolled back
    await answer.catch(() => undefined);
    throw failure;
  };

  const held_ = (...args: unknown[]): Promise<unknown> => {
    const [text, values] = args;
    if (typeof text !== 'string' || args.length !== 2 || !Array.isArray(values)) {
      // not a form Kysely sends: nothing of ours is held across it
      return held.length ? sendWith(args) : query(...args);
    }
    const deferred = values.length > 0 && values[values.length - 1] === DEFERRED;
    const params = deferred ? values.slice(0, -1) : values;
    if (!inTransaction && values.length === 0 && BEGIN.test(text)) {
      inTransaction = true;
      held.push({ text, values: params });
      return Promise.resolve(BEGIN_RESULT);
    }
    if (inTransaction && deferred) {
      held.push({ text, values: params });
      return Promise.resolve(HELD_RESULT);
    }
    if (values.length === 0 && END.test(text)) {
      inTransaction = false;
      if (ROLLBACK.test(text)) {
        const begun = held.length === 0 || !BEGIN.test(held[0]!.text);
        held = [];
        // nothing was sent yet: there is no transaction on the server to roll back
        if (!begun) return Promise.resolve(ROLLBACK_RESULT);
      }
    }
    return held.length ? sendWith([text, params]) : query(text, params);
  };
  client.query = held_ as typeof client.query;
}

interface Corkable {
  cork(): void;
  uncork(): void;
}
