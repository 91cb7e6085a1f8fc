/**
 * Eval runner throughput: N cases (default 100,000) with a trivial async task and three
 * evaluators (EqualsExpected, Contains, MaxDuration), at concurrency 100 and 1 (issue 10's goal
 * at 100: >= 50,000 cases/s, <= 150 MB peak RSS). Prints one JSON line per scenario.
 *
 * Each scenario runs in its own child process so its peak RSS (sampled every 10 ms) is its own.
 * Beside rehearse, a `floor` does the same work with no framework: the same task and three plain
 * functions doing the evaluators' checks, the same concurrency limit, one compact record kept per
 * case — the least any runner can cost on this machine, measured in the same run. Every line
 * carries the machine's load average (`os.loadavg()`, 1 min) and CPU time: on a shared machine
 * `casesPerCpuSecond` is the steadier figure. Each report is checked (all cases ran, every
 * assertion passed) so the figure is for the real path.
 *
 * Plain JavaScript so it runs on the built package with plain `node` (no TypeScript loader in RSS):
 *   npm run build && node --expose-gc bench/eval-runner.mjs --dist
 *   tsx bench/eval-runner.mjs                     (from src/)
 * Options: --n 100000, --only rehearse|floor
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};
const DIST = process.argv.includes('--dist');
const N = Number(arg('--n') ?? 100_000);
const CHILD = arg('--child');

async function task(i) {
  await Promise.resolve();
  return `value-${i}`;
}

/** rehearse: `runEvaluation` fed lazily from a generator of cases (none made up front), at `concurrency`. */
async function rehearse(concurrency) {
  const { Case, Contains, Dataset, EqualsExpected, MaxDuration, runEvaluation } = await import(DIST ? '../dist/evals/index.js' : '../src/evals/index.js');
  const evaluators = () => [new EqualsExpected(), new Contains({ value: 'value-' }), new MaxDuration({ seconds: 10 })];
  // warm-up (JIT, tracer provider installation)
  await new Dataset({ cases: [new Case({ inputs: 1, expectedOutput: 'value-1' })], evaluators: evaluators() }).evaluate(task);
  function* cases() {
    for (let i = 0; i < N; i++) yield new Case({ name: `case-${i}`, inputs: i, expectedOutput: `value-${i}` });
  }
  const evs = evaluators();
  return measure(async () => {
    const report = await runEvaluation({ cases: cases(), evaluators: evs, task, options: { name: 'bench', maxConcurrency: concurrency } });
    assert.equal(report.cases.length, N);
    assert.equal(report.failures.length, 0);
    assert.equal(report.averages().assertions, 1);
  });
}

/** floor: the same task and checks by hand, at most `concurrency` in flight, one record kept per case. */
async function floor(concurrency) {
  const records = [];
  return measure(async () => {
    let next = 0;
    const worker = async () => {
      while (next < N) {
        const i = next++;
        const expected = `value-${i}`;
        const t0 = performance.now();
        const output = await task(i);
        const ms = performance.now() - t0;
        records.push({ name: `case-${i}`, output, results: [output === expected, output.includes('value-'), ms <= 10_000] });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    assert.equal(records.length, N);
    assert.ok(records.every((r) => r.results.every(Boolean)));
  });
}

async function measure(run) {
  globalThis.gc?.();
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  const rssBefore = process.memoryUsage.rss();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const mb = (b) => Math.round((b / 1024 / 1024) * 10) / 10;
  return { wallMs: Math.round(ms), casesPerSecond: Math.round((N / ms) * 1000), cpuMs: Math.round(cpuMs), casesPerCpuSecond: Math.round((N / cpuMs) * 1000), peakRssMb: mb(peak), rssBeforeMb: mb(rssBefore) };
}

if (CHILD) {
  const [name, concurrency] = CHILD.split(':');
  const figures = await (name === 'floor' ? floor : rehearse)(Number(concurrency));
  console.log(
    JSON.stringify({
      scenario: `eval-runner/${name}`,
      build: DIST ? 'dist' : 'src',
      cases: N,
      evaluators: 3,
      concurrency: Number(concurrency),
      ...figures,
      loadAvg1m: Math.round(os.loadavg()[0] * 10) / 10,
      cpus: os.cpus().length,
      ...(name === 'rehearse' && concurrency === '100' ? { goal: { casesPerSecond: 50_000, peakRssMb: 150 } } : {}),
    }),
  );
} else {
  const only = arg('--only');
  for (const scenario of ['floor:100', 'rehearse:100', 'floor:1', 'rehearse:1']) {
    if (only && !scenario.startsWith(only)) continue;
    const out = execFileSync(process.execPath, [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), '--child', scenario, '--n', String(N), ...(DIST ? ['--dist'] : [])], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    process.stdout.write(out);
  }
}
