/**
 * Migration 0015 (payments): orders take the `expired` status and the provider columns while keeping their
 * rows, indexes and checks; it goes down and up again on both dialects.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle, type Dialect } from '../../src/db/index.js';
import { migrateToLatest, migratorFor } from '../../src/db/migrate.js';
import { newId } from '../../src/lib/ids.js';
import { DIALECTS, freshDatabaseUrl, dialectSkip } from '../helper.js';

const NAME = '2026_12_03_0015_payments';

for (const dialect of DIALECTS as Dialect[]) {
  const skip = dialectSkip(dialect);
  describe(`db: payments migration [${dialect}]`, { skip }, () => {
    let database: DatabaseHandle;
    let drop: () => Promise<void>;
    before(async () => {
      const fresh = await freshDatabaseUrl(dialect);
      drop = fresh.drop;
      database = openDatabase(fresh.url);
    });
    after(async () => {
      await database?.close();
      await drop?.();
    });

    const order = (userId: string, status: string) =>
      sql`insert into orders (id, user_id, status, amount_cents, currency, created_at, updated_at)
          values (${newId()}, ${userId}, ${status}, 100, 'EUR', 1, 1)`.execute(database.db);

    test('when it runs over existing orders, then they keep their rows and expired becomes allowed', async () => {
      const m = migratorFor(database.db);
      const r = await m.migrateTo('2026_12_02_0007_alerts');
      assert.equal(r.error, undefined);
      const userId = newId();
      await sql`insert into users (id, email, password_hash, role, status, created_at, updated_at)
                values (${userId}, ${`${userId}@example.test`}, 'x', 'user', 'active', 1, 1)`.execute(
        database.db,
      );
      await order(userId, 'paid');
      await assert.rejects(order(userId, 'expired'));
      await migrateToLatest(database.db);
      await order(userId, 'expired');
      await assert.rejects(order(userId, 'lost'));
      const rows = await database.db.selectFrom('orders').select(['status', 'disputed']).execute();
      assert.deepEqual(rows.map((o) => o.status).sort(), ['expired', 'paid']);
      assert.ok(rows.every((o) => Number(o.disputed) === 0));
      await assert.rejects(sql`update orders set disputed = 2`.execute(database.db), 'disputed is a flag');
    });

    test('when it goes down and up again, then the schema comes back', async () => {
      await sql`delete from orders where status = 'expired'`.execute(database.db);
      const m = migratorFor(database.db);
      // down to the migration before it (later ones go down first)
      const down = await m.migrateTo('2026_12_03_0014_events');
      assert.equal(down.error, undefined);
      assert.equal(down.results?.at(-1)?.migrationName, NAME);
      assert.equal(down.results?.at(-1)?.direction, 'Down');
      const up = await migrateToLatest(database.db);
      assert.equal(up.error, undefined);
      const tables = (await database.db.introspection.getTables()).map((t) => t.name);
      assert.ok(tables.includes('payment_events') && tables.includes('refund_outbox'));
    });
  });
}
