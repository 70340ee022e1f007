/**
 * Migrations: the same files build the schema on both dialects, and applying them again is a no-op.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type DatabaseHandle, type Dialect } from '../../src/db/index.js';
import { migrateToLatest, migrationState, migratorFor } from '../../src/db/migrate.js';
import { DIALECTS, freshDatabaseUrl, dialectSkip } from '../helper.js';

/** Tables with their columns, and the indexes with their definitions: what a migration can change. */
async function schemaOf(database: DatabaseHandle): Promise<unknown> {
  const tables = (await database.db.introspection.getTables({ withInternalKyselyTables: true }))
    .map((t) => ({
      name: t.name,
      columns: t.columns
        .map(
          (c) => `${c.name}:${c.dataType}:${c.isNullable ? 'null' : 'not null'}:${String(c.hasDefaultValue)}`,
        )
        .sort(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const indexes =
    database.dialect === 'sqlite'
      ? await sql<{ name: string; def: string | null }>`
          select name, sql as def from sqlite_master where type = 'index' order by name`.execute(database.db)
      : await sql<{ name: string; def: string }>`
          select indexname as name, indexdef as def from pg_indexes where schemaname = 'public' order by indexname`.execute(
          database.db,
        );
  return { tables, indexes: indexes.rows };
}

for (const dialect of DIALECTS as Dialect[]) {
  const skip = dialectSkip(dialect);
  describe(`db: migrations [${dialect}]`, { skip }, () => {
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

    test('when a fresh database is migrated, then every migration applies successfully', async () => {
      assert.deepEqual(await migrationState(database.db, dialect), { fresh: true, current: false });
      const known = await migratorFor(database.db).getMigrations();
      const result = await migrateToLatest(database.db);
      assert.equal(result.error, undefined);
      assert.deepEqual(
        result.results?.map((r) => [r.migrationName, r.status]),
        known.map((m) => [m.name, 'Success']),
      );
      const tables = (await database.db.introspection.getTables()).map((t) => t.name);
      for (const t of ['users', 'refresh_tokens', 'login_throttle', 'activity'])
        assert.ok(tables.includes(t), t);
    });

    test('when the migrations run a second time, then nothing applies and the schema is unchanged', async () => {
      const before = await schemaOf(database);
      const runs = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(database.db);
      const result = await migrateToLatest(database.db);
      assert.deepEqual(result.results, []);
      assert.deepEqual(await schemaOf(database), before);
      const again = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(database.db);
      assert.equal(Number(again.rows[0]?.n), Number(runs.rows[0]?.n));
      const pending = (await migratorFor(database.db).getMigrations()).filter((m) => !m.executedAt);
      assert.deepEqual(pending, []);
      assert.deepEqual(await migrationState(database.db, dialect), { fresh: false, current: true });
    });

    test('when one known migration is not recorded, then the state is neither fresh nor current', async () => {
      const last = (await migratorFor(database.db).getMigrations()).at(-1)!.name;
      await database.db.transaction().execute(async (tx) => {
        await sql`delete from kysely_migration where name = ${last}`.execute(tx);
        assert.deepEqual(await migrationState(tx, dialect), { fresh: false, current: false });
        await sql`insert into kysely_migration (name, timestamp) values ('2099_01_01_9999_unknown', 'x')`.execute(
          tx,
        );
        await sql`insert into kysely_migration (name, timestamp) values (${last}, 'x')`.execute(tx);
        // every known one recorded plus one this build does not know: for the Migrator to refuse
        assert.deepEqual(await migrationState(tx, dialect), { fresh: false, current: false });
        await sql`delete from kysely_migration where name = '2099_01_01_9999_unknown'`.execute(tx);
      });
      assert.deepEqual(await migrationState(database.db, dialect), { fresh: false, current: true });
    });

    test('when the migrations run with schema changes sent together, then the schema is the same', async () => {
      const other = await freshDatabaseUrl(dialect);
      const batched = openDatabase(other.url, { batchSchemaChanges: true });
      try {
        const result = await migrateToLatest(batched.db);
        assert.ok(result.results?.every((r) => r.status === 'Success'));
        assert.deepEqual(await schemaOf(batched), await schemaOf(database));
        assert.deepEqual(await migrationState(batched.db, dialect), { fresh: false, current: true });
      } finally {
        await batched.close();
        await other.drop();
      }
    });

    test('when two emails differ only in case, then the database itself refuses the second', async () => {
      const row = (id: string, email: string) => ({
        id,
        email,
        password_hash: 'x',
        role: 'user' as const,
        status: 'active' as const,
        created_at: 1,
        updated_at: 1,
      });
      await database.db.insertInto('users').values(row('u-1', 'Case@Example.test')).execute();
      await assert.rejects(
        database.db.insertInto('users').values(row('u-2', 'case@EXAMPLE.test')).execute(),
        (err: { code?: string }) => err.code === '23505' || err.code === 'SQLITE_CONSTRAINT_UNIQUE',
      );
    });
  });
}
