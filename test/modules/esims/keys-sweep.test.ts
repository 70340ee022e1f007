/**
 * Idempotency-Keys of eSIM creations: the same key answers the same eSIM for 24 h; then the sweep frees
 * it (or a new request finds it past its window first) and the key names a new eSIM. Orders still
 * provisioning keep their key (a retry with it completes them).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commands } from '../../../src/cli/index.js';
import { DAY_MS } from '../../../src/lib/clock.js';
import type { EsimView } from '../../../src/modules/esims/schemas.js';
import { clearOldEsimKeys } from '../../../src/modules/esims/sweep.js';
import { forEachDialect, registerUser, type Session } from '../../helper.js';

forEachDialect('esims: idempotency keys expire', ({ env }) => {
  const create = (user: Session, key: string) =>
    env().app.inject({
      method: 'POST',
      url: '/api/v1/esims',
      headers: { ...user.headers, 'idempotency-key': key },
      payload: {},
    });
  const keyOf = async (id: string) =>
    (
      await env()
        .db.selectFrom('esims')
        .select('idempotency_key')
        .where('id', '=', id)
        .executeTakeFirstOrThrow()
    ).idempotency_key;

  test('when a key is older than 24 h, then the sweep frees it and the key names a new eSIM', async () => {
    const { db, clock } = env();
    const user = await registerUser(env().app);
    const first = (await create(user, 'sweep-me')).json<EsimView>();
    const replay = await create(user, 'sweep-me');
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.json<EsimView>().id, first.id);

    clock.advance(DAY_MS - 1000);
    assert.equal(await clearOldEsimKeys(db, clock.now()), 0, 'still inside its window');
    assert.equal(await keyOf(first.id), 'sweep-me');
    clock.advance(2000);
    assert.ok((await clearOldEsimKeys(db, clock.now())) >= 1);
    assert.equal(await keyOf(first.id), null);
    assert.equal(await clearOldEsimKeys(db, clock.now()), 0, 'a second pass finds nothing');

    const fresh = await create(user, 'sweep-me');
    assert.equal(fresh.statusCode, 201);
    assert.equal(fresh.headers['idempotent-replayed'], undefined);
    assert.notEqual(fresh.json<EsimView>().id, first.id);
  });

  test('when a key is past its window before the sweep ran, then a new request takes it over', async () => {
    const { clock } = env();
    const user = await registerUser(env().app);
    const first = (await create(user, 'no-sweep-yet')).json<EsimView>();
    clock.advance(DAY_MS + 1000);
    const again = await create(user, 'no-sweep-yet');
    assert.equal(again.statusCode, 201);
    assert.notEqual(again.json<EsimView>().id, first.id);
    assert.equal(await keyOf(first.id), null);
  });

  test('when an order is still provisioning, then the sweep keeps its key', async () => {
    const { db, clock } = env();
    const user = await registerUser(env().app);
    const stuck = (await create(user, 'still-ordering')).json<EsimView>();
    const done = (await create(user, 'done-ordering')).json<EsimView>();
    await db.updateTable('esims').set({ status: 'provisioning' }).where('id', '=', stuck.id).execute();
    clock.advance(DAY_MS + 1000);
    await clearOldEsimKeys(db, clock.now());
    assert.equal(await keyOf(stuck.id), 'still-ordering');
    assert.equal(await keyOf(done.id), null);
  });

  test('the CLI sweep frees old eSIM keys too', async (t) => {
    const { db, config } = env();
    const user = await registerUser(env().app);
    const old = (await create(user, 'cli-sweep')).json<EsimView>();
    // the CLI runs on the system clock: make the row a day and more old
    await db
      .updateTable('esims')
      .set({ created_at: Date.now() - DAY_MS - 60_000 })
      .where('id', '=', old.id)
      .execute();
    const lines: string[] = [];
    t.mock.method(console, 'log', (line: string) => lines.push(line));
    await commands.sweep!.run({ values: {}, config, database: env().database });
    assert.match(lines.join('\n'), /eSIM keys cleared: [1-9]/);
    assert.equal(await keyOf(old.id), null);
  });
});
