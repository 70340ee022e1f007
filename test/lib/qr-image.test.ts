import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QR_MARGIN, qrMatrix, qrPng, qrSvg } from '../../src/lib/qr-image.js';
import { decodePng, decodeSvg, pngPixels, svgSymbol } from '../fixtures/qr-decode.js';

const CODE = 'LPA:1$smdp.kswifi.example$ABCDE-FGHIJ-KLMNO-PQRST$$1';
const LONGEST = `LPA:1$smdp.kswifi.example$${'Z'.repeat(255 - 26)}`;

test('when a PNG is drawn at the bounds and the default size, then jsQR reads back the exact payload', async () => {
  for (const text of [CODE, LONGEST, 'LPA:1$RSP.Example.COM$aBc-123-xYz']) {
    for (const size of [128, 333, 512, 1024]) {
      const png = await qrPng(text, size);
      const px = pngPixels(png);
      assert.deepEqual([px.width, px.height], [size, size]);
      const decoded = decodePng(png);
      assert.equal(decoded?.data, text, `${size}px`);
      assert.equal(decoded?.version, qrMatrix(text).version);
    }
  }
});

test('when a PNG is drawn, then every module is a whole square of pixels with a 4-module quiet zone', async () => {
  const m = qrMatrix(CODE);
  const size = 512;
  const png = await qrPng(CODE, size);
  const px = pngPixels(png);
  const scale = Math.floor(size / (m.size + 2 * QR_MARGIN));
  const start = Math.floor((size - scale * (m.size + 2 * QR_MARGIN)) / 2) + QR_MARGIN * scale;
  for (let r = 0; r < m.size; r++) {
    for (let c = 0; c < m.size; c++) {
      const dark = m.data[r * m.size + c] === 1;
      for (const [dx, dy] of [
        [0, 0],
        [scale - 1, scale - 1],
      ] as const) {
        assert.equal(px.light(start + c * scale + dx, start + r * scale + dy), !dark, `module ${r},${c}`);
      }
    }
  }
  for (let i = 0; i < size; i++) {
    for (let q = 0; q < QR_MARGIN * scale; q++) {
      assert.ok(px.light(i, q) && px.light(q, i) && px.light(i, size - 1 - q) && px.light(size - 1 - q, i));
    }
  }
});

test('when an SVG is drawn, then its path rasterised decodes to the exact payload, like the PNG', async () => {
  for (const size of [128, 512, 1024]) {
    const svg = await qrSvg(CODE, size);
    const symbol = svgSymbol(svg);
    const m = qrMatrix(CODE);
    assert.equal(symbol.width, size);
    assert.equal(symbol.modules, m.size + 2 * QR_MARGIN);
    for (let r = 0; r < m.size; r++) {
      for (let c = 0; c < m.size; c++) {
        const inSvg = symbol.dark[(r + QR_MARGIN) * symbol.modules + c + QR_MARGIN];
        assert.equal(inSvg, m.data[r * m.size + c], `module ${r},${c}`);
      }
    }
    const decoded = decodeSvg(svg);
    assert.equal(decoded?.data, CODE);
    assert.equal(decoded?.version, decodePng(await qrPng(CODE, size))?.version);
  }
});

test('when a size cannot hold the symbol and its quiet zone, then drawing refuses it', async () => {
  await assert.rejects(qrPng(LONGEST, 64), RangeError);
});

test('when PNGs are drawn, then the event loop is blocked a few milliseconds at most (measured and logged)', async () => {
  for (const size of [128, 512, 1024]) {
    await qrPng(CODE, size);
    const n = 20;
    let blocked = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const pending = qrPng(CODE, size); // the synchronous part runs before the promise is returned
      blocked += performance.now() - t;
      await pending;
    }
    const total = (performance.now() - t0) / n;
    console.log(
      `qr png ${size}px: ${(blocked / n).toFixed(2)} ms sync, ${total.toFixed(2)} ms total per render`,
    );
    // qrcode's own PNG path blocked 40-140 ms at 512-1024 px here; a generous bound for loaded machines
    assert.ok(blocked / n < 25, `${size}px blocked ${(blocked / n).toFixed(1)} ms per render`);
  }
});
