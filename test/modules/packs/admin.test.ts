import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOUR_MS } from '../../../src/lib/clock.js';
import { adminSession, forEachDialect } from '../../helper.js';
import { GB, MB, insertEsim, insertPack, insertPlan, insertUser } from '../../fixtures/admin.js';

interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
interface PackView {
  id: string;
  user_id: string;
  status: string;
  remaining_bytes: number;
  used_bytes: number;
  total_bytes: number;
}

forEachDialect('admin: everyone’s packs', ({ env }) => {
  test('when listing everyone’s packs with filters, then only the matching packs come, newest first', async () => {
    const { app, db, clock } = env();
    const admin = await adminSession(app);
    const now = clock.now();
    const [u1, u2] = [await insertUser(db), await insertUser(db)];
    const plan = await insertPlan(db);
    const esim = await insertEsim(db, u1);
    const a = await insertPack(db, u1, {
      status: 'active',
      plan_id: plan,
      esim_id: esim.id,
      expires_at: now + HOUR_MS,
    });
    const lapsed = await insertPack(db, u1, { status: 'active', expires_at: now - 1, used_bytes: 10 * MB });
    const pending = await insertPack(db, u2, { status: 'pending', plan_id: plan });
    const expired = await insertPack(db, u2, { status: 'expired' });

    const ids = async (qs: string) => {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/admin/packs?${qs}`,
        headers: admin.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<Page<PackView>>().items.map((p) => p.id);
    };
    assert.deepEqual(await ids(`user_id=${u1}`), [lapsed, a]);
    assert.deepEqual(await ids(`plan_id=${plan}`), [pending, a]);
    assert.deepEqual(await ids(`esim_id=${esim.id}`), [a]);
    assert.deepEqual(await ids(`user_id=${u2}&status=pending`), [pending]);
    // an active pack past its expiry is expired on read, in the filter as in the view
    assert.deepEqual(await ids(`user_id=${u1}&status=active`), [a]);
    assert.deepEqual(
      (await ids('status=expired')).filter((id) => [lapsed, expired].includes(id)),
      [expired, lapsed],
    );

    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/admin/packs?user_id=${u1}`,
      headers: admin.headers,
    });
    const view = res.json<Page<PackView>>().items.find((p) => p.id === lapsed)!;
    assert.equal(view.status, 'expired');
    assert.equal(view.remaining_bytes, GB - 10 * MB);
  });

  test('when paging through everyone’s packs, then every pack comes once', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const user = await insertUser(db);
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push(await insertPack(db, user, { created_at: 42 }));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/admin/packs?user_id=${user}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        headers: admin.headers,
      });
      const page: Page<PackView> = res.json();
      seen.push(...page.items.map((p) => p.id));
      cursor = page.next_cursor;
    } while (cursor);
    assert.deepEqual(seen, [...made].reverse());
  });
});
