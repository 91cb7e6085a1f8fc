/**
 * Eval runner throughput: 10,000 cases with a trivial async task and three evaluators
 * (EqualsExpected, Contains, MaxDuration), at concurrency 1 and 100. Prints one JSON line per
 * scenario: cases per second, wall time and peak RSS (sampled every 10 ms during the scenario).
 * Each report is checked (all cases ran, every assertion passed) so the figure is for the real path.
 *
 * Usage: tsx bench/eval-runner.ts [--n 10000]
 */
import assert from 'node:assert/strict';
import { Case, Contains, Dataset, EqualsExpected, MaxDuration } from '../src/evals/index.js';

const nFlag = process.argv.indexOf('--n');
const N = nFlag >= 0 ? Number(process.argv[nFlag + 1]) : 10_000;

function dataset(): Dataset<number, string> {
  return new Dataset<number, string>({
    name: 'bench',
    cases: Array.from({ length: N }, (_, i) => new Case({ name: `case-${i}`, inputs: i, expectedOutput: `value-${i}` })),
    evaluators: [new EqualsExpected(), new Contains({ value: 'value-' }), new MaxDuration({ seconds: 10 })],
  });
}

async function task(i: number): Promise<string> {
  await Promise.resolve();
  return `value-${i}`;
}

// warm-up (JIT, tracer provider installation)
await new Dataset<number, string>({ cases: [new Case({ inputs: 1, expectedOutput: 'value-1' })], evaluators: [new EqualsExpected()] }).evaluate(task);

for (const concurrency of [1, 100]) {
  const ds = dataset();
  globalThis.gc?.();
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  const t0 = performance.now();
  const report = await ds.evaluate(task, { maxConcurrency: concurrency });
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  assert.equal(report.cases.length, N);
  assert.equal(report.failures.length, 0);
  assert.equal(report.averages()!.assertions, 1);
  console.log(
    JSON.stringify({
      scenario: 'eval-runner',
      cases: N,
      evaluators: 3,
      concurrency,
      wallMs: Math.round(ms),
      casesPerSecond: Math.round((N / ms) * 1000),
      peakRssMb: Math.round((peak / 1024 / 1024) * 10) / 10,
    }),
  );
}
