/**
 * Eval runner throughput: 100,000 cases with a trivial async task and three evaluators
 * (EqualsExpected, Contains, MaxDuration), at concurrency 100 (issue 10's goal: >= 50,000 cases/s,
 * <= 150 MB peak RSS) and 1. Prints one JSON line per scenario: cases per second, wall time and
 * peak RSS of the process (sampled every 10 ms), beside the goal. Each report is checked (all
 * cases ran, every assertion passed) so the figure is for the real path.
 *
 * Usage: tsx bench/eval-runner.ts [--n 100000]
 */
import assert from 'node:assert/strict';
import { Case, Contains, Dataset, EqualsExpected, MaxDuration } from '../src/evals/index.js';

const nFlag = process.argv.indexOf('--n');
const N = nFlag >= 0 ? Number(process.argv[nFlag + 1]) : 100_000;

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

for (const concurrency of [100, 1]) {
  const ds = dataset();
  globalThis.gc?.();
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  const baselineRss = process.memoryUsage.rss();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const report = await ds.evaluate(task, { maxConcurrency: concurrency });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
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
      // on a busy machine wall time includes waiting for a core: cases per CPU-second is steadier
      cpuMs: Math.round(cpuMs),
      casesPerCpuSecond: Math.round((N / cpuMs) * 1000),
      peakRssMb: Math.round((peak / 1024 / 1024) * 10) / 10,
      rssBeforeMb: Math.round((baselineRss / 1024 / 1024) * 10) / 10,
      goal: { casesPerSecond: 50_000, peakRssMb: 150 },
    }),
  );
}
