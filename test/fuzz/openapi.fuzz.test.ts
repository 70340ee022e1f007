/**
 * Fuzzes every operation of the service's own /openapi.json with bad input, on both databases.
 *
 * For each operation: a valid baseline (real, owned fixture ids; the right credentials from its `security`),
 * then every single mutation of the catalogue (test/fuzz/generate.ts: each body field set to wrong types,
 * null, huge or control-character text, extreme and non-finite numbers; missing and extra fields; whole
 * bodies that are not objects, malformed JSON, wrong content types; bad query, path and header values),
 * then FUZZ_RUNS seeded fast-check combinations of them with random values.
 *
 * Every answer: below 500; a 4xx is application/problem+json with a string `code`; input the schema (with
 * the service's input policy, see oracle.ts) clearly forbids is never a 2xx; a valid request for an
 * unknown id or another user's id is a 404. After the run: /health, every list route (user and admin)
 * and the admin stats answer 200 with no control characters stored.
 *
 * Reproducible: FUZZ_SEED (default below) seeds the random part; a failure prints it. The longer run is
 * `npm run fuzz` (FUZZ_RUNS=400 per operation unless set). FUZZ_REPORT=<file> writes the findings as JSON.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDialect } from '../helper.js';
import { createFixtures, type Fixtures } from './fixtures.js';
import {
  baseline,
  credentialHeaders,
  injectOptions,
  randomCases,
  systematicCases,
  verdictOf,
  type Case,
} from './generate.js';
import { CONTROL_EXCEPT_LINES } from './oracle.js';
import { fetchDocument, operationsOf, type Operation } from './walk.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20260901);
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const REPORT = process.env.FUZZ_REPORT;

interface Finding {
  op: string;
  check: string;
  kinds: string;
  input: string;
  status: number;
  answer: string;
  count: number;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function clip(s: string, n = 240): string {
  return s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s;
}

/** Why an answer breaks the contract, or undefined. */
function problemOfAnswer(res: LightMyRequestResponse): string | undefined {
  if (res.statusCode >= 500) return '5xx';
  if (res.statusCode >= 400) {
    if (!String(res.headers['content-type']).startsWith('application/problem+json'))
      return '4xx is not problem+json';
    try {
      const body = JSON.parse(res.body) as { code?: unknown };
      if (typeof body.code !== 'string') return '4xx problem has no string code';
    } catch {
      return '4xx problem is not JSON';
    }
  }
  return undefined;
}

function controlStrings(value: unknown, at = '$'): string[] {
  if (typeof value === 'string')
    return CONTROL_EXCEPT_LINES.test(value) ? [`${at}: ${JSON.stringify(clip(value, 60))}`] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => controlStrings(v, `${at}[${i}]`));
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([k, v]) => controlStrings(v, `${at}.${k}`));
  return [];
}

forEachDialect('fuzz: every operation of /openapi.json', ({ env, dialect }) => {
  test(`when every operation gets seeded bad input (FUZZ_SEED=${SEED}, FUZZ_RUNS=${RUNS}), then no 5xx, only problem+json 4xx, no 2xx for forbidden input, and the service stays healthy`, async (t) => {
    const { app, db } = env();
    const fx: Fixtures = await createFixtures(app, db);
    const ops = operationsOf(await fetchDocument(app));
    assert.ok(ops.length > 40, `the document lists ${ops.length} operations`);
    const findings = new Map<string, Finding>();
    const note = (
      c: Case | { op: Operation; kinds: string[] },
      check: string,
      input: string,
      res?: LightMyRequestResponse,
    ) => {
      const kinds = c.kinds.join(' + ');
      const key = `${c.op.key} | ${check} | ${kinds.replace(/=random/g, '=<random>')}`;
      const seen = findings.get(key);
      if (seen) seen.count += 1;
      else
        findings.set(key, {
          op: c.op.key,
          check,
          kinds,
          input,
          status: res?.statusCode ?? 0,
          answer: res ? `${String(res.headers['content-type'])} ${clip(res.body, 300)}` : '',
          count: 1,
        });
    };

    let requests = 0;
    const started = Date.now();
    for (const op of ops) {
      const base = baseline(op, fx);
      assert.equal(verdictOf(op, base), 'valid', `the baseline of ${op.key} is valid by the oracle`);
      const cases: Case[] = [
        { op, kinds: ['baseline'], req: base },
        ...systematicCases(op, base, fx),
        ...randomCases(op, base, fx, (SEED + hash(op.key)) | 0, RUNS),
      ];
      for (const c of cases) {
        const opts = injectOptions(op, c.req, fx);
        const input = `${opts.method} ${clip(String(opts.url), 160)}${
          opts.payload !== undefined
            ? ` ${String(opts.headers?.['content-type'] ?? '-')} ${clip(JSON.stringify(opts.payload), 200)}`
            : ''
        }`;
        let res: LightMyRequestResponse;
        try {
          res = await app.inject(opts);
        } catch (err) {
          note(c, `inject threw: ${(err as Error).message}`, input);
          continue;
        }
        requests += 1;
        const verdict = verdictOf(op, c.req);
        const bad = problemOfAnswer(res);
        if (bad) note(c, bad, input, res);
        if (verdict === 'invalid' && res.statusCode >= 200 && res.statusCode < 300)
          note(c, 'forbidden input got 2xx', input, res);
        // only when nothing but the id changed: a bad cursor or body may rightly be judged before the lookup
        const onlyPath = c.kinds.every((k) => k.startsWith('path.'));
        if (c.req.expect404 && onlyPath && verdict === 'valid' && res.statusCode !== 404)
          note(c, 'unknown or foreign id is not 404', input, res);
        if (c.kinds[0] === 'baseline' && res.statusCode >= 300) note(c, 'baseline is not 2xx', input, res);
      }
    }
    const elapsed = Date.now() - started;

    // the service is still healthy and nothing invalid is stored: every list answers 200, clean
    const after = { op: { key: 'after the run' } as Operation, kinds: ['after the run'] };
    const health = await app.inject({ method: 'GET', url: '/health' });
    if (health.statusCode !== 200) note(after, 'GET /health is not 200', '/health', health);
    const lists = ops.filter(
      (o) => o.method === 'GET' && !o.path.includes('{') && o.path !== '/openapi.json',
    );
    for (const op of lists) {
      for (const limit of ['', '?limit=200']) {
        if (limit && !op.params.some((p) => p.name === 'limit')) continue;
        const url = op.path + limit;
        const res = await app.inject({ method: 'GET', url, headers: credentialHeaders(op, fx) });
        if (res.statusCode !== 200) note({ op, kinds: ['after the run'] }, 'list is not 200', url, res);
        else if (res.headers['content-type']?.toString().includes('json')) {
          const stored = controlStrings(res.json());
          if (stored.length > 0)
            note(
              { op, kinds: ['after the run'] },
              'control characters stored',
              `${url}: ${stored.slice(0, 3).join('; ')}`,
              res,
            );
        }
      }
    }
    for (const s of [fx.user, fx.admin]) {
      const me = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: s.headers });
      if (me.statusCode !== 200) note(after, 'a fixture session no longer works', s.email, me);
    }

    const list = [...findings.values()];
    t.diagnostic(
      `${dialect}: ${ops.length} operations, ${requests} requests in ${elapsed} ms, ${list.length} findings`,
    );
    if (REPORT) writeFileSync(REPORT.replace('{dialect}', dialect), JSON.stringify(list, null, 2));
    const lines = list.map(
      (f) =>
        `- [${f.check}] ${f.op} :: ${f.kinds} (x${f.count})\n    input:  ${f.input}\n    answer: ${f.status} ${f.answer}`,
    );
    assert.equal(
      list.length,
      0,
      `${list.length} findings on ${dialect} (reproduce with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}):\n${lines.join('\n')}`,
    );
  });
});
