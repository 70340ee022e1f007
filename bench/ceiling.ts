/**
 * The `ceiling` scenario's server: a bare Fastify hello-world with a response schema, on the same Node and
 * with the same worker model as src/server.ts (WEB_CONCURRENCY=N: node:cluster workers sharing the port,
 * 1 = served by this process). What the app's routes are compared with.
 *   PORT=8123 WEB_CONCURRENCY=2 node --import tsx bench/ceiling.ts
 */
import cluster from 'node:cluster';
import Fastify from 'fastify';

const port = Number(process.env.PORT ?? 8123);
const host = process.env.HOST ?? '127.0.0.1';
const workers = Number(process.env.WEB_CONCURRENCY ?? 1);

async function serve(): Promise<void> {
  const app = Fastify({ logger: false });
  app.get(
    '/',
    {
      schema: {
        response: { 200: { type: 'object', properties: { hello: { type: 'string' } }, required: ['hello'] } },
      },
    },
    async () => ({ hello: 'world' }),
  );
  const stop = () => {
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await app.listen({ port, host });
}

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  let stopping = false;
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  cluster.on('exit', () => {
    if (!stopping) process.exit(1);
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
} else {
  serve().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
