/**
 * Customer e-mails through the real event outbox: a purchase, usage crossing 80 % and 100 %, a
 * suspension, each emitted by its module and turned into one mail by the mail consumer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transaction } from '../../../src/db/index.js';
import { DAY_MS, HOUR_MS, iso } from '../../../src/lib/clock.js';
import { runSweep } from '../../../src/modules/packs/sweep.js';
import { mailFromEvents } from '../../../src/modules/mail/consumer.js';
import { adminSession, registerUser, uniqueEmail } from '../../helper.js';
import { GB, createPlan } from '../../fixtures/packs.js';
import { eventId, ingest, issueApiKey, seedPack } from '../../fixtures/usage.js';
import { forEachDialectWithSmtp } from './harness.js';

forEachDialectWithSmtp('customer e-mails from the event outbox', ({ mail }) => {
  test('when a user buys a pack and uses it up, then a receipt, one 80 % and one 100 % mail arrive', async () => {
    const { env, deliver, mailsTo } = mail();
    const admin = await adminSession(env.app);
    const plan = await createPlan(env.app, admin, {
      name: 'Europe 5 GB',
      data_bytes: 5 * GB,
      price_cents: 1999,
    });
    const s = await registerUser(env.app, uniqueEmail('buyer'), 'correct horse 1', 'Anna');
    const esim = await env.app.inject({
      method: 'POST',
      url: '/api/v1/esims',
      headers: s.headers,
      payload: { label: 'phone' },
    });
    assert.equal(esim.statusCode, 201, esim.body);
    const { id: esimId, iccid } = esim.json<{ id: string; iccid: string }>();
    const bought = await env.app.inject({
      method: 'POST',
      url: '/api/v1/packs',
      headers: s.headers,
      payload: { plan_id: plan.id, esim_id: esimId },
    });
    assert.equal(bought.statusCode, 201, bought.body);
    await deliver();
    const receipt = mailsTo(s.email).filter((m) => m.subject === 'Your Europe 5 GB pack is ready');
    assert.equal(receipt.length, 1);
    assert.match(receipt[0]!.text, /^Hello Anna,\n\nThank you for your purchase\./);
    assert.match(receipt[0]!.text, /You paid 19\.99 EUR\./);

    const key = await issueApiKey(env.app);
    env.clock.advance(60_000);
    const use = (bytes: number) =>
      ingest(env.app, key, [
        { event_id: eventId('mail'), iccid, bytes, occurred_at: iso(env.clock.now() - 1000) },
      ]);
    await use(Math.round(4.2 * GB));
    await deliver();
    const at80 = mailsTo(s.email).filter((m) => m.subject === 'You have used 80 % of your Europe 5 GB pack');
    assert.equal(at80.length, 1);
    assert.match(at80[0]!.text, /You have used 80 % of your Europe 5 GB pack\. You have 859 MB left\./);

    await use(1 * GB);
    await deliver();
    const all = mailsTo(s.email).filter(
      (m) => m.subject === 'You have used all the data of your Europe 5 GB pack',
    );
    assert.equal(all.length, 1, 'the 100 % threshold and the depletion are one mail');
    assert.equal(mailsTo(s.email).filter((m) => m.subject.includes('80 %')).length, 1);
  });

  test('when the sweep finds a pack ending within 24 hours and then ended, then one mail each', async () => {
    const { env, deliver, mailsTo } = mail();
    const s = await registerUser(env.app, uniqueEmail('sweep'));
    const now = env.clock.now();
    await seedPack(env.db, {
      userId: s.id,
      esimId: null,
      status: 'active',
      totalBytes: 5 * GB,
      usedBytes: 1 * GB,
      createdAt: now - 29 * DAY_MS,
      expiresAt: now + 12 * HOUR_MS,
      name: 'Japan 5 GB',
    });
    // the sweep runs on the app's clock, as in a serving process
    const sweepAt = async (t: number) => {
      env.clock.set(t);
      await runSweep(env.db, t);
    };
    await sweepAt(now);
    await sweepAt(now + HOUR_MS);
    await deliver();
    const ending = mailsTo(s.email).filter(
      (m) => m.subject === 'Your Japan 5 GB pack ends in less than 24 hours',
    );
    assert.equal(ending.length, 1);
    assert.match(ending[0]!.text, /Any data you have not used by then is lost\./);
    await sweepAt(now + 13 * HOUR_MS);
    await sweepAt(now + 14 * HOUR_MS);
    await deliver();
    assert.equal(mailsTo(s.email).filter((m) => m.subject === 'Your Japan 5 GB pack has ended').length, 1);
  });

  test('when the user turned usage e-mails off, then the outbox still mails the receipt but no usage mail', async () => {
    const { env, deliver, mailsTo } = mail();
    const s = await registerUser(env.app, uniqueEmail('quiet'));
    await env.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: s.headers,
      payload: { email_notifications: false },
    });
    const pack = { id: `p-${s.id}`, name: 'Asia 1 GB', total_bytes: 1e9, used_bytes: 8e8 };
    const events = [
      { id: `e1-${s.id}`, type: 'pack.purchased', userId: s.id, at: env.clock.now(), data: { pack } },
      {
        id: `e2-${s.id}`,
        type: 'pack.usage_threshold',
        userId: s.id,
        at: env.clock.now(),
        data: { pack, threshold: 80 },
      },
    ];
    const queued = async () =>
      Number(
        (
          await env.db
            .selectFrom('mail_outbox')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('user_id', '=', s.id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await queued();
    assert.equal(await transaction(env.db, (tx) => mailFromEvents(tx, events)), 1, 'one mail offered');
    assert.equal(await queued(), before + 1);
    await transaction(env.db, (tx) => mailFromEvents(tx, events));
    assert.equal(await queued(), before + 1, 'a redelivery queues nothing');
    await deliver();
    assert.deepEqual(
      mailsTo(s.email)
        .map((m) => m.subject)
        .filter((x) => x.includes('Asia')),
      ['Your Asia 1 GB pack is ready'],
    );
  });
});
