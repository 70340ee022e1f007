/**
 * `npm run smdp-sim`: a standalone SM-DP+ simulator speaking GSMA ES2+ (SGP.22 v2.2) for development,
 * tests and demos. Prints one JSON line `{"event":"ready",...}` with its URLs when it listens.
 *
 *   --port 8443           the ES2+ listener (0: any free port)
 *   --control-port 8444   the control API (loopback, plain HTTP)
 *   --plain               ES2+ over plain HTTP instead of mutual TLS
 *   --pki-dir .smdp-sim   where the CA and certificates are made on the first run
 *   --pool file.csv       profiles from `ICCID,IMSI,PROFILE_TYPE`; else --pool-size generated ones
 *   --pool-size 1000      --profile-types KSWIFI_STD[,OTHER]   --iccid-prefix 8988300
 *   --callback-url https://localhost:8010   where HandleDownloadProgressInfo goes
 *   --smdp-address smdp.sim.kswifi.test     returned by ConfirmOrder ("" to leave it out)
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generatePool, poolFromCsv } from './pool.js';
import { startSimulator } from './server.js';

const { values: a } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.SMDP_SIM_PORT ?? '8443' },
    'control-port': { type: 'string', default: process.env.SMDP_SIM_CONTROL_PORT ?? '8444' },
    host: { type: 'string', default: '127.0.0.1' },
    plain: { type: 'boolean', default: false },
    'pki-dir': { type: 'string', default: process.env.SMDP_SIM_PKI_DIR ?? '.smdp-sim' },
    pool: { type: 'string' },
    'pool-size': { type: 'string', default: '1000' },
    'profile-types': { type: 'string', default: 'KSWIFI_STD' },
    'iccid-prefix': { type: 'string', default: '8988300' },
    'callback-url': { type: 'string', default: process.env.SMDP_SIM_CALLBACK_URL },
    'smdp-address': { type: 'string', default: 'smdp.sim.kswifi.test' },
    'content-type': { type: 'string', default: 'application/json' },
    help: { type: 'boolean', default: false },
  },
});

if (a.help) {
  // the usage is this file's top comment
  const own = readFileSync(new URL(import.meta.url), 'utf8');
  console.log(own.slice(own.indexOf('/**') + 3, own.indexOf('*/')).replace(/^ \* ?/gm, ''));
  process.exit(0);
}

const profiles = a.pool
  ? poolFromCsv(a.pool)
  : generatePool(Number(a['pool-size']), a['profile-types'].split(','), a['iccid-prefix']);

const sim = await startSimulator({
  host: a.host,
  port: Number(a.port),
  controlPort: Number(a['control-port']),
  plain: a.plain,
  pkiDir: a['pki-dir'],
  profiles,
  smdpAddress: a['smdp-address'] || null,
  callbackUrl: a['callback-url'] ?? null,
  contentType: a['content-type'],
});
console.log(
  JSON.stringify({
    event: 'ready',
    es2_url: sim.es2Url,
    control_url: sim.controlUrl,
    pki_dir: sim.pki.dir,
    profiles: profiles.length,
  }),
);
const stop = () => void sim.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
