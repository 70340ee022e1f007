/**
 * Walks the service's own OpenAPI document into a flat list of operations with their $refs resolved: the
 * credentials each needs, its path/query/header parameters and its request body (content types + schema).
 */
import type { FastifyInstance } from 'fastify';
import type { Schema } from './oracle.js';

export type Credentials = 'none' | 'user' | 'admin' | 'apiKey';

export interface Param {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}

export interface Operation {
  /** "POST /api/v1/packs/{id}/activate" */
  key: string;
  method: string;
  path: string;
  credentials: Credentials;
  params: Param[];
  body?: { required: boolean; contentTypes: string[]; schema: Schema };
  responses: string[];
}

type Doc = {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components?: { schemas?: Record<string, Schema> };
};

function resolve(doc: Doc, node: unknown, depth = 0): unknown {
  if (depth > 50) throw new Error('$ref nesting too deep');
  if (Array.isArray(node)) return node.map((n) => resolve(doc, n, depth + 1));
  if (typeof node !== 'object' || node === null) return node;
  const obj = node as Record<string, unknown>;
  if (typeof obj.$ref === 'string') {
    const m = /^#\/components\/schemas\/(.+)$/.exec(obj.$ref);
    const target = m?.[1] ? doc.components?.schemas?.[m[1]] : undefined;
    if (!target) throw new Error(`unresolvable $ref ${obj.$ref}`);
    return resolve(doc, target, depth + 1);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj))
    out[k] = k === 'enum' || k === 'default' ? v : resolve(doc, v, depth + 1);
  return out;
}

function credentialsOf(path: string, op: Record<string, unknown>): Credentials {
  const security = (op.security ?? []) as Record<string, unknown>[];
  const schemes = new Set(security.flatMap((s) => Object.keys(s)));
  if (schemes.has('apiKey')) return 'apiKey';
  if (schemes.has('bearerAuth') || schemes.has('oauth2')) {
    // the document does not say which role a bearer route wants: the admin API lives under /admin/
    return path.includes('/admin/') || ((op.tags ?? []) as string[]).includes('admin') ? 'admin' : 'user';
  }
  return 'none';
}

export async function fetchDocument(app: FastifyInstance): Promise<Doc> {
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`/openapi.json answered ${res.statusCode}`);
  return res.json<Doc>();
}

export function operationsOf(doc: Doc): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const op = resolve(doc, raw) as Record<string, unknown>;
      const params = ((op.parameters ?? []) as Record<string, unknown>[]).map((p) => ({
        name: String(p.name),
        in: p.in as Param['in'],
        required: p.required === true,
        schema: (p.schema ?? {}) as Schema,
      }));
      const rb = op.requestBody as
        { required?: boolean; content: Record<string, { schema?: Schema }> } | undefined;
      const body = rb
        ? {
            required: rb.required === true,
            contentTypes: Object.keys(rb.content),
            // every content type of one operation shares the schema here
            schema: (Object.values(rb.content)[0]?.schema ?? {}) as Schema,
          }
        : undefined;
      const M = method.toUpperCase();
      out.push({
        key: `${M} ${path}`,
        method: M,
        path,
        credentials: credentialsOf(path, op),
        params,
        body,
        responses: Object.keys((op.responses ?? {}) as object),
      });
    }
  }
  return out;
}
