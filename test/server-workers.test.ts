/**
 * Under WEB_CONCURRENCY the primary replaces a worker that died: the real process
 * (`node --import tsx src/server.ts`) with two workers on a fresh SQLite file; one worker is SIGKILLed
 * (as the OOM killer or an unexpected error would end it) and a new one takes its place.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { startServer, stopServer, type ServerProcess } from './fixtures/server-process.js';
import { freshDatabaseUrl } from './helper.js';

describe('cluster workers', () => {
  let url: string | undefined;
  let drop: (() => Promise<void>) | undefined;
  let child: ServerProcess | undefined;
  before(async () => {
    ({ url, drop } = await freshDatabaseUrl('sqlite'));
  });
  after(async () => {
    await stopServer(child, 'SIGTERM'); // the primary stops its workers
    await drop?.();
  });

  test('when a worker dies, then the primary replaces it and the service keeps answering', async () => {
    child = await startServer(url!, { env: { LOG_LEVEL: 'info', WEB_CONCURRENCY: '2' } });
    const pids = () =>
      new Set(
        child!
          .stdout()
          .split('\n')
          .filter((l) => l.startsWith('{') && l.includes('"msg":"ready"'))
          .map((l) => (JSON.parse(l) as { pid: number }).pid),
      );
    const deadline = Date.now() + 30_000;
    while (pids().size < 2 && Date.now() < deadline) await sleep(50);
    const [victim] = [...pids()];
    assert.ok(victim, 'two workers started');
    process.kill(victim, 'SIGKILL');
    while (pids().size < 3 && Date.now() < deadline) await sleep(50);
    assert.equal(pids().size, 3, `a third worker started: ${child.stderr()}`);
    assert.match(child.stderr(), new RegExp(`worker ${victim} exited with SIGKILL; restarting`));
    assert.ok(child.alive(), 'the primary lives');
    for (let i = 0; i < 4; i++) assert.equal((await fetch(`${child.base}/health`)).status, 200);
  });
});
