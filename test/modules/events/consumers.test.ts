/**
 * What the outbox's consumers get from the emitting INSERT itself (no read of their own): whether some
 * webhook endpoint may take each event, and the owner an e-mail goes to. Both must stay exact.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transaction } from '../../../src/db/index.js';
import { eventsRepo } from '../../../src/modules/events/repository.js';
import type { NewEvent } from '../../../src/modules/events/types.js';
import { mailRepo } from '../../../src/modules/mail/repository.js';
import { usersRepo } from '../../../src/modules/users/repository.js';
import { adminSession, forEachDialect, registerUser, uniqueEmail } from '../../helper.js';
import { createEndpoint, deliveriesOf, disableEndpoint } from '../webhooks/helpers.js';

forEachDialect(
  'event consumers',
  ({ env }) => {
    test('when one emit holds events of several types, then each endpoint gets exactly the types it takes', async () => {
      const { app, db, clock } = env();
      const admin = await adminSession(app);
      const none = 'http://127.0.0.1:9/none';
      const threshold = await createEndpoint(app, admin, none, ['pack.usage_threshold']);
      const all = await createEndpoint(app, admin, none, ['*']);
      const off = await createEndpoint(app, admin, none, ['pack.usage_threshold', 'pack.expired']);
      await disableEndpoint(app, admin, off.id);
      const paid = await createEndpoint(app, admin, none, ['order.paid', 'esim.created']);
      const at = clock.now();
      const events: NewEvent[] = [
        { type: 'pack.usage_threshold', userId: null, at, data: { threshold: 50 } },
        { type: 'pack.expired', userId: null, at, data: {} },
        { type: 'order.paid', userId: null, at, data: {} },
        { type: 'pack.usage_threshold', userId: null, at, data: { threshold: 80 } },
      ];
      const written = await transaction(db, (tx) => eventsRepo.emit(tx, events));
      const ids = (t: string) => written.filter((e) => e.type === t).map((e) => e.id);
      const taken = async (id: string) => (await deliveriesOf(app, admin, id)).map((d) => d.event_id).sort();
      assert.deepEqual(await taken(threshold.id), ids('pack.usage_threshold').sort());
      assert.deepEqual(await taken(all.id), written.map((e) => e.id).sort());
      assert.deepEqual(await taken(off.id), []);
      assert.deepEqual(await taken(paid.id), ids('order.paid'));
    });

    test('when events of two owners are emitted together, then each mail goes to its owner as stored in that transaction', async () => {
      const { app, db, clock } = env();
      const a = await registerUser(app, uniqueEmail('owner-a'), 'correct horse 1', 'Ana Owner');
      const b = await registerUser(app, uniqueEmail('owner-b'));
      const gone = await registerUser(app, uniqueEmail('owner-gone'));
      const moved = uniqueEmail('owner-a-moved');
      const at = clock.now();
      const bought = (userId: string): NewEvent => ({
        type: 'pack.purchased',
        userId,
        at,
        data: { pack: { id: `p-${userId}`, name: 'Japan 5 GB', total_bytes: 5e9, used_bytes: 0 } },
      });
      await transaction(db, async (tx) => {
        await usersRepo.update(tx, a.id, { email: moved }); // the read must see this transaction's own change
        await usersRepo.update(tx, gone.id, { status: 'deleted' });
        await eventsRepo.emit(tx, [bought(a.id), bought(b.id), bought(gone.id), bought(a.id)]);
      });
      const mails = async (userId: string) =>
        (await mailRepo.list(db, { userId, limit: 10 })).filter((m) => m.kind === 'purchase_receipt');
      const [toA] = await mails(a.id);
      assert.equal((await mails(a.id)).length, 1, 'one mail per pack and template');
      assert.equal(toA?.recipient, moved);
      assert.match(toA?.text_body ?? '', /Ana Owner/);
      assert.equal((await mails(b.id))[0]?.recipient, b.email);
      assert.equal((await mails(gone.id)).length, 0, 'a deleted account gets no mail');
    });
  },
  { WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_POLL_MS: '60000' },
);
