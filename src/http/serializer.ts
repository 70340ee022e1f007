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

/** The shared schemas `schema` needs, following references between shared schemas too. */
function referenced(schema: unknown, externals: Schemas): Schemas {
  const needed: Schemas = {};
  const pending = new Set<string>();
  collectRefs(schema, pending);
  for (const id of pending) {
    const external = externals[id];
    if (id in needed || !external) continue;
    needed[id] = external;
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
      let fn = cache.get(schema as object);
      if (!fn) {
        const externals = (externalSchemas ?? {}) as Schemas;
        const options: Options = { ...(serializerOpts as Options), schema: referenced(schema, externals) };
        fn = fastJsonStringify(schema as Schema, options) as Serializer;
        cache.set(schema as object, fn);
      }
      return fn;
    };
}
