/** Row locks are written once (`.forUpdate()`): PostgreSQL gets them, SQLite's compiler leaves them out. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from '../../src/db/index.js';

test('SQLite compiles .forUpdate() and .skipLocked() away, and the query runs', async () => {
  const handle = openDatabase('sqlite:///:memory:');
  try {
    const q = handle.db.selectFrom('users').select('id').where('id', '=', 'x').forUpdate();
    assert.equal(q.compile().sql, 'select "id" from "users" where "id" = ?');
    assert.equal(
      handle.db.selectFrom('users').select('id').forUpdate().skipLocked().compile().sql.includes('for'),
      false,
    );
  } finally {
    await handle.close();
  }
});

test('PostgreSQL keeps the lock', async () => {
  const handle = openDatabase('postgres://postgres@127.0.0.1:1/none');
  try {
    const q = handle.db.selectFrom('users').select('id').where('id', '=', 'x').forUpdate();
    assert.equal(q.compile().sql, 'select "id" from "users" where "id" = $1 for update');
  } finally {
    await handle.close();
  }
});
