/**
 * Distributed evals scale-out: 400 cases whose task waits 500 ms, run as DBOS workflows on 1
 * and then 4 local worker processes (same per-worker concurrency) against one embedded
 * PostgreSQL. Prints one JSON line per worker count and a last line with the scaling
 * efficiency (speed-up ÷ 4) beside its floor, 0.8. Times run from the moment every worker is
 * ready until the last result is in (worker start-up is reported apart).
 *
 * Usage: tsx bench/dbos-scale.ts [--cases 400] [--task-ms 500] [--concurrency 10]
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { EvalSuite } from '../src/evals/index.js';
import { evaluateOnWorkers, startEmbeddedPostgres } from '../src/dbos/index.js';

function flag(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const CASES = flag('cases', 400);
const TASK_MS = flag('task-ms', 500);
const CONCURRENCY = flag('concurrency', 10);
process.env['DBOS_SCALE_CASES'] = String(CASES);
process.env['DBOS_SCALE_TASK_MS'] = String(TASK_MS);
const { scale } = await import('./dbos-scale-suite.js');
const file = fileURLToPath(new URL('./dbos-scale-suite.ts', import.meta.url));

const pg = await startEmbeddedPostgres({ maxConnections: 100 });
const wall: Record<number, number> = {};
try {
  for (const workers of [1, 4]) {
    const t0 = performance.now();
    let ready = t0;
    const [report] = await evaluateOnWorkers([{ file, exportName: 'scale', suite: scale as unknown as EvalSuite }], {
      workers,
      databaseUrl: pg.url,
      runId: `bench-${workers}`,
      workerConcurrency: CONCURRENCY,
      poolSize: 10,
      onWorkersReady: () => (ready = performance.now()),
    });
    const ms = performance.now() - ready;
    assert.equal(report!.cases.length, CASES);
    assert.equal(report!.failures.length, 0);
    assert.equal(report!.averages()!.assertions, 1);
    wall[workers] = ms;
    const floorMs = (CASES * TASK_MS) / (workers * CONCURRENCY);
    console.log(
      JSON.stringify({
        scenario: 'dbos-scale',
        workers,
        cases: CASES,
        taskMs: TASK_MS,
        concurrencyPerWorker: CONCURRENCY,
        wallMs: Math.round(ms),
        idealMs: Math.round(floorMs),
        startupMs: Math.round(ready - t0),
        casesPerSecond: Math.round((CASES / ms) * 1000),
      }),
    );
  }
} finally {
  await pg.stop();
}
const speedup = wall[1]! / wall[4]!;
const efficiency = speedup / 4;
console.log(
  JSON.stringify({
    scenario: 'dbos-scale-efficiency',
    workers: [1, 4],
    speedup: Math.round(speedup * 100) / 100,
    efficiency: Math.round(efficiency * 100) / 100,
    floor: 0.8,
    meetsFloor: efficiency >= 0.8,
  }),
);
