/**
 * Response serializers, compiled once per schema object and against only the shared schemas they
 * reference. Fastify's default builds one fast-json-stringify function per route and status and validates
 * every shared schema again for each; that was most of the start-up time. Most routes share their error
 * schema (problems() hands out one Problem reference), so caching by schema identity removes the rest.
 * Every shared schema is added at the root before any route (app.ts), so a schema object always compiles
 * against the same external schemas.
 */
import type { FastifyServerOptions } from 'fastify';
import fastJsonStringify, { type Options, type Schema } from 'fast-json-stringify';

type Schemas = Record<string, Schema>;
type Serializer = (data: unknown) => string;

function collectRefs(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectRefs(item, out);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.add(value.split('#')[0] ?? value);
      else collectRefs(value, out);
    }
  }
}

const SCALARS = new Set(['string', 'integer', 'number', 'boolean']);

/**
 * `anyOf: [<scalar>, null]` (TypeBox's Nullable) as `type: [<scalar>, 'null']`, for serializing only.
 * fast-json-stringify picks an anyOf branch by running Ajv on the value (a date-time format check, a UUID
 * pattern) at every answer; a list of types it checks with `typeof`. The output is the same JSON: the
 * value is written as it is either way. The route schemas themselves (and the OpenAPI document) are left
 * as they are: this returns a copy.
 */
export function forSerializing(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forSerializing);
  if (!node || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  const nullable = nullableScalar(o.anyOf);
  if (nullable) {
    const { anyOf: _anyOf, ...rest } = o;
    return { ...rest, ...nullable, type: [nullable.type, 'null'] };
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(o)) out[key] = forSerializing(value);
  return out;
}

function nullableScalar(anyOf: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(anyOf) || anyOf.length !== 2) return undefined;
  const [a, b] = anyOf as Record<string, unknown>[];
  const isNull = (s: Record<string, unknown> | undefined) => s?.type === 'null';
  const value = isNull(b) ? a : isNull(a) ? b : undefined;
  if (!value || typeof value.type !== 'string' || !SCALARS.has(value.type) || '$ref' in value)
    return undefined;
  return value;
}

/** The shared schemas `schema` needs, following references between shared schemas too. */
function referenced(schema: unknown, externals: Schemas): Schemas {
  const needed: Schemas = {};
  const pending = new Set<string>();
  collectRefs(schema, pending);
  for (const id of pending) {
    const external = externals[id];
    if (id in needed || !external) continue;
    needed[id] = forSerializing(external) as Schema;
    collectRefs(external, pending);
  }
  return needed;
}

type SerializerFactory = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildSerializer']
>;

export function cachingSerializerFactory(): SerializerFactory {
  const cache = new WeakMap<object, Serializer>();
  return (externalSchemas: unknown, serializerOpts: unknown) =>
    ({ schema }: { schema?: unknown }): Serializer => {
      // built at the first answer that needs it, not at start (most error statuses of most routes are
      // never sent), then shared by every route and status with the same schema object
      let fn = cache.get(schema as object);
      if (fn) return fn;
      const build = (): Serializer => {
        const externals = (externalSchemas ?? {}) as Schemas;
        const options: Options = { ...(serializerOpts as Options), schema: referenced(schema, externals) };
        return fastJsonStringify(forSerializing(schema) as Schema, options) as Serializer;
      };
      let built: Serializer | undefined;
      fn = (data: unknown) => (built ??= build())(data);
      cache.set(schema as object, fn);
      return fn;
    };
}
