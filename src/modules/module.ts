/**
 * What every domain module's index.ts uses: the API prefix its routes mount under, and `defineModule`,
 * which turns a module's parts into one Fastify plugin (not encapsulated, so the schemas it adds and the
 * services it builds are visible to the modules registered after it).
 */
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { TSchema } from 'typebox';

export const API_PREFIX = '/api/v1';

export interface ModuleParts {
  /** Unique; other modules name it in `after`. */
  name: string;
  /** Modules whose services or schemas this one uses (registered before it). */
  after?: string[];
  /** Named schemas (with `$id`) other routes and the OpenAPI document refer to. */
  schemas?: TSchema[];
  /** Builds the module's service(s) into `app.services` (async to load an optional part on demand). */
  services?: (app: FastifyInstance) => void | Promise<void>;
  /** Public routes, mounted under `/api/v1/<prefix>` (prefix '' mounts at /api/v1). */
  routes?: { prefix: string; plugin: FastifyPluginAsyncTypebox }[];
  /** Operators' routes, mounted under `/api/v1/admin`. */
  adminRoutes?: FastifyPluginAsyncTypebox[];
  /** Routes outside the API prefix (health checks). */
  rootRoutes?: FastifyPluginAsyncTypebox[];
}

export function defineModule(parts: ModuleParts) {
  return fp(
    async (instance: FastifyInstance) => {
      const app = instance.withTypeProvider<TypeBoxTypeProvider>();
      for (const schema of parts.schemas ?? []) app.addSchema(schema);
      await parts.services?.(instance);
      for (const plugin of parts.rootRoutes ?? []) await app.register(plugin);
      for (const r of parts.routes ?? [])
        await app.register(r.plugin, { prefix: `${API_PREFIX}${r.prefix}` });
      for (const plugin of parts.adminRoutes ?? [])
        await app.register(plugin, { prefix: `${API_PREFIX}/admin` });
    },
    { name: `module:${parts.name}`, dependencies: (parts.after ?? []).map((n) => `module:${n}`) },
  );
}
