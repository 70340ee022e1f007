import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adminSession, forEachDialect, problemOf } from '../../helper.js';
import { insertEsim, insertUser } from '../../fixtures/admin.js';

interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
interface EsimView {
  id: string;
  iccid: string;
  status: string;
  activation_code: string;
  apple_install_url: string;
}

forEachDialect('admin: everyone’s eSIMs', ({ env }) => {
  test('when listing everyone’s eSIMs by ICCID, status and user, then the matching ones come with their codes', async () => {
    const { app, db } = env();
    const admin = await adminSession(app);
    const [u1, u2] = [await insertUser(db), await insertUser(db)];
    const e1 = await insertEsim(db, u1, { status: 'enabled' });
    const e2 = await insertEsim(db, u1, { status: 'deleted' });
    const e3 = await insertEsim(db, u2, { status: 'enabled' });
    const list = async (qs: string) => {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/admin/esims?${qs}`,
        headers: admin.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
      return res.json<Page<EsimView>>().items;
    };
    assert.deepEqual(
      (await list(`iccid=${e3.iccid}`)).map((e) => e.id),
      [e3.id],
    );
    assert.deepEqual(
      (await list(`user_id=${u1}`)).map((e) => e.id),
      [e2.id, e1.id],
    );
    assert.deepEqual(
      (await list(`user_id=${u1}&status=enabled`)).map((e) => e.id),
      [e1.id],
    );
    const [one] = await list(`iccid=${e1.iccid}`);
    assert.match(one!.activation_code, /^LPA:1\$smdp\.kswifi\.example\$[0-9A-Z-]+$/);
    assert.ok(one!.apple_install_url.endsWith(one!.activation_code));

    const bad = await app.inject({
      method: 'GET',
      url: '/api/v1/admin/esims?iccid=12',
      headers: admin.headers,
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(problemOf(bad).errors?.[0]?.field, 'querystring.iccid');
  });
});
