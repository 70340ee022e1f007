/**
 * The write side of the pack-list cache, on a real database of each dialect: `packsChanged` collects the
 * users a transaction names (the packs repository calls it in every write) and the sinks registered with
 * `onPacksChanged` hear them once, after the commit, and never after a rollback.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openDatabase, transaction, type DatabaseHandle } from '../../src/db/index.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { packsRepo } from '../../src/modules/packs/repository.js';
import { onPacksChanged, packsChanged } from '../../src/sessions/pack-lists.js';
import { insertPack, insertUser } from '../fixtures/admin.js';
import { DIALECTS, freshDatabaseUrl, dialectSkip } from '../helper.js';

for (const dialect of DIALECTS) {
  const skip = dialectSkip(dialect);
  describe(`packsChanged: published once per committed transaction [${dialect}]`, { skip }, () => {
    let database: DatabaseHandle;
    let url = '';
    let drop: () => Promise<void> = async () => undefined;
    const heard: string[][] = [];
    let stop: () => void = () => undefined;
    before(async () => {
      const fresh = await freshDatabaseUrl(dialect);
      drop = fresh.drop;
      url = fresh.url;
      database = openDatabase(url);
      await migrateToLatest(database.db);
      stop = onPacksChanged(database.db, (users) => heard.push([...users].sort()));
    });
    after(async () => {
      stop();
      await database?.close();
      await drop();
    });

    test('several changes in one transaction: one call after the commit, with every user once', async () => {
      heard.length = 0;
      const { db } = database;
      const [u1, u2] = [await insertUser(db), await insertUser(db)];
      const pack = await insertPack(db, u1);
      await transaction(db, async (tx) => {
        packsChanged(tx, []);
        const moved = await packsRepo.updateIf(
          tx,
          { userId: u1, id: pack, from: ['pending'], now: Date.now() },
          { name: 'renamed', updated_at: Date.now() },
        );
        assert.ok(moved, 'the repository wrote the pack');
        packsChanged(tx, [u2, 'u3']);
        packsChanged(tx, [u1, u2]);
        assert.deepEqual(heard, [], 'nothing before the commit');
      });
      assert.deepEqual(heard, [[u1, u2, 'u3'].sort()]);
    });

    test('a rolled back transaction publishes nothing', async () => {
      heard.length = 0;
      const { db } = database;
      const u1 = await insertUser(db);
      const pack = await insertPack(db, u1);
      await assert.rejects(
        transaction(db, async (tx) => {
          await packsRepo.updateIf(
            tx,
            { userId: u1, id: pack, from: ['pending'], now: Date.now() },
            { name: 'never', updated_at: Date.now() },
          );
          packsChanged(tx, ['u9']);
          throw new Error('roll back');
        }),
        /roll back/,
      );
      assert.deepEqual(heard, []);
      const row = await packsRepo.findById(db, pack);
      assert.equal(row?.name, 'Fixture pack', 'the write was rolled back');
    });

    test('outside a transaction the sinks hear at once; empty and unknown databases tell nothing', async () => {
      heard.length = 0;
      const { db } = database;
      packsChanged(db, ['x', 'y', 'x']);
      assert.deepEqual(heard, [['x', 'y']]);
      packsChanged(db, []);
      assert.equal(heard.length, 1);

      // another handle on the same database has no sink registered
      const other = openDatabase(url);
      try {
        packsChanged(other.db, ['z']);
        await transaction(other.db, async (tx) => packsChanged(tx, ['z']));
        assert.equal(heard.length, 1);
      } finally {
        await other.close();
      }
    });

    test('every registered sink hears; an unregistered one no longer does', async () => {
      heard.length = 0;
      const { db } = database;
      const second: string[][] = [];
      const stopSecond = onPacksChanged(db, (users) => second.push(users));
      await transaction(db, async (tx) => packsChanged(tx, ['a']));
      assert.deepEqual(second, [['a']]);
      assert.deepEqual(heard, [['a']]);
      stopSecond();
      await transaction(db, async (tx) => packsChanged(tx, ['b']));
      assert.deepEqual(second, [['a']], 'unregistered');
      assert.deepEqual(heard, [['a'], ['b']]);
    });
  });
}
