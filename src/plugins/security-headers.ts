/**
 * Security headers (helmet's defaults, minus upgrade-insecure-requests so the docs page loads its assets
 * over plain HTTP on a dev machine). helmet computes the same headers for every request, and
 * @fastify/helmet re-parsed the CSP directives each time (~8 % of a /health request in the profile), so
 * they are computed once here and set with one call per request.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let done = false;
  helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } })(
    {} as IncomingMessage,
    res as unknown as ServerResponse,
    () => void (done = true),
  );
  if (!done) throw new Error('helmet did not complete synchronously');
  return headers;
}

export const securityHeadersPlugin = fp(
  async (app: FastifyInstance) => {
    const headers = securityHeaders();
    app.addHook('onRequest', (_request, reply, next) => {
      reply.headers(headers);
      next();
    });
  },
  { name: 'security-headers' },
);
