import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { main } from './main.js';

const INDEX = fileURLToPath(new URL('../evals/index.ts', import.meta.url));

const suiteFile = (body: string) => `import { Case, Dataset, EqualsExpected, Evaluator, defineEval } from ${JSON.stringify(INDEX)};\n${body}\n`;

const PASSING = suiteFile(`
class Length extends Evaluator { evaluate(ctx) { return String(ctx.output).length / 10; } }
export const upper = defineEval({
  dataset: new Dataset({ name: 'upper', cases: [new Case({ name: 'a', inputs: 'abc', expectedOutput: 'ABC' }), new Case({ name: 'b', inputs: 'xy', expectedOutput: 'XY' })], evaluators: [new EqualsExpected(), new Length()] }),
  task: (s) => s.toUpperCase(),
});
`);

const FAILING = suiteFile(`
export const halfRight = defineEval({
  dataset: new Dataset({ name: 'half', cases: [new Case({ name: 'ok', inputs: 1, expectedOutput: 2 }), new Case({ name: 'bad', inputs: 2, expectedOutput: 5 })], evaluators: [new EqualsExpected()] }),
  task: (n) => n * 2,
});
`);

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'rehearse-cli-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
  return dir;
}

async function run(argv: string[], cwd: string) {
  let out = '';
  let err = '';
  const code = await main(argv, { cwd, stdout: (t) => (out += t), stderr: (t) => (err += t), color: false });
  return { code, out, err };
}

describe('rehearse eval', () => {
  it('runs every *.eval.ts under evals/ by default and exits 0 when all pass', async () => {
    const dir = await project({ 'evals/upper.eval.ts': PASSING, 'evals/nested/other.eval.ts': PASSING.replace("name: 'upper'", "name: 'upper2'"), 'evals/helper.ts': 'export const x = 1;' });
    const r = await run(['eval', '--json', 'out.json', '--junit', 'out.xml'], dir);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Evaluation Summary: upper2');
    expect(r.out).toContain('Evaluation Summary: upper\n');
    expect(r.out).toContain('✔ upper: passed');
    const json = JSON.parse(await readFile(path.join(dir, 'out.json'), 'utf8')) as { reports: { name: string; cases: unknown[] }[] };
    expect(json.reports.map((x) => [x.name, x.cases.length])).toEqual([['upper2', 2], ['upper', 2]]);
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(await readFile(path.join(dir, 'out.xml'), 'utf8')) as { testsuites: { tests: string; failures: string } };
    expect([xml.testsuites.tests, xml.testsuites.failures]).toEqual(['4', '0']);
  });

  it('exits 1 on a failed assertion, and thresholds decide when given', async () => {
    const dir = await project({ 'half.eval.ts': FAILING, 'upper.eval.ts': PASSING });
    const r = await run(['eval', 'half.eval.ts'], dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain('✗ half: 1 assertion(s) failed');
    expect((await run(['eval', 'half.eval.ts', '--min-pass-rate', '0.5'], dir)).code).toBe(0);
    const low = await run(['eval', 'half.eval.ts', '--min-pass-rate', '0.75'], dir);
    expect(low.code).toBe(1);
    expect(low.out).toContain('assertion pass rate 50.0% is below 75.0%');
    expect((await run(['eval', 'upper.eval.ts', '--min-score', '0.25'], dir)).code).toBe(0);
    const score = await run(['eval', 'upper.eval.ts', '--min-score', '0.3'], dir);
    expect(score.code).toBe(1);
    expect(score.out).toContain('average score Length = 0.250 is below 0.3');
  });

  it('compares with a baseline from an earlier --json run', async () => {
    const dir = await project({ 'half.eval.ts': FAILING });
    await run(['eval', 'half.eval.ts', '--json', 'base.json'], dir);
    // a new file: modules are cached per process, as in any ESM host
    await writeFile(path.join(dir, 'half-fixed.eval.ts'), FAILING.replace('expectedOutput: 5', 'expectedOutput: 4'));
    const r = await run(['eval', 'half-fixed.eval.ts', '--baseline', 'base.json'], dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Evaluation Diff: half');
    expect(r.out).toContain('✗ → ✔');
  });

  it('exits 2 on usage and load errors, naming the file', async () => {
    const dir = await project({
      'broken.eval.ts': 'export const x = ;',
      'empty/none.eval.ts': 'export const notASuite = 1;',
      'ok.eval.ts': PASSING,
      'bad.json': '{',
    });
    const broken = await run(['eval', 'broken.eval.ts'], dir);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/^rehearse eval: failed to load broken\.eval\.ts: /);
    // another suite beside a broken one still runs; the exit code is 2 at the end
    const both = await run(['eval', 'broken.eval.ts', 'ok.eval.ts'], dir);
    expect(both.code).toBe(2);
    expect(both.out).toContain('✔ upper: passed');
    const none = await run(['eval', 'empty'], dir);
    expect(none.code).toBe(2);
    expect(none.err).toContain(`${path.join('empty', 'none.eval.ts')} exports no suites made with defineEval`);
    expect((await run(['eval', 'missing-dir'], dir)).err).toMatch(/missing-dir: no such file or directory/);
    expect((await run(['eval', 'ok.eval.ts', '--min-score', 'abc'], dir)).code).toBe(2);
    expect((await run(['eval', 'ok.eval.ts', '--nope'], dir)).code).toBe(2);
    expect((await run(['frobnicate'], dir)).code).toBe(2);
    const badBaseline = await run(['eval', 'ok.eval.ts', '--baseline', 'bad.json'], dir);
    expect(badBaseline.code).toBe(2);
    expect(badBaseline.err).toContain('bad.json: not valid JSON');
    const noFiles = await project({ 'evals/readme.md': '# none' });
    expect((await run(['eval'], noFiles)).err).toContain('no eval files (*.eval.{ts,mts,cts,js,mjs,cjs}) found in evals/');
  });

  it('--timeout fails a run that takes too long and aborts its task; --repeat repeats', async () => {
    const dir = await project({
      'slow.eval.ts': suiteFile(`
export const slow = defineEval({
  dataset: new Dataset({ name: 'slow', cases: [new Case({ name: 'sleepy', inputs: 5000 }), new Case({ name: 'quick', inputs: 0 })] }),
  task: (ms, { signal }) => new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve(ms), ms);
    signal.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason); });
  }),
});
`),
    });
    const r = await run(['eval', 'slow.eval.ts', '--timeout', '100', '--repeat', '2', '--json', 'out/r.json'], dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain('✗ slow: 2 case(s) timed out');
    const json = JSON.parse(await readFile(path.join(dir, 'out/r.json'), 'utf8')) as { reports: { failures: { name: string; status: string }[]; cases: { name: string }[] }[] };
    expect(json.reports[0]!.failures.map((f) => [f.name, f.status])).toEqual([
      ['sleepy [1/2]', 'timed-out'],
      ['sleepy [2/2]', 'timed-out'],
    ]);
    expect(json.reports[0]!.cases.map((c) => c.name)).toEqual(['quick [1/2]', 'quick [2/2]']);
  });

  it('rehearse --version prints the package version', async () => {
    const r = await run(['--version'], tmpdir());
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')).version}\n`);
  });

  it('returns 130 with partial reports when aborted', async () => {
    const dir = await project({ 'upper.eval.ts': PASSING });
    const controller = new AbortController();
    controller.abort();
    let out = '';
    const code = await main(['eval', '.'], { cwd: dir, stdout: (t) => (out += t), stderr: () => {}, signal: controller.signal });
    expect(code).toBe(130);
    // nothing ran, yet every case is listed as cancelled
    expect(out).toContain('Evaluation Summary: upper (interrupted)');
    expect(out).toMatch(/Cancelled \(not run\)[\s\S]*│ a +│ not started/);
    expect(out).toContain('✗ upper: 2 case(s) cancelled');
  });
});
