/**
 * The README's "Evals in CI" promises: the flaky-suite example prints the report shown, and the
 * pass-rate diff shown is what a 18/20 → 10/20 case renders.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Case, Dataset, EvaluationReport, Evaluator, type EvaluatorContext } from '../evals/index.js';
import { main } from './main.js';
import { project } from './test/cli-child.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The first fenced block after `<!-- marker -->` in the README. */
function block(readme: string, marker: string): string {
  const at = readme.indexOf(`<!-- ${marker} -->`);
  expect(at).toBeGreaterThan(0);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(readme.slice(at))!;
  return m[1]!;
}

/** A block that follows the given heading line (the first fenced block containing it). */
function blockWith(readme: string, first: string): string {
  const m = new RegExp('```\\n(' + first.replace(/[()]/g, '\\$&') + '\\n[\\s\\S]*?)```').exec(readme);
  expect(m).not.toBeNull();
  return m![1]!;
}

describe('README: Evals in CI', () => {
  it('the flaky suite prints the report shown', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const suite = block(readme, 'readme-flaky-suite')
      .replace("from 'rehearse';", `from ${JSON.stringify(path.join(ROOT, 'src/runtime/index.ts'))};`)
      .replace("from 'rehearse/testing';", `from ${JSON.stringify(path.join(ROOT, 'src/testing/index.ts'))};`)
      .replace("from 'rehearse/evals';", `from ${JSON.stringify(path.join(ROOT, 'src/evals/index.ts'))};`);
    const dir = await project({ 'evals/refunds.eval.ts': suite });
    let out = '';
    const code = await main(['eval', 'evals/refunds.eval.ts'], { cwd: dir, stdout: (t) => (out += t), stderr: () => {}, color: false });
    expect(out.trimEnd()).toBe(block(readme, 'readme-flaky-report').trimEnd());
    expect(code).toBe(1);
  });

  it('the pass-rate diff shown is the one an 18/20 → 10/20 case renders', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    class Passed extends Evaluator {
      evaluate(ctx: EvaluatorContext) {
        return ctx.output === true;
      }
    }
    const run = (passes: number) =>
      new Dataset<string, boolean>({ cases: [new Case({ name: 'coin', inputs: 'flip' })], evaluators: [new Passed()] }).evaluate(
        async (_q, { repeatIndex }) => repeatIndex <= passes,
        { name: 'coin', repeat: 20 },
      );
    const [now, before] = [await run(10), EvaluationReport.fromJSON(JSON.parse(JSON.stringify((await run(18)).toJSON())))];
    const text = now.render({ baseline: before });
    const shown = blockWith(readme, 'Pass Rate Changes (Fisher exact test, two-sided)');
    expect(text).toContain(shown.trimEnd());
  });
});

describe('README: Datasets in YAML', () => {
  it('the YAML dataset loads through the suite shown and every case passes', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const yaml = block(readme, 'readme-yaml-dataset');
    const suite = block(readme, 'readme-yaml-suite')
      .replace("from 'zod';", `from ${JSON.stringify(path.join(ROOT, 'node_modules/zod/index.js'))};`)
      .replace("from 'rehearse';", `from ${JSON.stringify(path.join(ROOT, 'src/runtime/index.ts'))};`)
      .replace("from 'rehearse/testing';", `from ${JSON.stringify(path.join(ROOT, 'src/testing/index.ts'))};`)
      .replace("from 'rehearse/evals';", `from ${JSON.stringify(path.join(ROOT, 'src/evals/index.ts'))};`);
    const dir = await project({ 'package.json': '{"type":"module"}', 'evals/capitals.yaml': yaml, 'evals/capitals-yaml.eval.ts': suite });
    let out = '';
    const json = path.join(dir, 'out', 'run.json');
    const code = await main(['eval', 'evals', '--json', json], { cwd: dir, stdout: (t) => (out += t), stderr: (t) => (out += t), color: false });
    expect(code, out).toBe(0);
    const report = JSON.parse(await readFile(json, 'utf8')) as { reports: { name: string; cases: { name: string; assertions: Record<string, { value: boolean }> }[] }[] };
    expect(report.reports.map((r) => r.name)).toEqual(['capitals']);
    const cases = report.reports[0]!.cases;
    expect(cases.map((c) => c.name).sort()).toEqual(['france', 'japan']);
    // dataset-wide EqualsExpected and MaxDuration, plus japan's own Contains
    expect(Object.keys(cases.find((c) => c.name === 'japan')!.assertions).sort()).toEqual(['Contains', 'EqualsExpected', 'MaxDuration']);
    expect(Object.keys(cases.find((c) => c.name === 'france')!.assertions).sort()).toEqual(['EqualsExpected', 'MaxDuration']);
    for (const c of cases) for (const a of Object.values(c.assertions)) expect(a.value).toBe(true);
  });

  it('a bad file names the case and path of every problem', async () => {
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const bad = block(readme, 'readme-yaml-dataset').replace('expected_output: Tokyo', 'expected_output: [Tokyo]');
    const { z } = await import('zod');
    const err = (() => {
      try {
        Dataset.fromText(bad, { source: 'capitals.yaml', inputsSchema: z.string(), outputSchema: z.string() });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message).toMatch(/^capitals\.yaml: 1 problem\(s\)/);
    expect(err?.message).toContain("case 'japan', cases.1.expected_output: ");
  });
});
