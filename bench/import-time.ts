/**
 * Import time of the built package: a child process that imports one entry point (ESM `import`
 * or CommonJS `require`) against a bare `node -e 0` measured in the same run, interleaved so
 * machine load hits both alike. Prints one JSON line per entry and format: median wall time over
 * the runs, the bare median, their ratio and the goal (rehearse ≤ 1.5×, rehearse/testing ≤ 2.0×,
 * rehearse/evals ≤ 2.5× a bare start). Each child also checks that it loaded the entry.
 *
 * Builds `dist/` first unless `--no-build` is given (then it must exist).
 * Usage: tsx bench/import-time.ts [--runs 15] [--no-build]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const runsFlag = process.argv.indexOf('--runs');
const RUNS = runsFlag >= 0 ? Number(process.argv[runsFlag + 1]) : 15;

if (!process.argv.includes('--no-build')) execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
if (!existsSync(`${root}/dist/cjs/runtime/index.js`)) throw new Error('dist/ is missing: run `npm run build` (or drop --no-build).');

const GOALS: Record<string, number> = { rehearse: 1.5, 'rehearse/testing': 2.0, 'rehearse/evals': 2.5 };

interface Scenario { entry: string; format: 'esm' | 'cjs' | 'bare'; args: string[] }
const scenarios: Scenario[] = [{ entry: 'node -e 0', format: 'bare', args: ['-e', '0'] }];
for (const entry of Object.keys(GOALS)) {
  // the package resolves itself by name (self-reference through `exports`) from its own root
  scenarios.push({ entry, format: 'esm', args: ['--input-type=module', '-e', `const m = await import(${JSON.stringify(entry)}); if (Object.keys(m).length === 0) process.exit(3);`] });
  scenarios.push({ entry, format: 'cjs', args: ['-e', `const m = require(${JSON.stringify(entry)}); if (Object.keys(m).length === 0) process.exit(3);`] });
}

function once(s: Scenario): number {
  const t0 = performance.now();
  execFileSync(process.execPath, s.args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  return performance.now() - t0;
}

const times = new Map<Scenario, number[]>(scenarios.map((s) => [s, []]));
for (const s of scenarios) once(s); // warm the file-system cache
for (let i = 0; i < RUNS; i++) for (const s of scenarios) times.get(s)!.push(once(s));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const bare = median(times.get(scenarios[0]!)!);
const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
for (const s of scenarios) {
  const ms = median(times.get(s)!);
  const goal = GOALS[s.entry];
  console.log(
    JSON.stringify({
      scenario: 'import-time',
      entry: s.entry,
      format: s.format,
      runs: RUNS,
      medianMs: round(ms),
      bareMedianMs: round(bare),
      ratio: round(ms / bare, 2),
      ...(goal !== undefined ? { goalRatio: goal, meetsGoal: ms / bare <= goal } : {}),
    }),
  );
}
