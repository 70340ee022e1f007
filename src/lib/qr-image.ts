/**
 * QR images of a text: the `qrcode` package encodes it (segments, error correction, mask), this module
 * draws it. SVG comes from qrcode's own renderer. PNG is rasterised here as a 1-bit greyscale image with
 * a whole number of pixels per module: qrcode's PNG path fills an RGBA buffer pixel by pixel and filters
 * it in JavaScript (measured 40-140 ms of blocked event loop at 512-1024 px on this machine), while a
 * 1-bit image needs a few milliseconds of synchronous work, is compressed on the libuv pool and is 5-10x
 * smaller. Crisp, equal-sized modules also scan better than qrcode's fractional scaling.
 */
import { deflate } from 'node:zlib';
import { promisify } from 'node:util';
import QRCode from 'qrcode';

export const QR_ERROR_CORRECTION = 'M';
/** The quiet zone ISO/IEC 18004 asks for, in modules. */
export const QR_MARGIN = 4;

const deflateAsync = promisify(deflate);

export interface QrMatrix {
  /** Modules per side, without the quiet zone. */
  size: number;
  /** Row-major, 1 = dark. */
  data: Uint8Array;
  version: number;
}

export function qrMatrix(text: string): QrMatrix {
  const qr = QRCode.create(text, { errorCorrectionLevel: QR_ERROR_CORRECTION });
  return { size: qr.modules.size, data: qr.modules.data, version: qr.version };
}

/** qrcode's SVG: a viewBox in modules (quiet zone included), drawn `width` px wide. */
export async function qrSvg(text: string, width: number): Promise<string> {
  return QRCode.toString(text, {
    type: 'svg',
    errorCorrectionLevel: QR_ERROR_CORRECTION,
    margin: QR_MARGIN,
    width,
  });
}

/**
 * PNG filter-type-0 scanlines of a `width`-pixel square, 1 bit per pixel (1 = white): the symbol at the
 * largest whole scale that fits with its quiet zone, centred, the spare pixels widening the quiet zone.
 */
export function qrScanlines(m: QrMatrix, width: number): Buffer {
  const modules = m.size + 2 * QR_MARGIN;
  const scale = Math.floor(width / modules);
  if (scale < 1) throw new RangeError(`${width} px cannot hold ${modules} modules`);
  const offset = Math.floor((width - scale * modules) / 2) + QR_MARGIN * scale;
  const stride = 1 + Math.ceil(width / 8);
  const raw = Buffer.alloc(stride * width, 0xff);
  for (let y = 0; y < width; y++) raw[y * stride] = 0; // filter byte: none
  for (let r = 0; r < m.size; r++) {
    const top = (offset + r * scale) * stride;
    for (let c = 0; c < m.size; c++) {
      if (!m.data[r * m.size + c]) continue;
      for (let x = offset + c * scale, end = x + scale; x < end; x++) {
        const at = top + 1 + (x >> 3);
        raw[at] = raw[at]! & ~(0x80 >> (x & 7));
      }
    }
    for (let k = 1; k < scale; k++) raw.copy(raw, top + k * stride, top, top + stride);
  }
  return raw;
}

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export async function qrPng(text: string, width: number): Promise<Buffer> {
  const raw = qrScanlines(qrMatrix(text), width);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(width, 4);
  header[8] = 1; // bit depth
  header[9] = 0; // colour type: greyscale (compression, filter and interlace bytes stay 0)
  const idat = await deflateAsync(raw, { level: 9 });
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', header),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
