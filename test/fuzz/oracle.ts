/**
 * The fuzz suite's oracle: a small JSON Schema checker for the subset the OpenAPI document uses, plus the
 * service's input policy (src/http/validator.ts): every request string refuses control characters (tab,
 * line feed and carriage return only where `x-multiline` is set) and is capped at 10,000 characters when
 * its schema names no maxLength; every number is finite; query and path text becomes a number only when it
 * is a plain decimal integer, and a boolean only from `true` / `false`.
 *
 * It answers 'valid', 'invalid' or 'unclear'. The suite asserts "no 2xx" only on 'invalid', so anything this
 * checker cannot judge with certainty must be 'unclear', never 'invalid'.
 */
export type Verdict = 'valid' | 'invalid' | 'unclear';
export type Schema = Record<string, unknown>;

export const DEFAULT_MAX_TEXT = 10_000;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001F\u007F]/;
// eslint-disable-next-line no-control-regex -- idem
export const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const PLAIN_INTEGER = /^-?(0|[1-9][0-9]{0,15})$/;
// RFC 3339 date-time as ajv-formats checks it (full-date "T" full-time with an offset)
const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):?[0-5]\d)$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function typesOf(schema: Schema): string[] {
  const t = schema.type;
  return Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : [];
}

/** Every JSON type a schema admits, through anyOf/oneOf; undefined when it does not say (any type). */
export function admitted(schema: Schema): Set<string> | undefined {
  const out = new Set<string>();
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (branches) {
    for (const b of branches) {
      const t = admitted(b);
      if (!t) return undefined;
      for (const x of t) out.add(x);
    }
    return out;
  }
  if (Array.isArray(schema.enum)) {
    for (const e of schema.enum) out.add(jsonType(e));
    return out;
  }
  const types = typesOf(schema);
  if (types.length === 0) return undefined;
  for (const t of types) out.add(t);
  if (out.has('integer')) out.add('number');
  return out;
}

export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function worst(a: Verdict, b: Verdict): Verdict {
  if (a === 'invalid' || b === 'invalid') return 'invalid';
  if (a === 'unclear' || b === 'unclear') return 'unclear';
  return 'valid';
}

function typeOk(t: string, v: unknown): boolean {
  switch (t) {
    case 'null':
      return v === null;
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'string':
      return typeof v === 'string';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return isObject(v);
    default:
      return false;
  }
}

/** Checks a JSON value (a parsed body, or a query/path value after `fromText`) against a schema. */
export function check(schema: Schema, v: unknown): Verdict {
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (branches) {
    let best: Verdict = 'invalid';
    for (const b of branches) {
      const r = check(b, v);
      if (r === 'valid') return 'valid';
      if (r === 'unclear') best = 'unclear';
    }
    return best;
  }
  if (schema.const !== undefined && !deepEqual(schema.const, v)) return 'invalid';
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => deepEqual(e, v))) return 'invalid';
  const types = typesOf(schema);
  if (types.length > 0 && !types.some((t) => typeOk(t, v))) return 'invalid';

  let verdict: Verdict = 'valid';
  if (typeof v === 'string') {
    const len = Array.from(v).length;
    if (typeof schema.minLength === 'number' && len < schema.minLength) return 'invalid';
    if (typeof schema.maxLength === 'number' && len > schema.maxLength) return 'invalid';
    if (types.includes('string')) {
      if (typeof schema.maxLength !== 'number' && v.length > DEFAULT_MAX_TEXT) return 'invalid';
      if ((schema['x-multiline'] === true ? CONTROL_EXCEPT_LINES : CONTROL).test(v)) return 'invalid';
    }
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(v)) return 'invalid';
    if (schema.format === 'date-time') {
      if (!DATE_TIME.test(v)) return 'invalid';
      // impossible calendar dates (2026-02-31) are the validator's business: do not judge them
      if (Number.isNaN(Date.parse(v))) verdict = 'unclear';
    } else if (schema.format !== undefined) verdict = 'unclear';
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'invalid';
    if (typeof schema.minimum === 'number' && v < schema.minimum) return 'invalid';
    if (typeof schema.maximum === 'number' && v > schema.maximum) return 'invalid';
    if (typeof schema.exclusiveMinimum === 'number' && v <= schema.exclusiveMinimum) return 'invalid';
    if (typeof schema.exclusiveMaximum === 'number' && v >= schema.exclusiveMaximum) return 'invalid';
  }
  if (Array.isArray(v)) {
    if (typeof schema.minItems === 'number' && v.length < schema.minItems) return 'invalid';
    if (typeof schema.maxItems === 'number' && v.length > schema.maxItems) return 'invalid';
    if (schema.uniqueItems === true && new Set(v.map((x) => JSON.stringify(x))).size !== v.length)
      return 'invalid';
    if (isObject(schema.items)) for (const item of v) verdict = worst(verdict, check(schema.items, item));
  }
  if (isObject(v)) {
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in v)) return 'invalid';
    if (typeof schema.minProperties === 'number' && Object.keys(v).length < schema.minProperties)
      return 'invalid';
    for (const [k, value] of Object.entries(v)) {
      const prop = props[k];
      if (prop) verdict = worst(verdict, check(prop, value));
      else if (schema.additionalProperties === false) return 'invalid';
      else verdict = worst(verdict, 'unclear');
    }
  }
  return verdict;
}

/** A query or path value as the validator sees it: plain decimal integers and true/false become values. */
export function fromText(schema: Schema, text: string): unknown {
  const types = admitted(schema);
  if (!types || types.has('string')) return text;
  if ((types.has('integer') || types.has('number')) && PLAIN_INTEGER.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
  }
  if (types.has('boolean') && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** A query/path parameter value (one string, or several when the key repeats). */
export function checkText(schema: Schema, values: string[]): Verdict {
  const types = admitted(schema);
  if (values.length > 1) return types?.has('array') ? 'unclear' : 'invalid';
  return check(schema, fromText(schema, values[0] ?? ''));
}

export { worst };
