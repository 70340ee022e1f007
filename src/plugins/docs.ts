/**
 * The OpenAPI 3.1 document, generated from the route schemas, at /openapi.json, and the interactive docs
 * at /docs. The Authorize button uses the OAuth2 password flow on POST /api/v1/auth/token.
 */
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { documentedSchema, type RouteSchema } from './openapi-conventions.js';

type Content = Record<string, unknown>;
interface OpenApiDoc {
  paths?: Record<string, Record<string, { responses?: Record<string, { content?: Content }> }>>;
}

/** Error answers are documented as application/problem+json, as they are sent (RFC 9457). */
function problemContentTypes(doc: OpenApiDoc): OpenApiDoc {
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const json = response.content?.['application/json'];
        if (Number(status) >= 400 && json && response.content) {
          delete response.content['application/json'];
          response.content['application/problem+json'] = json;
        }
      }
    }
  }
  return doc;
}

/** Headers of the inner answer that belong to its own connection, not to the one we answer on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

/**
 * The docs UI (@fastify/swagger-ui, with @fastify/static and its dependencies: ~60 ms and several MB of
 * every start) is loaded at the first /docs request, into a Fastify instance of its own that reads this
 * app's document; /docs and /docs/* are passed to it. Its routes were hidden from the document anyway.
 */
function lazyDocsUi(app: FastifyInstance) {
  let inner: Promise<FastifyInstance> | undefined;
  const load = async () => {
    const { default: swaggerUi } = await import('@fastify/swagger-ui');
    const ui = Fastify();
    // what swagger-ui asks of @fastify/swagger (registered under its name): this app's document
    const document = fp(async (i: FastifyInstance) => void i.decorate('swagger', app.swagger.bind(app)), {
      name: '@fastify/swagger',
    });
    await ui.register(document);
    await ui.register(swaggerUi, { routePrefix: '/docs', uiConfig: { persistAuthorization: true } });
    await ui.ready();
    return ui;
  };
  app.addHook('onClose', async () => {
    const ui = await inner?.catch(() => undefined);
    await ui?.close();
  });
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!inner) {
      inner = load();
      inner.catch(() => (inner = undefined)); // a failed load is tried again at the next request
    }
    const res = await (await inner).inject({ method: 'GET', url: request.url, headers: request.headers });
    if (res.statusCode === 404) return reply.callNotFound(); // the app's own problem+json 404
    for (const [name, value] of Object.entries(res.headers))
      if (value !== undefined && !HOP_BY_HOP.has(name)) reply.header(name, value);
    return reply.code(res.statusCode).send(res.rawPayload);
  };
}

export const docsPlugin = fp(
  async (app: FastifyInstance, opts: { version: string }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'KSWiFi API',
          version: opts.version,
          description: 'eSIM data packs: accounts, catalogue, packs, usage, eSIMs and administration.',
        },
        // relative: the document describes the server it is read from, whatever its address
        servers: [{ url: '/', description: 'this server' }],
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
            oauth2: { type: 'oauth2', flows: { password: { tokenUrl: '/api/v1/auth/token', scopes: {} } } },
            apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          },
        },
      },
      // operationId, explicit security and the common client errors on every route (openapi-conventions.ts)
      transform: ({ schema, url, route }) => ({
        schema: documentedSchema(String(route.method), url, schema as RouteSchema) as never,
        url,
      }),
      // shared schemas keep their own names in the document instead of def-0, def-1...
      transformObject: (documentObject) =>
        problemContentTypes((documentObject as { openapiObject: OpenApiDoc }).openapiObject) as never,
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    const ui = lazyDocsUi(app);
    app.get('/docs', { schema: { hide: true } }, ui);
    app.get('/docs/*', { schema: { hide: true } }, ui);
  },
  { name: 'docs' },
);
