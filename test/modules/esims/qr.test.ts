/** GET /esims/{id}/qr: images that scan to exactly the activation code, HTTP caching, the render cache. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { EsimView } from '../../../src/modules/esims/schemas.js';
import { forEachDialect, problemOf, registerUser, type Session } from '../../helper.js';
import { decodePng, decodeSvg, svgSymbol } from '../../fixtures/qr-decode.js';

const ESIMS = '/api/v1/esims';

async function newEsim(app: FastifyInstance): Promise<{ s: Session; esim: EsimView; qr: string }> {
  const s = await registerUser(app);
  const res = await app.inject({ method: 'POST', url: ESIMS, headers: s.headers, payload: {} });
  const esim = res.json<EsimView>();
  return { s, esim, qr: `${ESIMS}/${esim.id}/qr` };
}

forEachDialect('esims: activation QR codes', ({ env }) => {
  test('when the PNG is fetched, then jsQR decodes exactly the activation code, at the default and bound sizes', async () => {
    const { app } = env();
    const { s, esim, qr } = await newEsim(app);
    for (const [query, side] of [
      ['', 512],
      ['?size=128', 128],
      ['?format=png&size=1024', 1024],
    ] as const) {
      const res = await app.inject({ method: 'GET', url: qr + query, headers: s.headers });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.headers['content-type'], 'image/png');
      assert.equal(res.rawPayload.readUInt32BE(16), side, 'IHDR width');
      assert.equal(decodePng(res.rawPayload)?.data, esim.activation_code, query);
    }
  });

  test('when the SVG is fetched, then its path decodes exactly to the activation code, same version as the PNG', async () => {
    const { app } = env();
    const { s, esim, qr } = await newEsim(app);
    const res = await app.inject({ method: 'GET', url: `${qr}?format=svg&size=300`, headers: s.headers });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'image/svg+xml');
    assert.ok(res.body.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300"'));
    const svg = decodeSvg(res.body);
    assert.equal(svg?.data, esim.activation_code);
    const png = decodePng((await app.inject({ method: 'GET', url: qr, headers: s.headers })).rawPayload);
    assert.equal(svg?.version, png?.version);
    assert.equal(svgSymbol(res.body).modules, 17 + 4 * png!.version + 8, 'modules + a 4-module quiet zone');
  });

  test('when the query is out of bounds, then 400 names the parameter', async () => {
    const { app } = env();
    const { s, qr } = await newEsim(app);
    for (const [query, field] of [
      ['?size=127', 'querystring.size'],
      ['?size=1025', 'querystring.size'],
      ['?size=abc', 'querystring.size'],
      ['?format=gif', 'querystring.format'],
      ['?colour=red', 'querystring.colour'],
    ] as const) {
      const res = await app.inject({ method: 'GET', url: qr + query, headers: s.headers });
      assert.equal(res.statusCode, 400, query);
      assert.equal(problemOf(res).errors?.[0]?.field, field, query);
    }
  });

  test('when If-None-Match carries the ETag, then 304 without a body; another image has another ETag', async () => {
    const { app } = env();
    const { s, qr } = await newEsim(app);
    const first = await app.inject({ method: 'GET', url: `${qr}?size=200`, headers: s.headers });
    const etag = String(first.headers.etag);
    assert.match(etag, /^"[A-Za-z0-9_-]{43}"$/, 'a strong ETag');
    assert.equal(first.headers['cache-control'], 'private, max-age=3600');
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await app.inject({
        method: 'GET',
        url: `${qr}?size=200`,
        headers: { ...s.headers, 'if-none-match': inm },
      });
      assert.equal(res.statusCode, 304, inm);
      assert.equal(res.rawPayload.length, 0);
      assert.equal(res.headers.etag, etag);
      assert.equal(res.headers['cache-control'], 'private, max-age=3600');
    }
    const stale = await app.inject({
      method: 'GET',
      url: `${qr}?size=200`,
      headers: { ...s.headers, 'if-none-match': '"stale"' },
    });
    assert.equal(stale.statusCode, 200);
    assert.deepEqual(stale.rawPayload, first.rawPayload);
    const etags = new Set([etag]);
    for (const query of ['?size=201', '?size=200&format=svg', '']) {
      etags.add(
        String((await app.inject({ method: 'GET', url: qr + query, headers: s.headers })).headers.etag),
      );
    }
    assert.equal(etags.size, 4);
    const otherEsim = await newEsim(app);
    const otherEtag = (
      await app.inject({ method: 'GET', url: `${otherEsim.qr}?size=200`, headers: otherEsim.s.headers })
    ).headers.etag;
    assert.notEqual(otherEtag, etag);
  });

  test('when the same image is asked for again or many times at once, then it is drawn once', async () => {
    const { app } = env();
    const { s, qr } = await newEsim(app);
    const before = app.services.esimQr.renders;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        app.inject({ method: 'GET', url: `${qr}?size=400`, headers: s.headers }),
      ),
    );
    assert.ok(answers.every((r) => r.statusCode === 200));
    assert.equal(app.services.esimQr.renders, before + 1);
    await app.inject({ method: 'GET', url: `${qr}?size=400`, headers: s.headers });
    assert.equal(app.services.esimQr.renders, before + 1);
    await app.inject({ method: 'GET', url: `${qr}?size=400&format=svg`, headers: s.headers });
    assert.equal(app.services.esimQr.renders, before + 2);
    assert.ok(app.services.esimQr.cached.entries >= 2);
  });

  test('when another user asks for the QR code, then 404 whatever the format', async () => {
    const { app } = env();
    const { qr } = await newEsim(app);
    const other = await registerUser(app);
    for (const query of ['', '?format=svg', '?format=png&size=128']) {
      const res = await app.inject({ method: 'GET', url: qr + query, headers: other.headers });
      assert.equal(res.statusCode, 404);
      assert.equal(problemOf(res).code, 'NOT_FOUND');
      assert.equal(res.headers.etag, undefined);
    }
  });

  test('when the eSIM is deleted, then its QR code is 409 ESIM_DELETED', async () => {
    const { app } = env();
    const { s, esim, qr } = await newEsim(app);
    await app.inject({ method: 'GET', url: qr, headers: s.headers });
    await app.inject({ method: 'DELETE', url: `${ESIMS}/${esim.id}`, headers: s.headers });
    const res = await app.inject({ method: 'GET', url: qr, headers: s.headers });
    assert.equal(res.statusCode, 409);
    assert.equal(problemOf(res).code, 'ESIM_DELETED');
  });
});
