/**
 * ClusterBus in a real cluster (test/sessions/cluster-fixture.ts): a primary running the relay and two
 * workers. Every event one worker publishes reaches the other exactly once, the publisher hears it once
 * (its local delivery, no echo from the relay), in both directions, and quickly.
 */
import assert from 'node:assert/strict';
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function runFixture(): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/sessions/cluster-fixture.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return once(child, 'exit').then(([code]) => ({ code: code as number | null, out, err }));
}

test('a worker publishes, the other worker hears it through the primary, once; both directions', async () => {
  const { code, out, err } = await runFixture();
  assert.equal(code, 0, `fixture failed: ${err}`);
  const { heard, roundTrips } = JSON.parse(out.trim().split('\n').at(-1)!) as {
    heard: Record<string, number[]>;
    roundTrips: number[];
  };
  assert.equal(Object.keys(heard).length, 20);
  for (const [id, workers] of Object.entries(heard)) {
    assert.deepEqual([...workers].sort(), [0, 1], `${id}: heard once by each worker`);
  }
  const sorted = [...roundTrips].sort((a, b) => a - b);
  console.log(
    `# ClusterBus round trip (primary → publisher → relay → other worker → primary) over 20 events: ` +
      `p50 ${sorted[10]!.toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`,
  );
  // a round trip is two more IPC hops than the crossing itself: a generous bound only
  assert.ok(sorted.at(-1)! < 100, `max round trip ${sorted.at(-1)!.toFixed(1)} ms`);
});

test('a parent that runs no relay leaves the bus unhealthy (its cache reads through)', async () => {
  const child = fork(join(ROOT, 'test/sessions/cluster-fixture.ts'), [], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, FIXTURE_ROLE: 'orphan' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const messages: unknown[] = [];
  child.on('message', (m) => messages.push(m));
  await once(child, 'exit');
  assert.deepEqual(messages, [{ kswifiSessionsHello: 1 }, { fixture: 'orphan', healthy: false }]);
});
