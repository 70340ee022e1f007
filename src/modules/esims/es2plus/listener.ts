/**
 * The ES2+ callback listener: POST /gsma/rsp2/es2plus/handleDownloadProgressInfo on its own port
 * (ES2_PORT), so the public API port never exposes it. With ES2_TLS_CERT/ES2_TLS_KEY it speaks HTTPS and
 * requires a client certificate signed by SMDP_CA (the SM-DP+'s); without them plain HTTP, for a
 * TLS-terminating proxy in front that does the mutual TLS. Answers 204 with an empty body.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Config } from '../../../config.js';
import { ADMIN_PROTOCOL } from './client.js';
import { CallbackError, parseProgressInfo, type CallbackHandler } from './callbacks.js';

export const CALLBACK_PATH = '/gsma/rsp2/es2plus/handleDownloadProgressInfo';

export interface CallbackListener {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startCallbackListener(
  app: FastifyInstance,
  handler: CallbackHandler,
  config: Config,
): Promise<CallbackListener> {
  const tls = config.ES2_TLS_CERT && config.ES2_TLS_KEY && config.SMDP_CA;
  const server = Fastify({
    loggerInstance: app.log.child({ listener: 'es2plus' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    keepAliveTimeout: 30_000,
    ...(tls
      ? {
          https: {
            cert: readFileSync(config.ES2_TLS_CERT as string),
            key: readFileSync(config.ES2_TLS_KEY as string),
            ca: readFileSync(config.SMDP_CA as string),
            requestCert: true,
            rejectUnauthorized: true,
            minVersion: 'TLSv1.2' as const,
          },
        }
      : {}),
  });
  server.addHook('onSend', async (_req, reply) => {
    reply.header('x-admin-protocol', ADMIN_PROTOCOL);
  });
  server.setErrorHandler(async (err: Error & { statusCode?: number }, _req, reply) => {
    const status = err instanceof CallbackError ? 400 : (err.statusCode ?? 500);
    if (status >= 500) app.log.error({ err: err.message }, 'ES2+ callback failed');
    if (status === 400) handler.count('invalid');
    return reply
      .code(status)
      .type('application/json')
      .send({ error: status >= 500 ? 'internal error' : err.message });
  });
  server.post(CALLBACK_PATH, async (request, reply) => {
    await handler.handle(parseProgressInfo(request.body));
    return reply.code(204).send();
  });
  await server.listen({ host: config.ES2_HOST, port: config.ES2_PORT ?? 0 });
  const port = (server.server.address() as AddressInfo).port;
  const host = tls && config.ES2_HOST === '127.0.0.1' ? 'localhost' : config.ES2_HOST;
  return {
    port,
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    close: () => server.close(),
  };
}
