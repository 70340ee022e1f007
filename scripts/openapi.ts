/**
 * Writes the service's OpenAPI document to a file, for `npm run lint:openapi` (redocly lint).
 *   tsx scripts/openapi.ts <out.json>
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { readOpenApiDocument } from './openapi-document.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: tsx scripts/openapi.ts <out.json>');
  process.exit(2);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(await readOpenApiDocument(), null, 2) + '\n');
