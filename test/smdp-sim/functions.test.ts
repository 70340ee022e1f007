/** The simulator's SGP.22 state machine and status codes, on the pure functions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Es2Functions, type Outcome } from '../../src/smdp-sim/functions.js';
import { phoneStep, DEFAULT_POINTS } from '../../src/smdp-sim/phone.js';
import { Pool, generatePool, iccidOf } from '../../src/smdp-sim/pool.js';
import { isValidIccid } from '../../src/lib/iccid.js';

const EID = '89049032123451234512345678901235';
const setup = (size = 3) => {
  const pool = new Pool(generatePool(size, ['STD']));
  return { pool, fns: new Es2Functions(pool, { smdpAddress: 'smdp.sim.test' }) };
};
const code = (o: Outcome) => (o.ok ? 'ok' : `${o.code.subjectCode}/${o.code.reasonCode}`);
const body = (o: Outcome) => {
  assert.ok(o.ok, code(o));
  return o.body;
};

describe('simulator: ES2+ functions', () => {
  it('generates valid Luhn ICCIDs', () => {
    for (const p of generatePool(50, ['A'])) assert.ok(isValidIccid(p.iccid), p.iccid);
  });

  it('DownloadOrder by type → Allocated, with an EID → Linked, and 8.2.5/3.7 when none is left', () => {
    const { pool, fns } = setup(2);
    const a = body(fns.run('downloadOrder', 'op', { profileType: 'STD' }));
    assert.equal(pool.get(String(a.iccid))?.state, 'Allocated');
    const b = body(fns.run('downloadOrder', 'op', { profileType: 'STD', eid: EID }));
    assert.equal(pool.get(String(b.iccid))?.state, 'Linked');
    assert.equal(code(fns.run('downloadOrder', 'op', { profileType: 'STD' })), '8.2.5/3.7');
    assert.equal(code(fns.run('downloadOrder', 'op', { profileType: 'NOPE' })), '8.2.5/3.9');
  });

  it('DownloadOrder by ICCID: unknown 8.2.1/3.9, taken 8.2.1/3.3, wrong type 8.2.5/3.8, padded F accepted', () => {
    const { fns } = setup();
    const iccid = iccidOf('8988300', 1);
    assert.equal(code(fns.run('downloadOrder', 'op', { iccid: iccidOf('8988300', 99) })), '8.2.1/3.9');
    assert.equal(code(fns.run('downloadOrder', 'op', { iccid, profileType: 'X' })), '8.2.5/3.8');
    assert.equal(body(fns.run('downloadOrder', 'op', { iccid: `${iccid}F` })).iccid, iccid);
    assert.equal(code(fns.run('downloadOrder', 'op', { iccid })), '8.2.1/3.3');
  });

  it('ConfirmOrder: Released with our matching ID, idempotent repeat, and its refusals', () => {
    const { pool, fns } = setup();
    const { iccid } = body(fns.run('downloadOrder', 'op', { profileType: 'STD', eid: EID }));
    assert.equal(code(fns.run('confirmOrder', 'other', { iccid, releaseFlag: true })), '8.2.1/1.2');
    assert.equal(
      code(fns.run('confirmOrder', 'op', { iccid, releaseFlag: true, eid: EID.replace('5', '6') })),
      '8.1.1/3.10',
    );
    const c = body(fns.run('confirmOrder', 'op', { iccid, releaseFlag: true, matchingId: 'AAAAA-BBBBB' }));
    assert.deepEqual(c, { matchingId: 'AAAAA-BBBBB', eid: EID, smdpAddress: 'smdp.sim.test' });
    assert.equal(pool.get(String(iccid))?.state, 'Released');
    assert.deepEqual(
      body(fns.run('confirmOrder', 'op', { iccid, releaseFlag: true, matchingId: 'AAAAA-BBBBB' })),
      c,
    );
    const other = body(fns.run('downloadOrder', 'op', { profileType: 'STD' }));
    assert.equal(
      code(
        fns.run('confirmOrder', 'op', { iccid: other.iccid, releaseFlag: true, matchingId: 'AAAAA-BBBBB' }),
      ),
      '8.2.6/3.3',
    );
    assert.equal(
      code(fns.run('confirmOrder', 'op', { iccid: iccidOf('8988300', 77), releaseFlag: true })),
      '8.2.1/3.9',
    );
  });

  it('ConfirmOrder without release → Confirmed; ReleaseProfile → Released, again a no-op success', () => {
    const { pool, fns } = setup();
    const { iccid } = body(fns.run('downloadOrder', 'op', { profileType: 'STD' }));
    assert.equal(code(fns.run('releaseProfile', 'op', { iccid })), '8.2.1/3.5');
    body(fns.run('confirmOrder', 'op', { iccid, releaseFlag: false }));
    assert.equal(pool.get(String(iccid))?.state, 'Confirmed');
    body(fns.run('releaseProfile', 'op', { iccid }));
    body(fns.run('releaseProfile', 'op', { iccid }));
    assert.equal(pool.get(String(iccid))?.state, 'Released');
  });

  it('CancelOrder: back to Available before the download, 8.2.1/3.3 after it', () => {
    const { pool, fns } = setup();
    const { iccid } = body(fns.run('downloadOrder', 'op', { profileType: 'STD' }));
    body(fns.run('confirmOrder', 'op', { iccid, releaseFlag: true, matchingId: 'M1' }));
    assert.equal(
      code(
        fns.run('cancelOrder', 'op', { iccid, matchingId: 'M2', finalProfileStatusIndicator: 'Available' }),
      ),
      '8.2.6/3.10',
    );
    body(fns.run('cancelOrder', 'op', { iccid, matchingId: 'M1', finalProfileStatusIndicator: 'Available' }));
    const p = pool.get(String(iccid));
    assert.equal(p?.state, 'Available');
    assert.equal(p?.matchingId, null);
    const again = body(fns.run('downloadOrder', 'op', { iccid }));
    body(fns.run('confirmOrder', 'op', { iccid: again.iccid, releaseFlag: true }));
    const ctx = { requester: 'sim', points: DEFAULT_POINTS, now: new Date() };
    phoneStep(pool, p!, 'download', {}, ctx);
    assert.equal(
      code(fns.run('cancelOrder', 'op', { iccid, finalProfileStatusIndicator: 'Available' })),
      '8.2.1/3.3',
    );
  });

  it('the phone: download → installed → enabled ⇄ disabled → deleted, with the agreed points; failure → Error', () => {
    const { pool, fns } = setup();
    const { iccid } = body(fns.run('downloadOrder', 'op', { profileType: 'STD' }));
    body(fns.run('confirmOrder', 'op', { iccid, releaseFlag: true }));
    const p = pool.get(String(iccid))!;
    const ctx = { requester: 'sim', points: DEFAULT_POINTS, now: new Date() };
    const points = (['download', 'install', 'enable', 'disable', 'enable', 'delete'] as const).map(
      (a) => phoneStep(pool, p, a, { eid: EID }, ctx).notificationPointId,
    );
    assert.deepEqual(points, [3, 4, 101, 102, 101, 5]);
    assert.equal(p.eid, EID);
    assert.throws(() => phoneStep(pool, p, 'enable', {}, ctx));

    const q = body(fns.run('downloadOrder', 'op', { profileType: 'STD' }));
    body(fns.run('confirmOrder', 'op', { iccid: q.iccid, releaseFlag: true }));
    const qp = pool.get(String(q.iccid))!;
    const n = phoneStep(pool, qp, 'download', { fail: { subjectCode: '8.8.5', reasonCode: '6.4' } }, ctx);
    assert.equal(n.notificationPointStatus.status, 'Failed');
    assert.equal(qp.state, 'Error');
  });
});
