import { sql, type Kysely } from 'kysely';

// Usage rated by when it happened, and reads that do not grow with history:
// - usage_records.late: 1 when a record went to overage only because the packs that covered its moment had
//   expired more than the late window before it arrived.
// - Hourly rollups written in the same transaction as the debits: per user and UTC hour (all bytes, the
//   overage, the records) and per pack and hour (the bytes it took, the records that touched it). Summaries,
//   pack usage and the admin stats read these; only a range's two partial edge hours read records.
// Existing records are rolled up here, so the rollups equal the records from the first moment.
// The (occurred_at, bytes) index of usage_records served only the stats' usage per day, which now reads
// the rollups: it goes, one index less to maintain for every record written.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('usage_occurred_bytes_idx').execute();
  await db.schema
    .alterTable('usage_records')
    .addColumn('late', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`late in (0, 1)`),
    )
    .execute();

  await db.schema
    .createTable('usage_user_hourly')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('overage_bytes', 'bigint', (c) => c.notNull())
    .addColumn('records', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_user_hourly_pk', ['user_id', 'hour'])
    .addCheckConstraint(
      'usage_user_hourly_bytes_check',
      sql`bytes >= 0 and overage_bytes >= 0 and overage_bytes <= bytes`,
    )
    .addCheckConstraint('usage_user_hourly_records_check', sql`records >= 0`)
    .execute();
  // the admin stats sum every user's hours of a day
  await db.schema
    .createIndex('usage_user_hourly_hour_idx')
    .on('usage_user_hourly')
    .columns(['hour', 'bytes'])
    .execute();

  await db.schema
    .createTable('usage_pack_hourly')
    .addColumn('pack_id', 'text', (c) => c.notNull())
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('records', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_pack_hourly_pk', ['pack_id', 'hour'])
    .addCheckConstraint('usage_pack_hourly_bytes_check', sql`bytes >= 0`)
    .addCheckConstraint('usage_pack_hourly_records_check', sql`records >= 0`)
    .execute();
  // a user's per-pack totals over a range
  await db.schema
    .createIndex('usage_pack_hourly_user_idx')
    .on('usage_pack_hourly')
    .columns(['user_id', 'hour'])
    .execute();

  await rebuildRollups(db);
}

/** Recomputes both rollups from the records and debits (the migration, and `cli rebuild-rollups`). */
export async function rebuildRollups(db: Kysely<unknown>): Promise<void> {
  await sql`delete from usage_user_hourly`.execute(db);
  await sql`delete from usage_pack_hourly`.execute(db);
  await sql`
    insert into usage_user_hourly (user_id, hour, bytes, overage_bytes, records)
    select user_id, (occurred_at / 3600000) * 3600000, sum(bytes), sum(overage_bytes), count(*)
    from usage_records
    group by user_id, (occurred_at / 3600000) * 3600000`.execute(db);
  await sql`
    insert into usage_pack_hourly (pack_id, hour, user_id, bytes, records)
    select d.pack_id, (d.occurred_at / 3600000) * 3600000, min(d.user_id), sum(d.bytes), count(*)
    from usage_debits d
    group by d.pack_id, (d.occurred_at / 3600000) * 3600000`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('usage_pack_hourly').execute();
  await db.schema.dropTable('usage_user_hourly').execute();
  await db.schema.alterTable('usage_records').dropColumn('late').execute();
  await db.schema
    .createIndex('usage_occurred_bytes_idx')
    .on('usage_records')
    .columns(['occurred_at', 'bytes'])
    .execute();
}
