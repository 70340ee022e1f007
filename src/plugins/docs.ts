/**
 * The OpenAPI 3.1 document, generated from the route schemas, at /openapi.json, and the interactive docs
 * at /docs. The Authorize button uses the OAuth2 password flow on POST /api/v1/auth/token.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
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
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { persistAuthorization: true } });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'docs' },
);
