/**
 * The simulator's small PKI: one CA and the four certificates ES2+ mutual TLS needs on loopback (the
 * SM-DP+ server and its client for callbacks, the operator's client and its callback server), ECDSA P-256,
 * written as PEM files into one folder on first run and reused after that. Built with @peculiar/x509 over
 * Node's WebCrypto, so no `openssl` binary is needed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import { join } from 'node:path';
import './reflect-shim.js';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as never);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 86_400_000;

export interface KeyPairPem {
  cert: string;
  key: string;
}

export interface PkiFiles {
  dir: string;
  ca: string;
  smdpServer: KeyPairPem;
  smdpClient: KeyPairPem;
  operatorClient: KeyPairPem;
  operatorServer: KeyPairPem;
}

/** The file names inside the folder, so README and tests can point the service at them. */
export const PKI_FILE_NAMES = {
  ca: 'ca.pem',
  smdpServer: ['smdp-server.pem', 'smdp-server.key'],
  smdpClient: ['smdp-client.pem', 'smdp-client.key'],
  operatorClient: ['operator-client.pem', 'operator-client.key'],
  operatorServer: ['operator-server.pem', 'operator-server.key'],
} as const;

type KeyPair = webcrypto.CryptoKeyPair;

async function keyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trim()}\n-----END PRIVATE KEY-----\n`;
}

async function newKeys(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
}

export interface Authority {
  cert: x509.X509Certificate;
  keys: KeyPair;
  pem: string;
}

/** A fresh self-signed CA (tests also make a second, untrusted one). */
export async function createAuthority(name = 'KSWiFi SM-DP+ simulator CA'): Promise<Authority> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys: keys as never,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 3650 * DAY_MS),
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return { cert, keys, pem: cert.toString('pem') + '\n' };
}

/** A leaf certificate for `localhost` / 127.0.0.1 / ::1, for a TLS server or a TLS client. */
export async function issueLeaf(ca: Authority, cn: string, usage: 'server' | 'client'): Promise<KeyPairPem> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${cn}`,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey as never,
    signingKey: ca.keys.privateKey as never,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 825 * DAY_MS),
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension(
        [usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
        false,
      ),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await keyPem(keys.privateKey) };
}

function read(dir: string): PkiFiles {
  const pair = (names: readonly [string, string]): KeyPairPem => ({
    cert: readFileSync(join(dir, names[0]), 'utf8'),
    key: readFileSync(join(dir, names[1]), 'utf8'),
  });
  return {
    dir,
    ca: readFileSync(join(dir, PKI_FILE_NAMES.ca), 'utf8'),
    smdpServer: pair(PKI_FILE_NAMES.smdpServer),
    smdpClient: pair(PKI_FILE_NAMES.smdpClient),
    operatorClient: pair(PKI_FILE_NAMES.operatorClient),
    operatorServer: pair(PKI_FILE_NAMES.operatorServer),
  };
}

/** The certificates in `dir`: generated on the first run (the CA key is not kept), read after that. */
export async function ensurePki(dir: string): Promise<PkiFiles> {
  if (existsSync(join(dir, PKI_FILE_NAMES.ca))) return read(dir);
  mkdirSync(dir, { recursive: true });
  const ca = await createAuthority();
  const write = (names: readonly [string, string], p: KeyPairPem) => {
    writeFileSync(join(dir, names[0]), p.cert);
    writeFileSync(join(dir, names[1]), p.key, { mode: 0o600 });
  };
  write(PKI_FILE_NAMES.smdpServer, await issueLeaf(ca, 'smdp-sim', 'server'));
  write(PKI_FILE_NAMES.smdpClient, await issueLeaf(ca, 'smdp-sim-client', 'client'));
  write(PKI_FILE_NAMES.operatorClient, await issueLeaf(ca, 'kswifi-operator', 'client'));
  write(PKI_FILE_NAMES.operatorServer, await issueLeaf(ca, 'kswifi-es2', 'server'));
  // the CA last: its presence says the folder is complete
  writeFileSync(join(dir, PKI_FILE_NAMES.ca), ca.pem);
  return read(dir);
}
