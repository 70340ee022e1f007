/** The one id generator: UUIDv7 (RFC 9562), time-ordered so primary-key indexes stay append-mostly. */
import { randomFillSync } from 'node:crypto';

let lastMs = 0;
let seq = 0;

// random bytes drawn from the CSPRNG in blocks (as crypto.randomUUID does): one call per 256 ids instead of
// one per id, which showed up at 5 % of the CPU profile of usage ingestion (two ids per record)
const POOL = Buffer.alloc(16 * 256);
let poolAt = POOL.length;

function random16(): Buffer {
  if (poolAt >= POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const b = Buffer.from(POOL.subarray(poolAt, poolAt + 16));
  poolAt += 16;
  return b;
}

export function newId(now = Date.now()): string {
  // a 12-bit counter within one millisecond keeps ids from one process strictly increasing
  if (now <= lastMs) {
    seq = (seq + 1) & 0xfff;
    if (seq === 0) lastMs += 1;
    now = lastMs;
  } else {
    lastMs = now;
    seq = random16().readUInt16BE(0) & 0x3ff;
  }
  const b = random16();
  b.writeUIntBE(now, 0, 6);
  b[6] = 0x70 | (seq >> 8);
  b[7] = seq & 0xff;
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
