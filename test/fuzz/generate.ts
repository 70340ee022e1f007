/**
 * Requests for the fuzz suite: a valid baseline per operation, a catalogue of single bad-input mutations
 * (every body field, whole body, content type, query and path parameter, header), seeded fast-check
 * combinations of them, and the oracle's verdict on the request the server will actually see.
 */
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { eidCheckDigits } from '../../src/lib/eid.js';
import { uniqueEmail } from '../helper.js';
import { planCode, pathIds, type Fixtures } from './fixtures.js';
import { admitted, check, checkText, worst, type Schema, type Verdict } from './oracle.js';
import type { Operation } from './walk.js';

/** A number (or any JSON) written verbatim into the body: -0, 1e999, 9007199254740993. */
export class RawJson {
  constructor(readonly text: string) {}
}

export type Body =
  | { kind: 'absent' }
  | { kind: 'value'; value: unknown; contentType: string }
  | { kind: 'raw'; text: string; contentType: string | undefined };

export interface Req {
  /** value: the decoded value (encoded on the way out) unless raw: then it is sent as is */
  path: Record<string, { value: string; raw?: boolean }>;
  query: { key: string; value: string; raw?: boolean }[];
  headers: Record<string, string>;
  body: Body;
  /** A valid request for a real id that is not the caller's: must be a 404. */
  expect404?: boolean;
}

export interface Mutation {
  /** Stable kind, used to group findings: "body.name=huge" */
  kind: string;
  apply(req: Req, op: Operation): void;
}

export interface Case {
  op: Operation;
  kinds: string[];
  req: Req;
}

const JSON_CT = 'application/json';
const FORM_CT = 'application/x-www-form-urlencoded';
const UUID_RE = /^\^\[0-9a-f\]\{8\}-/;
const HUGE = 'a'.repeat(100_000);

// ---------------------------------------------------------------------------------------------- values

let seq = 0;
const next = () => (seq += 1);

/** A value the schema accepts (for optional fields and operations without a hand-written baseline). */
export function sample(schema: Schema, fx: Fixtures): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (branches) {
    const b = branches.find((x) => x.type !== 'null') ?? branches[0];
    return b ? sample(b, fx) : null;
  }
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]) as string[];
  const t = types.find((x) => x !== 'null') ?? types[0];
  switch (t) {
    case 'string': {
      const p = schema.pattern as string | undefined;
      if (schema.format === 'date-time') return new Date().toISOString();
      if (p === undefined || p === '\\S') return 'fuzz'.padEnd(Number(schema.minLength ?? 1), 'z');
      if (UUID_RE.test(p)) return fx.ids.plan;
      if (p.includes('@')) return uniqueEmail('fz');
      if (p.startsWith('^\\+?[0-9')) return '+15551234567';
      if (p.startsWith('^[A-Z0-9]')) return planCode();
      if (p === '^[0-9]{32}$') {
        const body = '89049032000000000000000000' + String(next() % 10000).padStart(4, '0');
        return body + eidCheckDigits(body);
      }
      if (p === '^[0-9]{19,20}$') return fx.iccid;
      if (p.startsWith('^89')) return '8900000000000000000';
      if (p.startsWith('^[\\x21')) return `idem-${next()}`;
      if (p.startsWith('^[a-z0-9_.-]')) return 'pack.created';
      if (p.startsWith('^[^\\u0000')) return 'fuzz label';
      // the token of an e-mailed link (base64url): well formed, but never a live one
      if (p === '^[A-Za-z0-9_-]+$')
        return 'fuzzToken'.padEnd(Math.max(43, Number(schema.minLength ?? 1)), 'z');
      throw new Error(`no sample for pattern ${p}`);
    }
    case 'integer':
    case 'number':
      return Math.max(Number(schema.minimum ?? 1), 1);
    case 'boolean':
      return true;
    case 'array':
      return Array.from({ length: Number(schema.minItems ?? 0) }, () => sample(schema.items as Schema, fx));
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      for (const r of (schema.required ?? []) as string[]) out[r] = sample(props[r] ?? {}, fx);
      return out;
    }
    default:
      return null;
  }
}

/** The baseline body of each operation with a body: real fixture ids, unique names where they must be. */
function baselineBody(op: Operation, fx: Fixtures): unknown {
  const login = fx.loginUser;
  switch (op.key) {
    case 'POST /api/v1/auth/register':
      return { email: uniqueEmail('fz'), password: 'correct horse 1', full_name: 'Fuzz' };
    case 'POST /api/v1/auth/browser/register':
      return { email: uniqueEmail('fzb'), password: 'correct horse 1' };
    case 'POST /api/v1/auth/login':
      return { email: login.email, password: login.password };
    case 'POST /api/v1/auth/browser/login':
      return { email: fx.browserUser.email, password: fx.browserUser.password };
    case 'POST /api/v1/auth/token':
      return { username: fx.tokenUser.email, password: fx.tokenUser.password, grant_type: 'password' };
    case 'POST /api/v1/auth/refresh':
    case 'POST /api/v1/auth/logout':
      return { refresh_token: fx.refreshUser.refresh };
    case 'POST /api/v1/auth/password-reset/confirm':
      return { token: fx.resetToken, new_password: 'a new password 1' };
    case 'POST /api/v1/auth/verify-email':
      return { token: fx.verifyToken };
    case 'PATCH /api/v1/users/me':
      return { full_name: 'Fuzz User', phone_number: '+15551234567' };
    case 'POST /api/v1/users/me/password':
      return { current_password: fx.pwUser.password, new_password: fx.pwUser.password };
    case 'PATCH /api/v1/admin/plans/{id}':
      return { name: 'Fuzz plan renamed', description: null };
    case 'POST /api/v1/packs':
      return { plan_id: fx.ids.plan, esim_id: fx.ids.esim };
    case 'PATCH /api/v1/packs/{id}':
      return { esim_id: fx.ids.esim };
    case 'POST /api/v1/esims':
      return { label: 'fuzz' };
    case 'PATCH /api/v1/esims/{id}':
      return { label: 'fuzz renamed' };
    case 'POST /api/v1/admin/esims/{id}/status':
      return { status: 'downloaded' };
    case 'POST /api/v1/usage/records':
      return {
        records: [
          { event_id: `fz-${next()}`, iccid: fx.iccid, bytes: 1, occurred_at: new Date().toISOString() },
        ],
      };
    case 'PATCH /api/v1/admin/users/{id}':
      return { status: 'active', reason: 'fuzz' };
    case 'DELETE /api/v1/admin/users/{id}':
      return { reason: 'fuzz' };
    case 'POST /api/v1/admin/users/{id}/packs':
      return { plan_id: fx.ids.plan, reason: 'fuzz grant' };
    case 'POST /api/v1/admin/esim-profiles/import':
      return { csv: 'ICCID,IMSI,PROFILE_TYPE\n8988300000000000018,001010000000001,FUZZ\n' };
    case 'PUT /api/v1/admin/esim-profiles/low-water':
      return { profile_type: 'FUZZ', low_water: 1 };
    case 'POST /api/v1/admin/webhooks':
      return { url: 'https://93.184.216.34/kswifi-fuzz', event_types: ['pack.expiring'] };
    case 'PATCH /api/v1/admin/webhooks/{id}':
      return { description: 'fuzz renamed' };
    case 'POST /api/v1/admin/webhooks/{id}/replay':
      return {
        since: new Date(Date.now() - 3600_000).toISOString(),
        until: new Date(Date.now() + 60_000).toISOString(),
      };
    default:
      return sample(op.body!.schema, fx);
  }
}

export function baseline(op: Operation, fx: Fixtures): Req {
  const path: Req['path'] = {};
  for (const p of op.params.filter((x) => x.in === 'path')) path[p.name] = { value: pathIds(op, fx).own };
  const body: Body = op.body
    ? { kind: 'value', value: baselineBody(op, fx), contentType: op.body.contentTypes[0] ?? JSON_CT }
    : { kind: 'absent' };
  // required header parameters (the browser routes' X-CSRF) get a valid value, the session cookie its token
  const headers: Req['headers'] = {};
  for (const p of op.params.filter((x) => x.in === 'header' && x.required))
    headers[p.name] = String(sample(p.schema, fx));
  if (op.path.startsWith('/api/v1/auth/browser/'))
    headers.cookie = `kswifi_refresh=${fx.browserUser.refresh}`;
  return { path, query: [], headers, body };
}

export function credentialHeaders(op: Operation, fx: Fixtures): Record<string, string> {
  if (op.key === 'POST /api/v1/users/me/password') return fx.pwUser.headers;
  switch (op.credentials) {
    case 'apiKey':
      return { 'x-api-key': fx.apiKey };
    case 'admin':
      return fx.admin.headers;
    case 'user':
      return fx.user.headers;
    default:
      return {};
  }
}

// ------------------------------------------------------------------------------------------ encoding

function stringify(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `\u0002RAW${raws.length - 1}\u0002`;
    }
    return v;
  });
  return (text ?? '').replace(/"\\u0002RAW(\d+)\\u0002"/g, (_m, i: string) => raws[Number(i)] ?? 'null');
}

function formText(value: unknown): string {
  const form = new URLSearchParams();
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      for (const item of Array.isArray(v) ? v : [v]) {
        form.append(
          k,
          item instanceof RawJson ? item.text : typeof item === 'string' ? item : stringify(item),
        );
      }
    }
  } else form.append(String(stringify(value)), '');
  return form.toString();
}

export function bodyText(body: Body): { payload?: string; contentType?: string } {
  if (body.kind === 'absent') return {};
  if (body.kind === 'raw') return { payload: body.text, contentType: body.contentType };
  const payload = body.contentType.startsWith(FORM_CT) ? formText(body.value) : stringify(body.value);
  return { payload, contentType: body.contentType };
}

export function injectOptions(op: Operation, req: Req, fx: Fixtures): InjectOptions {
  let url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const p = req.path[name];
    if (!p) throw new Error(`no value for path parameter ${name}`);
    return p.raw ? p.value : encodeURIComponent(p.value);
  });
  if (req.query.length > 0)
    url += `?${req.query.map((q) => `${encodeURIComponent(q.key)}=${q.raw ? q.value : encodeURIComponent(q.value)}`).join('&')}`;
  const { payload, contentType } = bodyText(req.body);
  const headers: Record<string, string> = { ...credentialHeaders(op, fx), ...req.headers };
  if (contentType !== undefined) headers['content-type'] = contentType;
  return {
    method: op.method as InjectOptions['method'],
    url,
    headers,
    ...(payload !== undefined ? { payload } : {}),
  };
}

// ----------------------------------------------------------------------------------------- verdicts

function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function mediaType(ct: string | undefined): string {
  return (ct ?? '').split(';')[0]!.trim().toLowerCase();
}

function bodyVerdict(op: Operation, body: Body): Verdict {
  if (!op.body) return body.kind === 'absent' ? 'valid' : 'unclear';
  const schema = op.body.schema;
  if (body.kind === 'absent') {
    if (!op.body.required) return 'valid';
    // an absent body is no JSON value at all; only a schema that needs fields clearly refuses it
    const needs =
      !admitted(schema)?.has('null') &&
      (((schema.required as string[] | undefined)?.length ?? 0) > 0 || Number(schema.minProperties ?? 0) > 0);
    return needs ? 'invalid' : 'unclear';
  }
  const { payload, contentType } = bodyText(body);
  const media = mediaType(contentType);
  if (!op.body.contentTypes.map(mediaType).includes(media)) return 'invalid';
  let value: unknown;
  if (media === FORM_CT) value = parseForm(payload ?? '');
  else {
    try {
      value = JSON.parse((payload ?? '').replace(/^\uFEFF/, ''));
    } catch {
      return 'invalid';
    }
  }
  return check(schema, value);
}

export function verdictOf(op: Operation, req: Req): Verdict {
  let v = bodyVerdict(op, req.body);
  for (const p of op.params) {
    if (p.in === 'path') {
      const given = req.path[p.name];
      if (!given) {
        v = worst(v, 'invalid');
        continue;
      }
      let text = given.value;
      if (given.raw) {
        try {
          text = decodeURIComponent(given.value);
        } catch {
          v = worst(v, 'invalid');
          continue;
        }
      }
      v = worst(v, checkText(p.schema, [text]));
    } else if (p.in === 'query') {
      const given = req.query.filter((q) => q.key === p.name);
      if (given.length === 0) {
        if (p.required) v = worst(v, 'invalid');
        continue;
      }
      const texts: string[] = [];
      let undecodable = false;
      for (const q of given) {
        try {
          texts.push(q.raw ? decodeURIComponent(q.value) : q.value);
        } catch {
          undecodable = true;
          texts.push(q.value);
        }
      }
      const r = checkText(p.schema, texts);
      v = worst(v, undecodable && r !== 'invalid' ? 'unclear' : r);
    } else if (p.in === 'header') {
      const value = req.headers[p.name];
      if (value === undefined) {
        if (p.required) v = worst(v, 'invalid');
        continue;
      }
      v = worst(v, checkText(p.schema, [value]));
    }
  }
  const known = new Set(op.params.filter((p) => p.in === 'query').map((p) => p.name));
  if (req.query.some((q) => !known.has(q.key))) v = worst(v, 'unclear');
  return v;
}

// ---------------------------------------------------------------------------------------- mutations

/** Bad values for one field: wrong JSON types, null, huge and control-character text, odd numbers. */
export const FIELD_VALUES: [string, unknown][] = [
  ['null', null],
  ['true', true],
  ['0', 0],
  ['-1', -1],
  ['1.5', 1.5],
  ['1e308', 1e308],
  ['-0', new RawJson('-0')],
  ['2^53+2', 2 ** 53 + 2],
  ['9007199254740993', new RawJson('9007199254740993')],
  ['1e999', new RawJson('1e999')],
  ['-1e999', new RawJson('-1e999')],
  ['"Infinity"', 'Infinity'],
  ['"-Infinity"', '-Infinity'],
  ['"NaN"', 'NaN'],
  ['"1e999"', '1e999'],
  ['"0x10"', '0x10'],
  ['"12"', '12'],
  ['"true"', 'true'],
  ['""', ''],
  ['" "', ' '],
  ['huge', HUGE],
  ['NUL', 'a\u0000b'],
  ['C0 control', 'a\u0001\u001fb'],
  ['DEL', 'a\u007fb'],
  ['tab+newline', 'a\tb\nc'],
  ['RTL+emoji', '\u202e😀'],
  ['lone surrogate', '\ud800'],
  ['[]', []],
  ['{}', {}],
  ['{"a":1}', { a: 1 }],
];

/** Bad text for a query, path or header value. */
export const TEXT_VALUES: [string, string][] = [
  ['""', ''],
  ['Infinity', 'Infinity'],
  ['-Infinity', '-Infinity'],
  ['NaN', 'NaN'],
  ['1e999', '1e999'],
  ['1e2', '1e2'],
  ['0x10', '0x10'],
  ['1.0', '1.0'],
  ['1.5', '1.5'],
  ['-1', '-1'],
  ['0', '0'],
  ['201', '201'],
  ['2^53+1', '9007199254740993'],
  ['99999999999999999999', '99999999999999999999'],
  ['true', 'true'],
  ['null', 'null'],
  ['x', 'x'],
  ['huge', HUGE],
  ['NUL', 'a\u0000b'],
  ['C0 control', 'a\u0001b'],
  ['newline', 'a\nb'],
  ['RTL+emoji', '\u202e😀'],
];

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Field paths of a body value: ["name"], ["records", 0, "bytes"]. */
function fieldPaths(value: unknown, prefix: (string | number)[] = [], depth = 0): (string | number)[][] {
  if (depth > 3) return [];
  if (isObj(value))
    return Object.entries(value).flatMap(([k, v]) => [
      [...prefix, k],
      ...fieldPaths(v, [...prefix, k], depth + 1),
    ]);
  if (Array.isArray(value) && value.length > 0) return fieldPaths(value[0], [...prefix, 0], depth + 1);
  return [];
}

function pathName(path: (string | number)[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
}

function setAt(root: unknown, path: (string | number)[], value: unknown, remove = false): void {
  let node = root as Json;
  for (const p of path.slice(0, -1)) node = node[p as string] as Json;
  const last = path[path.length - 1] as string;
  if (remove) delete node[last];
  else node[last] = value;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function bodyValue(req: Req): unknown {
  return req.body.kind === 'value' ? req.body.value : undefined;
}

export function cloneReq(req: Req): Req {
  const body: Body =
    req.body.kind === 'value' ? { ...req.body, value: cloneValue(req.body.value) } : { ...req.body };
  return {
    path: clone(req.path),
    query: clone(req.query),
    headers: { ...req.headers },
    body,
    expect404: req.expect404,
  };
}

function cloneValue(v: unknown): unknown {
  if (v instanceof RawJson) return v;
  if (Array.isArray(v)) return v.map(cloneValue);
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneValue(x)]));
  return v;
}

function setField(path: (string | number)[], value: unknown, kind: string): Mutation {
  return {
    kind,
    apply(req) {
      const v = bodyValue(req);
      if (v === undefined) return;
      try {
        setAt(v, path, cloneValue(value));
      } catch {
        // an earlier mutation replaced the container: nothing to set
      }
    },
  };
}

function replaceBody(kind: string, body: (req: Req, op: Operation) => Body): Mutation {
  return { kind, apply: (req, op) => void (req.body = body(req, op)) };
}

const MALFORMED_JSON: [string, string][] = [
  ['truncated object', '{"a":'],
  ['open brace', '{'],
  ['trailing comma', '{"a":1,}'],
  ['single quotes', "{'a':1}"],
  ['bare NaN', 'NaN'],
  ['trailing garbage', '{}garbage'],
  ['empty', ''],
  ['NUL byte', '\u0000'],
  ['deep nesting', '['.repeat(5000) + ']'.repeat(5000)],
  ['__proto__', '{"__proto__":{"polluted":1}}'],
  ['constructor.prototype', '{"constructor":{"prototype":{"polluted":1}}}'],
];

/** Every single mutation of the operation: the systematic part of the run. */
export function catalogue(op: Operation, base: Req, fx: Fixtures): Mutation[] {
  const out: Mutation[] = [];
  const value = bodyValue(base);
  if (op.body) {
    const isForm = op.body.contentTypes.includes(FORM_CT);
    for (const path of fieldPaths(value)) {
      const name = `body${pathName(path)}`;
      out.push({
        kind: `${name} missing`,
        apply(req) {
          const v = bodyValue(req);
          if (v !== undefined)
            try {
              setAt(v, path, undefined, true);
            } catch {
              // container gone
            }
        },
      });
      for (const [label, bad] of FIELD_VALUES) {
        if (isForm && typeof bad !== 'string') continue;
        out.push(setField(path, bad, `${name}=${label}`));
      }
    }
    // numeric bounds and length limits of each top-level property, from the schema
    const props = (op.body.schema.properties ?? {}) as Record<string, Schema>;
    for (const [k, s] of Object.entries(props)) {
      if (typeof s.maximum === 'number') out.push(setField([k], s.maximum + 1, `body.${k}=max+1`));
      if (typeof s.minimum === 'number') out.push(setField([k], s.minimum - 1, `body.${k}=min-1`));
      if (typeof s.maxLength === 'number')
        out.push(setField([k], 'a'.repeat(s.maxLength + 1), `body.${k}=maxLength+1`));
    }
    out.push(setField(['zz_extra'], 1, 'body.zz_extra (unknown field)'));
    for (const [label, whole] of [
      ['0', 0],
      ['[]', []],
      ['"x"', 'x'],
      ['null', null],
      ['true', true],
      ['{}', {}],
    ] as [string, unknown][]) {
      out.push(
        replaceBody(`body=${label}`, (_r, o) => ({
          kind: 'value',
          value: whole,
          contentType: o.body?.contentTypes[0] ?? JSON_CT,
        })),
      );
    }
    out.push(replaceBody('body absent', () => ({ kind: 'absent' })));
    for (const [label, text] of MALFORMED_JSON)
      out.push(replaceBody(`malformed JSON: ${label}`, () => ({ kind: 'raw', text, contentType: JSON_CT })));
    out.push(
      replaceBody('body over the size limit', () => ({
        kind: 'raw',
        text: `{"a":"${'a'.repeat(1_100_000)}"}`,
        contentType: JSON_CT,
      })),
    );
    const asText = (req: Req) => bodyText(req.body).payload ?? '{}';
    for (const ct of ['text/plain', FORM_CT, 'application/xml', 'application/json-patch+json', JSON_CT])
      out.push(
        replaceBody(`content-type ${ct}`, (req) => ({
          kind: 'raw',
          text: ct === FORM_CT && !isForm ? 'a=b' : asText(req),
          contentType: ct,
        })),
      );
    out.push(
      replaceBody('no content-type', (req) => ({ kind: 'raw', text: asText(req), contentType: undefined })),
    );
    out.push(
      replaceBody('content-type application/json; charset=utf-16', (req) => ({
        kind: 'raw',
        text: asText(req),
        contentType: 'application/json; charset=utf-16',
      })),
    );
  } else if (op.method !== 'GET') {
    out.push(
      replaceBody('unexpected malformed JSON body', () => ({
        kind: 'raw',
        text: '{"a":',
        contentType: JSON_CT,
      })),
    );
    out.push(
      replaceBody('unexpected text/plain body', () => ({
        kind: 'raw',
        text: 'x',
        contentType: 'text/plain',
      })),
    );
  }

  for (const p of op.params) {
    if (p.in === 'query') {
      for (const [label, text] of TEXT_VALUES)
        out.push({
          kind: `query.${p.name}=${label}`,
          apply: (req) => void req.query.push({ key: p.name, value: text }),
        });
      out.push({
        kind: `query.${p.name}=%zz`,
        apply: (req) => void req.query.push({ key: p.name, value: '%zz', raw: true }),
      });
      out.push({
        kind: `query.${p.name} repeated`,
        apply: (req) => void req.query.push({ key: p.name, value: '1' }, { key: p.name, value: '2' }),
      });
    } else if (p.in === 'path') {
      const setPath = (kind: string, value: string, raw = false, expect404 = false): Mutation => ({
        kind,
        apply(req) {
          req.path[p.name] = { value, raw };
          if (expect404) req.expect404 = true;
        },
      });
      const { own, other } = pathIds(op, fx);
      out.push(setPath(`path.${p.name}=%zz`, '%zz', true));
      out.push(setPath(`path.${p.name}=%00`, '%00', true));
      out.push(setPath(`path.${p.name}=4000 chars`, 'a'.repeat(4000)));
      out.push(setPath(`path.${p.name}=not-a-uuid`, 'not-a-uuid'));
      out.push(setPath(`path.${p.name}=upper-case uuid`, own.toUpperCase()));
      out.push(setPath(`path.${p.name}=uuid + NUL`, `${own}\u0000`));
      out.push(setPath(`path.${p.name}=unknown uuid`, '01900000-0000-7000-8000-000000000000', false, true));
      if (other) out.push(setPath(`path.${p.name}=another user's id`, other, false, true));
    } else if (p.in === 'header') {
      for (const [label, text] of [
        ['""', ''],
        ['huge', 'a'.repeat(4000)],
        ['latin-1', 'caf\u00e9'],
        ['space', 'a b'],
      ] as [string, string][])
        out.push({ kind: `header.${p.name}=${label}`, apply: (req) => void (req.headers[p.name] = text) });
    }
  }
  out.push({
    kind: 'query.zz_unknown',
    apply: (req) => void req.query.push({ key: 'zz_unknown', value: '1' }),
  });
  return out;
}

/** Random values for a field or a query value, beyond the fixed catalogue. */
const randomValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((b) => new RawJson(b.toString())),
  fc.constantFrom(...FIELD_VALUES.map(([, v]) => v)),
);
const randomText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.double().map(String),
  fc.integer().map(String),
  fc.constantFrom(...TEXT_VALUES.map(([, v]) => v)),
);

/** Seeded combinations of one to three mutations, some with random values: the fast-check part. */
export function randomCases(op: Operation, base: Req, fx: Fixtures, seed: number, runs: number): Case[] {
  const fixed = catalogue(op, base, fx);
  const fields = fieldPaths(bodyValue(base));
  const queries = op.params.filter((p) => p.in === 'query');
  const arbs: fc.Arbitrary<Mutation>[] = [fc.constantFrom(...fixed)];
  if (fields.length > 0 && !op.body?.contentTypes.includes(FORM_CT))
    arbs.push(
      fc
        .tuple(fc.constantFrom(...fields), randomValue)
        .map(([path, v]) => setField(path, v, `body${pathName(path)}=random`)),
    );
  if (queries.length > 0)
    arbs.push(
      fc.tuple(fc.constantFrom(...queries), randomText).map(([p, text]) => ({
        kind: `query.${p.name}=random`,
        apply: (req: Req) => void req.query.push({ key: p.name, value: text }),
      })),
    );
  const combo = fc.array(fc.oneof(...arbs), { minLength: 1, maxLength: 3 });
  return fc.sample(combo, { seed, numRuns: runs }).map((ms) => {
    const req = cloneReq(base);
    for (const m of ms) m.apply(req, op);
    return { op, kinds: ms.map((m) => m.kind), req };
  });
}

export function systematicCases(op: Operation, base: Req, fx: Fixtures): Case[] {
  return catalogue(op, base, fx).map((m) => {
    const req = cloneReq(base);
    m.apply(req, op);
    return { op, kinds: [m.kind], req };
  });
}
