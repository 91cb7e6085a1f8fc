import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { averageCases } from './aggregate.js';
import type { EvaluationResult } from './evaluator.js';
import { reportsToJUnitXml } from './junit.js';
import { EvaluationReport, type ReportCase } from './report.js';

function res<T extends boolean | number | string>(name: string, value: T, reason?: string): EvaluationResult<T> {
  return { name, value, source: 'Test', ...(reason ? { reason } : {}) };
}

function mkCase(name: string, o: Partial<ReportCase> = {}): ReportCase {
  return {
    name,
    inputs: { q: name },
    output: `out-${name}`,
    scores: {},
    labels: {},
    assertions: {},
    metrics: {},
    attributes: {},
    taskDurationMs: 10,
    totalDurationMs: 12,
    evaluatorFailures: [],
    ...o,
  };
}

const current = new EvaluationReport({
  name: 'qa',
  cases: [
    mkCase('alpha', {
      scores: { accuracy: res('accuracy', 0.75) },
      labels: { tone: res('tone', 'formal') },
      assertions: { exact: res('exact', true), short: res('short', false, 'too long') },
      metrics: { requests: 2 },
      taskDurationMs: 12.5,
    }),
    mkCase('beta', {
      scores: { accuracy: res('accuracy', 1) },
      labels: { tone: res('tone', 'casual') },
      assertions: { exact: res('exact', true), short: res('short', true) },
      metrics: { requests: 1 },
      taskDurationMs: 1500,
    }),
    mkCase('gamma', { evaluatorFailures: [{ name: 'Judge', errorMessage: 'Error: no key', errorStacktrace: 'Error: no key\n  at x', source: 'Judge' }] }),
  ],
  failures: [{ name: 'delta', inputs: { q: 'delta' }, errorMessage: 'TypeError: boom <&>', errorStacktrace: 'TypeError: boom\n  at y' }],
});

describe('EvaluationReport', () => {
  it('computes averages', () => {
    const avg = current.averages()!;
    expect(avg.scores).toEqual({ accuracy: 0.875 });
    expect(avg.labels).toEqual({ tone: { formal: 0.5, casual: 0.5 } });
    expect(avg.metrics).toEqual({ requests: 1.5 });
    expect(avg.assertions).toBe(0.75);
    expect(avg.taskDurationMs).toBeCloseTo((12.5 + 1500 + 10) / 3);
    expect(current.caseGroups()).toBeUndefined();
    expect(current.failedAssertionCount()).toBe(1);
    expect(new EvaluationReport({ name: 'empty' }).averages()).toBeUndefined();
  });

  // durations as pydantic-evals' default_render_duration (test_render_numbers.py: 1.234567 s → '1.2s')
  it('renders a summary table', () => {
    expect(current.render()).toMatchInlineSnapshot(`
      "Evaluation Summary: qa
      ┌──────────┬─────────────────┬──────────────────────────────────────┬────────────────┬────────────┬──────────────────────┬──────────┐
      │ Case ID  │ Scores          │ Labels                               │ Metrics        │ Assertions │ Evaluator Failures   │ Duration │
      ├──────────┼─────────────────┼──────────────────────────────────────┼────────────────┼────────────┼──────────────────────┼──────────┤
      │ alpha    │ accuracy: 0.750 │ tone: formal                         │ requests: 2    │ ✔✗         │ -                    │ 12.5ms   │
      ├──────────┼─────────────────┼──────────────────────────────────────┼────────────────┼────────────┼──────────────────────┼──────────┤
      │ beta     │ accuracy: 1     │ tone: casual                         │ requests: 1    │ ✔✔         │ -                    │ 1.5s     │
      ├──────────┼─────────────────┼──────────────────────────────────────┼────────────────┼────────────┼──────────────────────┼──────────┤
      │ gamma    │ -               │ -                                    │ -              │ -          │ Judge: Error: no key │ 10.0ms   │
      ├──────────┼─────────────────┼──────────────────────────────────────┼────────────────┼────────────┼──────────────────────┼──────────┤
      │ Averages │ accuracy: 0.875 │ tone: {formal: 50.0%, casual: 50.0%} │ requests: 1.50 │ 75.0% ✔    │                      │ 507.5ms  │
      └──────────┴─────────────────┴──────────────────────────────────────┴────────────────┴────────────┴──────────────────────┴──────────┘
      Case Failures
      ┌─────────┬─────────────────────┐
      │ Case ID │ Error Message       │
      ├─────────┼─────────────────────┤
      │ delta   │ TypeError: boom <&> │
      └─────────┴─────────────────────┘"
    `);
  });

  it('renders a diff against a baseline with added and removed cases', () => {
    const baseline = new EvaluationReport({
      name: 'qa-old',
      cases: [
        mkCase('alpha', {
          scores: { accuracy: res('accuracy', 0.5) },
          labels: { tone: res('tone', 'casual') },
          assertions: { exact: res('exact', false), short: res('short', false) },
          metrics: { requests: 3 },
          taskDurationMs: 20,
        }),
        mkCase('beta', { scores: { accuracy: res('accuracy', 1) }, labels: { tone: res('tone', 'casual') }, assertions: { exact: res('exact', true), short: res('short', true) }, metrics: { requests: 1 }, taskDurationMs: 1500 }),
        mkCase('omega'),
      ],
    });
    const text = current.render({ baseline, asciiOnly: true, includeOutput: true, includeRemovedCases: true });
    expect(text.split('\n')[0]).toBe('Evaluation Diff: qa-old -> qa');
    expect(text).toContain('accuracy: 0.500 -> 0.750 (+0.250)');
    expect(text).toContain('tone: casual -> formal');
    expect(text).toContain('requests: 3 -> 2 (-1)');
    expect(text).toContain('xx -> vx');
    expect(text).toContain('20.0ms -> 12.5ms (-7.5ms)');
    expect(text).toMatch(/\+ Added Case\s*│[^\n]*\n│ gamma/);
    expect(text).toMatch(/- Removed Case\s*│[^\n]*\n│ omega/);
    expect(text).toContain('50.0% v -> 75.0% v'); // omega has no assertions
    expect(text).toContain('510.0ms -> 507.5ms'); // removed cases count in the baseline averages
    expect(text).not.toContain('omega\n│ gamma');
    // pydantic-evals' default: removed cases neither listed nor averaged
    const noRemoved = current.render({ baseline, asciiOnly: true });
    expect(noRemoved).not.toContain('Removed Case');
    expect(noRemoved).toContain('760.0ms -> 507.5ms');
    const same = current.render({ baseline: current });
    expect(same.split('\n')[0]).toBe('Evaluation Diff: qa');
  });

  it('writes JUnit XML that parses back', () => {
    const xml = current.toJUnitXml();
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => ['testsuite', 'testcase', 'error'].includes(n) }).parse(xml) as {
      testsuites: { tests: string; failures: string; errors: string; testsuite: { name: string; testcase: { name: string; classname: string; failure?: { message: string; '#text': string }; error?: { message: string; type: string }[] }[] }[] };
    };
    const suites = parsed.testsuites;
    expect([suites.tests, suites.failures, suites.errors]).toEqual(['4', '1', '2']);
    const cases = suites.testsuite[0]!.testcase;
    expect(cases.map((c) => c.name)).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    expect(cases[0]!.failure).toMatchObject({ message: '1 assertion(s) failed: short', '#text': 'short: failed (too long)' });
    expect(cases[1]!.failure).toBeUndefined();
    expect(cases[2]!.error![0]).toMatchObject({ message: 'Judge: Error: no key', type: 'EvaluatorFailure' });
    expect(cases[3]!.error![0]).toMatchObject({ message: 'TypeError: boom <&>', type: 'TaskFailure' });
    const two = reportsToJUnitXml([current, new EvaluationReport({ name: 'other', cases: [mkCase('x')] })]);
    const p2 = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(two) as { testsuites: { tests: string } };
    expect(p2.testsuites.tests).toBe('5');
  });
});

const scalarName = fc.constantFrom('a', 'b', 'c');
// JSON has no -0: task outputs and scores are JSON data
const num = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map((v) => (v === 0 ? 0 : v));
const arbCase = (name: string) =>
  fc.record({
    scores: fc.dictionary(scalarName, num(-1e6, 1e6)),
    labels: fc.dictionary(scalarName, fc.constantFrom('x', 'y', 'z')),
    assertions: fc.dictionary(scalarName, fc.boolean()),
    metrics: fc.dictionary(scalarName, fc.integer({ min: 0, max: 1000 })),
    taskDurationMs: num(0, 1e5),
    totalDurationMs: num(0, 1e5),
    output: fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown),
  }).map((r) =>
    mkCase(name, {
      scores: Object.fromEntries(Object.entries(r.scores).map(([k, v]) => [k, res(k, v)])),
      labels: Object.fromEntries(Object.entries(r.labels).map(([k, v]) => [k, res(k, v)])),
      assertions: Object.fromEntries(Object.entries(r.assertions).map(([k, v]) => [k, res(k, v, v ? undefined : 'failed')])),
      metrics: r.metrics,
      taskDurationMs: r.taskDurationMs,
      totalDurationMs: r.totalDurationMs,
      output: r.output,
    }),
  );
const arbReport = fc.integer({ min: 0, max: 8 }).chain((n) =>
  fc.tuple(...Array.from({ length: n }, (_, i) => arbCase(`case-${i}`))).map((cases) => new EvaluationReport({ name: 'prop', cases })),
);

describe('report properties', () => {
  it('averages() equals values recomputed from the cases', () => {
    fc.assert(
      fc.property(arbReport, (report) => {
        const avg = report.averages();
        if (report.cases.length === 0) return avg === undefined;
        const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
        for (const k of ['a', 'b', 'c']) {
          const scores = report.cases.flatMap((c) => (c.scores[k] ? [c.scores[k].value] : []));
          if (scores.length) expect(avg!.scores[k]).toBeCloseTo(mean(scores), 6);
          else expect(avg!.scores[k]).toBeUndefined();
          const metrics = report.cases.flatMap((c) => (c.metrics[k] !== undefined ? [c.metrics[k]] : []));
          if (metrics.length) expect(avg!.metrics[k]).toBeCloseTo(mean(metrics), 9);
          const labels = report.cases.flatMap((c) => (c.labels[k] ? [c.labels[k].value] : []));
          for (const v of new Set(labels)) expect(avg!.labels[k]![v]).toBeCloseTo(labels.filter((l) => l === v).length / labels.length, 12);
        }
        const all = report.cases.flatMap((c) => Object.values(c.assertions).map((a) => a.value));
        if (all.length) expect(avg!.assertions).toBeCloseTo(all.filter(Boolean).length / all.length, 12);
        else expect(avg!.assertions).toBeUndefined();
        expect(avg!.taskDurationMs).toBeCloseTo(mean(report.cases.map((c) => c.taskDurationMs)), 6);
        expect(avg).toEqual(averageCases(report.cases));
        return true;
      }),
    );
  });

  it('JSON round trip of a report is the identity', () => {
    fc.assert(
      fc.property(arbReport, (report) => {
        const back = EvaluationReport.fromJSON(JSON.parse(JSON.stringify(report)) as never);
        expect(back).toEqual(report);
        expect(back.toJSON()).toEqual(report.toJSON());
        expect(back.render({ includeDurations: false })).toBe(report.render({ includeDurations: false }));
      }),
    );
  });
});
