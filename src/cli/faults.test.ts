/**
 * Faults through the CLI, in child processes (issue 10): every case of every suite appears once
 * in the printed report, --json and --junit, whatever the tasks do; Ctrl-C sent to the whole
 * process group writes the partial reports within 1 s and exits 130.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { EvalRunJson } from './eval-run.js';
import { EVALS_INDEX, evalScript, project, startCli } from './test/cli-child.js';

const imp = `import { Case, Dataset, EqualsExpected, Evaluator, defineEval } from ${JSON.stringify(EVALS_INDEX)};`;

const FAULTS = `${imp}
class Picky extends Evaluator {
  evaluate(ctx) {
    if (ctx.name === 'evaluator-throws') throw Object.create(null);
    return true;
  }
}
const tasks = {
  ok: () => 'x',
  'throws-null-proto': () => { throw Object.create(null); },
  'throws-symbol': () => { throw Symbol('boom'); },
  'throws-bigint': () => { throw 10n; },
  'bigint-output': () => 12n,
  'cycle-output': () => { const o = { a: 1 }; o.self = o; return o; },
  'fn-output': () => ({ f: function answer() { return 1; } }),
  'evaluator-throws': () => 'x',
  'teardown-throws': () => 'x',
  'never-1': () => new Promise(() => {}),
  'never-2': () => new Promise(() => {}),
  'never-3': () => new Promise(() => {}),
  'never-4': () => new Promise(() => {}),
  'never-5': () => new Promise(() => {}),
};
export const faults = defineEval({
  dataset: new Dataset({ name: 'faults', cases: Object.keys(tasks).map((name) => new Case({ name, inputs: name })), evaluators: [new Picky()] }),
  task: async (name) => tasks[name](),
  options: { lifecycle: (c) => ({ teardown() { if (c.name === 'teardown-throws') throw Symbol('teardown boom'); } }) },
});
`;

// .mjs: discovered too; the timeout comes from the suite option
const SLOW = `${imp.replace('import {', 'import { Case as C,').replace('Case, ', '')}
export const slow = defineEval({
  dataset: new Dataset({ name: 'slow', cases: [new C({ name: 'slow', inputs: 1 }), new C({ name: 'quick', inputs: 0 })] }),
  task: (n, { signal }) => new Promise((resolve, reject) => {
    if (n === 0) return resolve('done');
    const t = setTimeout(() => resolve('late'), 60_000);
    signal.addEventListener('abort', () => { clearTimeout(t); process.stderr.write('slow task saw ' + signal.reason.name + '\\n'); reject(signal.reason); });
  }),
  options: { timeoutMs: 200 },
});
`;

const HANG = `${imp}
export const hang = defineEval({
  dataset: new Dataset({ name: 'hang', cases: ['a', 'b', 'h1', 'h2', 'h3', 'h4'].map((name) => new Case({ name, inputs: name, expectedOutput: name })), evaluators: [new EqualsExpected()] }),
  task: async (name) => {
    if (name.startsWith('h')) {
      process.stderr.write('started ' + name + '\\n');
      await new Promise((resolve) => setTimeout(resolve, 30_000)); // ignores its signal
    }
    return name;
  },
  OPTIONS
});
export const later = defineEval({
  dataset: new Dataset({ name: 'later', cases: [new Case({ name: 'never-reached', inputs: 1 })] }),
  task: (n) => n,
});
`;

type JsonReport = EvalRunJson['reports'][number];
const byName = (r: JsonReport) => {
  const all = new Map<string, { kind: string; entry: Record<string, unknown> }>();
  for (const c of r.cases) all.set(c.name, { kind: 'case', entry: c as unknown as Record<string, unknown> });
  for (const f of r.failures) all.set(f.name, { kind: 'failure', entry: f as unknown as Record<string, unknown> });
  for (const x of r.cancelled ?? []) all.set(x.name, { kind: 'cancelled', entry: x as unknown as Record<string, unknown> });
  expect(all.size).toBe(r.cases.length + r.failures.length + (r.cancelled ?? []).length); // each once
  return all;
};

describe.concurrent('rehearse eval under faults (child process)', () => {
  it('reports every case exactly once: thrown values, odd outputs, lifecycle and evaluator failures, never-settled tasks, timeouts, load errors', async () => {
    const dir = await project({ 'evals/faults.eval.ts': FAULTS, 'evals/slow.eval.mjs': SLOW, 'evals/broken.eval.ts': `${imp}\nthrow new Error('broken at load');\n` });
    const cli = startCli(['eval', '--json', 'out/deep/run.json', '--junit', 'out/junit/run.xml'], dir);
    const { code } = await cli.exit;
    expect(cli.stderr()).toContain('slow task saw CaseTimeoutError');
    expect(code).toBe(2); // a file failed to load; the other suites still ran
    const json = JSON.parse(await readFile(path.join(dir, 'out/deep/run.json'), 'utf8')) as EvalRunJson;
    expect(json.loadErrors).toHaveLength(1);
    expect(json.loadErrors[0]!.file).toBe(path.join('evals', 'broken.eval.ts'));
    expect(json.loadErrors[0]!.message).toBe('failed to load evals/broken.eval.ts: Error: broken at load');
    expect(json.loadErrors[0]!.stack).toContain('broken.eval.ts');
    expect(cli.stderr()).toContain('rehearse eval: failed to load evals/broken.eval.ts: Error: broken at load');
    expect(json.reports.map((r) => [r.name, r.file, r.passed])).toEqual([
      ['faults', path.join('evals', 'faults.eval.ts'), false],
      ['slow', path.join('evals', 'slow.eval.mjs'), false],
    ]);

    const faults = byName(json.reports[0]!);
    expect([...faults.keys()].sort()).toEqual(
      ['ok', 'throws-null-proto', 'throws-symbol', 'throws-bigint', 'bigint-output', 'cycle-output', 'fn-output', 'evaluator-throws', 'teardown-throws', 'never-1', 'never-2', 'never-3', 'never-4', 'never-5'].sort(),
    );
    const get = (n: string) => faults.get(n)!.entry;
    expect(get('ok')).toMatchObject({ output: 'x', assertions: { Picky: { value: true } }, evaluatorFailures: [] });
    expect(get('throws-null-proto')).toMatchObject({ status: 'error', errorMessage: 'Thrown object: [Object: null prototype] {}', errorType: 'object' });
    expect(get('throws-symbol')).toMatchObject({ status: 'error', errorMessage: 'Thrown symbol: Symbol(boom)', errorType: 'symbol' });
    expect(get('throws-bigint')).toMatchObject({ status: 'error', errorMessage: 'Thrown bigint: 10n', errorType: 'bigint' });
    expect(get('bigint-output')).toMatchObject({ output: '12n' });
    expect(get('cycle-output')).toMatchObject({ output: { a: 1, self: '[Circular]' } });
    expect(get('fn-output')).toMatchObject({ output: { f: '[Function answer]' } });
    expect(get('evaluator-throws')).toMatchObject({
      output: 'x',
      evaluatorFailures: [{ name: 'Picky', errorMessage: 'Thrown object: [Object: null prototype] {}', errorType: 'object' }],
    });
    expect(get('teardown-throws')).toMatchObject({ output: 'x', evaluatorFailures: [{ name: 'teardown', errorMessage: 'Thrown symbol: Symbol(teardown boom)', source: 'CaseLifecycle' }] });
    for (let i = 1; i <= 5; i++) {
      expect(faults.get(`never-${i}`)).toMatchObject({ kind: 'failure', entry: { status: 'never-settled', errorType: 'CaseNeverSettledError' } });
    }
    expect(json.reports[0]!.problems).toEqual(['3 case(s) failed with an error', '5 case(s) never settled', '2 evaluator failure(s)']);

    const slow = byName(json.reports[1]!);
    expect(slow.get('quick')).toMatchObject({ kind: 'case', entry: { output: 'done' } });
    expect(slow.get('slow')).toMatchObject({
      kind: 'failure',
      entry: { status: 'timed-out', errorType: 'CaseTimeoutError', errorMessage: "CaseTimeoutError: case 'slow' did not finish within 200 ms (timeoutMs); its task was aborted" },
    });

    const out = cli.stdout();
    for (const n of faults.keys()) expect(out).toContain(n);
    expect(out.match(/│ \(never-settled\)/g)).toHaveLength(5);
    expect(out.match(/│ \(timed-out\)/g)).toHaveLength(1);

    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(await readFile(path.join(dir, 'out/junit/run.xml'), 'utf8')) as {
      testsuites: { tests: string; errors: string; testsuite: { name: string; testcase: { name: string; error?: { type: string }[] | { type: string } }[] }[] };
    };
    expect(xml.testsuites.tests).toBe('16');
    const slowXml = xml.testsuites.testsuite[1]!.testcase.find((t) => t.name === 'slow')!;
    expect(slowXml.error).toMatchObject({ type: 'Timeout' });
  });

  for (const [label, options, via] of [
    ['unlimited concurrency under `npm run eval` (npm, its shell and node all get SIGINT)', '', 'npm'],
    ['maxConcurrency 3, SIGINT to the group', 'options: { maxConcurrency: 3 },', 'node'],
  ] as const) {
    it(`Ctrl-C with ${label}: partial reports within 1 s, JSON and JUnit marked interrupted, exit 130`, async () => {
      const argv = ['eval', '--json', 'out/run.json', '--junit', 'out/run.xml'];
      const dir = await project({
        'evals/hang.eval.ts': HANG.replace('OPTIONS', options),
        'package.json': JSON.stringify({ name: 'consumer', private: true, scripts: { eval: evalScript(argv) } }),
      });
      const cli = startCli(argv, dir, via);
      await cli.waitFor('started h1');
      await new Promise((r) => setTimeout(r, 100));
      const reported = cli.waitFor('rehearse eval: interrupted');
      const sentAt = performance.now();
      process.kill(-cli.child.pid!, 'SIGINT');
      await new Promise((r) => setTimeout(r, 15));
      try {
        process.kill(-cli.child.pid!, 'SIGINT'); // a second Ctrl-C in quick succession
      } catch {
        // already gone
      }
      const { code, signal } = await cli.exit;
      // node exits 130; npm reports its child's interrupt by ending on the signal itself
      if (via === 'npm') expect([code, signal]).toContainEqual(code === null ? 'SIGINT' : 130);
      else expect(code).toBe(130);
      // the partial report is printed (and the files written) before this line
      expect((await reported) - sentAt).toBeLessThan(1000);
      const json = JSON.parse(await readFile(path.join(dir, 'out/run.json'), 'utf8')) as EvalRunJson;
      expect(json.interrupted).toBe(true);
      expect(json.reports.map((r) => [r.name, r.interrupted])).toEqual([['hang', true], ['later', true]]);
      const hang = byName(json.reports[0]!);
      expect([...hang.keys()].sort()).toEqual(['a', 'b', 'h1', 'h2', 'h3', 'h4']);
      expect(hang.get('a')!.kind).toBe('case');
      expect(hang.get('h1')).toMatchObject({ kind: 'cancelled', entry: { reason: 'aborted' } });
      for (const h of ['h2', 'h3', 'h4']) expect(['aborted', 'not-started']).toContain(hang.get(h)!.entry['reason']);
      expect(json.reports[1]!.cancelled).toEqual([{ name: 'never-reached', inputs: 1, reason: 'not-started' }]);
      expect(cli.stdout()).toContain('Evaluation Summary: hang (interrupted)');
      expect(cli.stdout()).toContain('Cancelled (not run)');
      const xml = await readFile(path.join(dir, 'out/run.xml'), 'utf8');
      expect(xml).toContain('<skipped message="cancelled: aborted while running"');
    });
  }

  it('loads .eval.ts, .eval.cts and .eval.cjs suites in a CommonJS package with no extra files', async () => {
    const cjsImp = `const { Case, Dataset, EqualsExpected, defineEval } = require(${JSON.stringify(EVALS_INDEX)});`;
    const suite = (name: string) =>
      `defineEval({ dataset: new Dataset({ name: '${name}', cases: [new Case({ name: 'one', inputs: 1, expectedOutput: 2 })], evaluators: [new EqualsExpected()] }), task: (n: number) => n * 2 })`;
    const dir = await project({
      'package.json': '{ "name": "cjs-consumer", "type": "commonjs" }',
      'evals/a.eval.ts': `${imp}\nexport const a = ${suite('ts_in_cjs')};\n`,
      'evals/b.eval.cts': `${cjsImp}\nexport const b = ${suite('cts')};\n`,
      'evals/c.eval.cjs': `${cjsImp}\nexports.c = ${suite('cjs').replace('(n: number)', '(n)')};\n`,
    });
    const cli = startCli(['eval', '--json', 'run.json'], dir);
    const { code } = await cli.exit;
    expect(cli.stderr()).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(await readFile(path.join(dir, 'run.json'), 'utf8')) as EvalRunJson;
    expect(json.reports.map((r) => [r.name, r.passed])).toEqual([['ts_in_cjs', true], ['cts', true], ['cjs', true]]);
  });
});
