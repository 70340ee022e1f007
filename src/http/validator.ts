/**
 * The request validator: one Ajv that never guesses.
 *
 * - JSON bodies are validated exactly as sent: no type coercion, so `null`, `false` or `"12"` where a
 *   number belongs is a 400 naming the field.
 * - Query strings and path parameters arrive as text. A value is turned into a number only when it is a
 *   plain decimal integer (`12`, `-3`), and into a boolean only from `true` / `false`; anything else
 *   (`Infinity`, `1e999`, `NaN`, `0x10`, `1.0`) stays text and fails the schema's type check.
 * - Text is text: every string in a request refuses NUL and the other control characters (a field whose
 *   schema sets `x-multiline: true` may hold line breaks and tabs), and a string with no `maxLength` of its
 *   own is still capped at DEFAULT_MAX_TEXT.
 * - Every number is finite: JSON's `1e999` parses to Infinity and is refused here.
 *
 * The policy is added to a copy of each schema at compile time, so the OpenAPI document is unchanged and no
 * route can forget it.
 */
import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fastUri from 'fast-uri';

/** The cap on a string whose schema names none (the body limit bounds the whole request anyway). */
export const DEFAULT_MAX_TEXT = 10_000;

// C0 controls and DEL; with x-multiline, tab, line feed and carriage return are allowed
/* eslint-disable no-control-regex -- finding control characters is the point */
const CONTROL = /[\u0000-\u001F\u007F]/;
const CONTROL_EXCEPT_LINES = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/* eslint-enable no-control-regex */
const PLAIN_INTEGER = /^-?(0|[1-9][0-9]{0,15})$/;

type Json = Record<string, unknown>;

interface TextRule {
  multiline: boolean;
  capped: boolean;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typesOf(schema: Json): string[] {
  const t = schema.type;
  return Array.isArray(t) ? (t as string[]) : typeof t === 'string' ? [t] : [];
}

/** A deep copy of `schema` with the text and number policy keywords added to every node they apply to. */
export function withInputPolicy(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withInputPolicy);
  if (!isObject(schema)) return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    // enum/const/default/examples hold data, not schemas
    out[key] =
      key === 'enum' || key === 'const' || key === 'default' || key === 'examples'
        ? value
        : withInputPolicy(value);
  }
  const types = typesOf(schema);
  if (types.includes('string')) {
    const rule: TextRule = {
      multiline: schema['x-multiline'] === true,
      capped: typeof schema.maxLength !== 'number',
    };
    out['x-text'] = rule;
  }
  if (types.includes('number') || types.includes('integer')) out['x-finite'] = true;
  return out;
}

function addPolicyKeywords(ajv: Ajv): void {
  ajv.addKeyword('x-multiline');
  ajv.addKeyword({
    keyword: 'x-text',
    type: 'string',
    schemaType: 'object',
    errors: true,
    validate: function textOk(rule: TextRule, data: string): boolean {
      const self = textOk as { errors?: unknown[] };
      if ((rule.multiline ? CONTROL_EXCEPT_LINES : CONTROL).test(data)) {
        self.errors = [{ keyword: 'x-text', message: 'must not contain control characters', params: {} }];
        return false;
      }
      if (rule.capped && data.length > DEFAULT_MAX_TEXT) {
        self.errors = [
          {
            keyword: 'x-text',
            message: `must NOT have more than ${DEFAULT_MAX_TEXT} characters`,
            params: {},
          },
        ];
        return false;
      }
      return true;
    },
  });
  ajv.addKeyword({
    keyword: 'x-finite',
    type: 'number',
    schemaType: 'boolean',
    errors: true,
    validate: function finiteOk(_: boolean, data: number): boolean {
      if (Number.isFinite(data)) return true;
      (finiteOk as { errors?: unknown[] }).errors = [
        { keyword: 'x-finite', message: 'must be a finite number', params: {} },
      ];
      return false;
    },
  });
}

/** The property schema of `key` in an object schema (following a top-level `anyOf` of objects). */
function propertySchema(schema: Json, key: string): Json | undefined {
  const props = schema.properties;
  if (isObject(props) && isObject(props[key])) return props[key];
  for (const branch of (schema.anyOf ?? schema.oneOf ?? []) as unknown[]) {
    if (isObject(branch)) {
      const found = propertySchema(branch, key);
      if (found) return found;
    }
  }
  return undefined;
}

/** Every type a property schema admits (through unions). */
function admittedTypes(schema: Json): Set<string> {
  const out = new Set(typesOf(schema));
  for (const branch of (schema.anyOf ?? schema.oneOf ?? []) as unknown[]) {
    if (isObject(branch)) for (const t of admittedTypes(branch)) out.add(t);
  }
  return out;
}

/** The strict text → value conversion for one query or path value; undefined when nothing applies. */
export function coerceText(value: string, types: Set<string>): number | boolean | undefined {
  if ((types.has('integer') || types.has('number')) && PLAIN_INTEGER.test(value)) {
    const n = Number(value);
    if (Number.isSafeInteger(n)) return n;
  }
  if (types.has('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return undefined;
}

/** Converts, in place, the text values of a query or params object that the schema wants as numbers. */
function textCoercer(schema: Json): (data: unknown) => void {
  const cache = new Map<string, Set<string> | null>();
  const typesFor = (key: string) => {
    let t = cache.get(key);
    if (t === undefined) {
      const prop = propertySchema(schema, key);
      const admitted = prop ? admittedTypes(prop) : undefined;
      t = admitted && !admitted.has('string') ? admitted : null;
      cache.set(key, t);
    }
    return t;
  };
  return (data) => {
    if (!isObject(data)) return;
    for (const key of Object.keys(data)) {
      const value = data[key];
      const types = typeof value === 'string' ? typesFor(key) : null;
      if (!types) continue;
      const coerced = coerceText(value as string, types);
      if (coerced !== undefined) data[key] = coerced;
    }
  };
}

type FastifyValidate = ((data: unknown) => boolean) & { errors?: unknown };

function strictAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: false,
    useDefaults: true,
    removeAdditional: false,
    addUsedSchema: false,
    uriResolver: fastUri,
    code: { optimize: false },
  });
  addFormats.default(ajv);
  addPolicyKeywords(ajv);
  return ajv;
}

/**
 * A validator for input that does not come over HTTP (a message from the usage feed), with the same policy
 * as a request body: no coercion, no control characters, every string bounded.
 */
export function compileStrict<T>(schema: unknown): ValidateFunction<T> {
  return strictAjv().compile<T>(withInputPolicy(schema) as AnySchema);
}

/**
 * Fastify's `schemaController.compilersFactory.buildValidator`: called with the shared schemas of an
 * encapsulation context, returns the per-route compiler.
 */
export function strictValidatorFactory() {
  // one Ajv for the whole app: Fastify asks for a compiler per encapsulation context (dozens), each
  // with the shared schemas; their $ids are unique, so each is added once (remembered here: asking Ajv
  // with getSchema would compile it)
  const ajv = strictAjv();
  const added = new Set<string>();

  return (externalSchemas: Record<string, unknown>) => {
    for (const schema of Object.values(externalSchemas)) {
      const id = isObject(schema) && typeof schema.$id === 'string' ? schema.$id : undefined;
      if (id && added.has(id)) continue;
      if (id) added.add(id);
      ajv.addSchema(withInputPolicy(schema) as AnySchema);
    }

    // compiled at the route's first request, not at start: Ajv's code generation for every route was the
    // largest part of start to ready, and most routes of a process are never called
    return ({ schema, httpPart }: { schema: unknown; httpPart?: string }): FastifyValidate => {
      const id = isObject(schema) && typeof schema.$id === 'string' ? schema.$id : undefined;
      let validate: ValidateFunction | undefined;
      let coerce: ((data: unknown) => void) | undefined;
      const compile = (): ValidateFunction =>
        (id ? ajv.getSchema(id) : undefined) ?? ajv.compile(withInputPolicy(schema) as AnySchema);
      const query = httpPart !== 'body' && isObject(schema) ? schema : undefined;
      const wrapped: FastifyValidate = (data: unknown) => {
        validate ??= compile();
        if (query) (coerce ??= textCoercer(query))(data);
        const ok = validate(data);
        wrapped.errors = validate.errors;
        return ok;
      };
      return wrapped;
    };
  };
}
