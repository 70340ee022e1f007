/**
 * The bcrypt ceiling: how many `bcrypt.compare` at the bench's cost this machine completes per second when
 * nothing else runs, with `concurrency` compares in flight (they run on libuv's pool: UV_THREADPOOL_SIZE,
 * default 4). The login scenario is reported as a percentage of the best of these.
 *   node --import tsx bench/bcrypt-ceiling.ts [--cost 12] [--seconds 4] [--concurrency 2,4]
 * Prints one line: BCRYPT_RESULT {"cost":12,"results":[{"concurrency":2,"compares":..,"per_s":..}],...}
 */
import bcrypt from 'bcrypt';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    cost: { type: 'string', default: '12' },
    seconds: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '2,4' },
  },
});
const cost = Number(values.cost);
const seconds = Number(values.seconds);
const levels = values.concurrency.split(',').map(Number);

const password = 'bench-password-123';
const hash = await bcrypt.hash(password, cost);

async function measure(
  concurrency: number,
): Promise<{ concurrency: number; compares: number; per_s: number }> {
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let compares = 0;
  let last = start;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        if (!(await bcrypt.compare(password, hash))) throw new Error('bcrypt.compare failed');
        compares++;
        last = performance.now();
      }
    }),
  );
  return { concurrency, compares, per_s: Math.round((compares / ((last - start) / 1000)) * 100) / 100 };
}

const results = [];
for (const c of levels) results.push(await measure(c));
console.log(
  `BCRYPT_RESULT ${JSON.stringify({
    cost,
    seconds,
    threadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    results,
    best_per_s: Math.max(...results.map((r) => r.per_s)),
  })}`,
);
