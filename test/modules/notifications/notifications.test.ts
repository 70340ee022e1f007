import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NotificationType } from '../../../src/db/types.js';
import { notificationsRepo } from '../../../src/modules/notifications/repository.js';
import { forEachDialect, problemOf, registerUser, type Session } from '../../helper.js';

interface NotificationJson {
  id: string;
  user_id: string;
  type: NotificationType;
  pack_id: string | null;
  esim_id: string | null;
  message: string;
  created_at: string;
  read_at: string | null;
}

forEachDialect('notifications', ({ env }) => {
  const notify = async (user: Session, type: NotificationType, message: string) => {
    const { db, clock } = env();
    await notificationsRepo.insertOnce(db, {
      userId: user.id,
      type,
      packId: null,
      esimId: null,
      message,
      at: clock.now(),
    });
  };
  const list = async (user: Session, query = '') => {
    const res = await env().app.inject({
      method: 'GET',
      url: `/api/v1/notifications${query}`,
      headers: user.headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<{ items: NotificationJson[]; next_cursor: string | null }>();
  };
  const read = (user: Session, id: string) =>
    env().app.inject({ method: 'POST', url: `/api/v1/notifications/${id}/read`, headers: user.headers });

  test('when a user has notifications, then they are listed newest first, theirs only', async () => {
    const { app } = env();
    const user = await registerUser(app);
    const other = await registerUser(app);
    await notify(user, 'usage_50', 'first');
    await notify(user, 'usage_80', 'second');
    await notify(other, 'usage_50', 'not yours');
    const page = await list(user);
    assert.deepEqual(
      page.items.map((n) => [n.type, n.message]),
      [
        ['usage_80', 'second'],
        ['usage_50', 'first'],
      ],
    );
    assert.ok(page.items.every((n) => n.user_id === user.id && n.read_at === null));
    assert.match(page.items[0]!.created_at, /Z$/);
    assert.equal(page.next_cursor, null);
  });

  test('when a notification is read, then read_at is set once and ?unread=true hides it', async () => {
    const { app, clock } = env();
    const user = await registerUser(app);
    await notify(user, 'pack_expiring', 'soon');
    await notify(user, 'pack_expired', 'now');
    const [newest, oldest] = (await list(user)).items;
    const res = await read(user, oldest!.id);
    assert.equal(res.statusCode, 200);
    assert.equal(Date.parse(res.json<NotificationJson>().read_at!), clock.now());
    clock.advance(60_000);
    const again = await read(user, oldest!.id);
    assert.equal(
      again.json<NotificationJson>().read_at,
      res.json<NotificationJson>().read_at,
      'first read kept',
    );
    assert.deepEqual(
      (await list(user, '?unread=true')).items.map((n) => n.id),
      [newest!.id],
    );
    assert.equal((await list(user, '?unread=false')).items.length, 2);
  });

  test('when another user’s or an unknown notification is marked read, then it is 404', async () => {
    const { app } = env();
    const owner = await registerUser(app);
    const intruder = await registerUser(app);
    await notify(owner, 'usage_100', 'full');
    const [mine] = (await list(owner)).items;
    const res = await read(intruder, mine!.id);
    assert.equal(res.statusCode, 404);
    assert.equal(problemOf(res).code, 'NOT_FOUND');
    assert.equal((await list(owner)).items[0]?.read_at, null);
    assert.equal((await read(owner, '01900000-0000-7000-8000-000000000000')).statusCode, 404);
    assert.equal((await read(owner, 'nope')).statusCode, 400);
  });

  test('when notifications span pages, then the cursor walks them and a bad cursor is a 400', async () => {
    const { app } = env();
    const user = await registerUser(app);
    for (const type of ['usage_50', 'usage_80', 'usage_100'] as const) await notify(user, type, type);
    const first = await list(user, '?limit=2');
    assert.equal(first.items.length, 2);
    assert.ok(first.next_cursor);
    const second = await list(user, `?limit=2&cursor=${first.next_cursor}`);
    assert.deepEqual(
      second.items.map((n) => n.type),
      ['usage_50'],
    );
    assert.equal(second.next_cursor, null);
    const bad = await app.inject({
      method: 'GET',
      url: '/api/v1/notifications?cursor=bogus',
      headers: user.headers,
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(problemOf(bad).code, 'INVALID_CURSOR');
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/notifications' });
    assert.equal(anonymous.statusCode, 401);
  });
});
