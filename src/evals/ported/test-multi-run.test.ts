/**
 * Ported from pydantic-ai tests/evals/test_multi_run.py (`repeat`). Python's `None` results
 * (`case_groups()`, `source_case_name`) are `undefined` in rehearse; durations are milliseconds.
 */
import { describe, expect, it } from 'vitest';
import { averageAggregates, type ReportCaseAggregate } from '../aggregate.js';
import { Case } from '../case.js';
import { Dataset } from '../dataset.js';
import type { EvaluationResult } from '../evaluator.js';
import { Evaluator } from '../evaluator.js';
import { EvaluationReport, type ReportCase, type ReportCaseFailure } from '../report.js';

class AlwaysPass extends Evaluator {
  evaluate(): boolean {
    return true;
  }
}
const upper = async (inputs: string) => inputs.toUpperCase();
const pass = (): Record<string, EvaluationResult<boolean>> => ({ AlwaysPass: { name: 'AlwaysPass', value: true, source: 'AlwaysPass' } });
function run(name: string, source: string, init: Partial<ReportCase> = {}): ReportCase {
  return { name, inputs: 'hello', output: 'HELLO', metrics: {}, attributes: {}, scores: {}, labels: {}, assertions: {}, taskDurationMs: 1000, totalDurationMs: 1000, evaluatorFailures: [], sourceCaseName: source, ...init };
}
function failure(name: string, source: string, inputs: string, errorMessage: string): ReportCaseFailure {
  return { name, inputs, errorMessage, errorStacktrace: 'Traceback ...', sourceCaseName: source };
}
const agg = (init: Partial<ReportCaseAggregate>): ReportCaseAggregate => ({ name: 'Averages', scores: {}, labels: {}, metrics: {}, assertions: undefined, taskDurationMs: 0, totalDurationMs: 0, ...init });

describe('ported from pydantic-ai tests/evals/test_multi_run.py', () => {
  it('test_repeat_1_produces_identical_behavior', async () => {
    let calls = 0;
    const dataset = new Dataset<string, string>({ name: 'repeat_1', cases: [new Case({ name: 'case1', inputs: 'hello' }), new Case({ name: 'case2', inputs: 'world' })] });
    const report = await dataset.evaluate(async (x) => (calls++, x.toUpperCase()), { name: 'test', progress: false });
    expect(calls).toBe(2);
    expect(report.cases).toHaveLength(2);
    expect(report.cases.every((c) => c.sourceCaseName === undefined)).toBe(true);
    expect(report.caseGroups()).toBeUndefined();
  });

  it('test_repeat_3_produces_3x_cases', async () => {
    let calls = 0;
    const dataset = new Dataset<string, string>({ name: 'repeat_3', cases: [new Case({ name: 'case1', inputs: 'hello' }), new Case({ name: 'case2', inputs: 'world' })] });
    const report = await dataset.evaluate(async (x) => (calls++, x.toUpperCase()), { name: 'test', progress: false, repeat: 3 });
    expect(calls).toBe(6);
    expect(report.cases.map((c) => c.name).sort()).toEqual(['case1 [1/3]', 'case1 [2/3]', 'case1 [3/3]', 'case2 [1/3]', 'case2 [2/3]', 'case2 [3/3]']);
    expect(report.cases.every((c) => c.sourceCaseName !== undefined)).toBe(true);
    expect(report.cases.filter((c) => c.sourceCaseName === 'case1')).toHaveLength(3);
    expect(report.cases.filter((c) => c.sourceCaseName === 'case2')).toHaveLength(3);
  });

  it('test_repeat_with_unnamed_cases', async () => {
    const dataset = new Dataset<string, string>({ name: 'unnamed_cases', cases: [new Case({ inputs: 'hello' }), new Case({ inputs: 'world' })] });
    const report = await dataset.evaluate(upper, { name: 'test', progress: false, repeat: 2 });
    expect(report.cases.map((c) => c.name).sort()).toEqual(['Case 1 [1/2]', 'Case 1 [2/2]', 'Case 2 [1/2]', 'Case 2 [2/2]']);
    expect(report.cases.every((c) => c.sourceCaseName !== undefined)).toBe(true);
  });

  it('test_repeat_invalid_value', async () => {
    const dataset = new Dataset<string, string>({ name: 'invalid_repeat', cases: [new Case({ inputs: 'hello' })] });
    await expect(dataset.evaluate(upper, { name: 'test', progress: false, repeat: 0 })).rejects.toThrow('repeat must be >= 1');
  });

  it('test_case_groups_correctly_groups', async () => {
    const dataset = new Dataset<string, string>({ name: 'case_groups', cases: [new Case({ name: 'case1', inputs: 'hello' }), new Case({ name: 'case2', inputs: 'world' })] });
    const groups = (await dataset.evaluate(upper, { name: 'test', progress: false, repeat: 2 })).caseGroups();
    expect(groups).toHaveLength(2);
    expect(groups!.map((g) => g.name)).toEqual(expect.arrayContaining(['case1', 'case2']));
    for (const g of groups!) {
      expect(g.runs).toHaveLength(2);
      expect(g.failures).toHaveLength(0);
      expect(g.summary.name).toBe('Averages');
    }
  });

  it('test_case_groups_returns_none_for_single_run', async () => {
    const dataset = new Dataset<string, string>({ name: 'single_run', cases: [new Case({ name: 'case1', inputs: 'hello' })] });
    expect((await dataset.evaluate(upper, { name: 'test', progress: false, repeat: 1 })).caseGroups()).toBeUndefined();
  });

  it('test_averages_with_multi_run: two-level averaging', () => {
    const score = (value: number) => ({ score: { name: 'score', value, source: 'MockScoreEvaluator' } });
    const report = new EvaluationReport({
      name: 'test',
      cases: [
        run('case1 [1/2]', 'case1', { output: 0.2, scores: score(0.2) }),
        run('case1 [2/2]', 'case1', { output: 0.4, scores: score(0.4) }),
        run('case2 [1/2]', 'case2', { inputs: 'world', output: 0.9, scores: score(0.9) }),
      ],
      failures: [failure('case2 [2/2]', 'case2', 'world', 'failed')],
    });
    // mean(mean(0.2, 0.4), mean(0.9)) = 0.6; a flat mean would be 0.5
    expect(report.averages()!.scores['score']).toBeCloseTo(0.6, 12);
  });

  it('test_average_from_aggregates_computation', () => {
    const result = averageAggregates([
      agg({ scores: { s1: 0.5, s2: 0.25 }, labels: { l1: { a: 0.5, b: 0.5 } }, metrics: { m1: 10.0 }, assertions: 1.0, taskDurationMs: 1000, totalDurationMs: 2000 }),
      agg({ scores: { s1: 0.5, s2: 0.75 }, labels: { l1: { a: 0.25, b: 0.75 } }, metrics: { m1: 20.0 }, assertions: 0.5, taskDurationMs: 3000, totalDurationMs: 4000 }),
    ]);
    expect(result).toEqual({
      name: 'Averages',
      scores: { s1: 0.5, s2: 0.5 },
      labels: { l1: { a: 0.375, b: 0.625 } },
      metrics: { m1: 15.0 },
      assertions: 0.75,
      taskDurationMs: 2000,
      totalDurationMs: 3000,
    });
  });

  it('test_average_from_aggregates_empty', () => {
    const result = averageAggregates([]);
    expect(result.scores).toEqual({});
    expect(result.labels).toEqual({});
    expect(result.metrics).toEqual({});
    expect(result.assertions).toBeUndefined();
    expect(result.taskDurationMs).toBe(0);
    expect(result.totalDurationMs).toBe(0);
  });

  it('test_average_from_aggregates_partial_keys', () => {
    const result = averageAggregates([
      agg({ scores: { s1: 1.0 }, labels: { sentiment: { positive: 0.8, negative: 0.2 } }, metrics: { m1: 10.0 }, assertions: 1.0, taskDurationMs: 1000, totalDurationMs: 1000 }),
      agg({ scores: { s2: 2.0 }, labels: { topic: { science: 0.6, arts: 0.4 } }, metrics: { m2: 20.0 }, assertions: undefined, taskDurationMs: 3000, totalDurationMs: 3000 }),
    ]);
    expect(result.scores).toEqual({ s1: 1.0, s2: 2.0 });
    expect(result.metrics).toEqual({ m1: 10.0, m2: 20.0 });
    expect(result.labels['sentiment']).toEqual({ positive: 0.8, negative: 0.2 });
    expect(result.labels['topic']).toEqual({ science: 0.6, arts: 0.4 });
    expect(result.assertions).toBe(1.0);
  });

  // test_otel_spans_have_correct_attributes: skipped, asserts logfire's `logfire.experiment.*` span attributes

  it('test_repeat_with_evaluators', async () => {
    const dataset = new Dataset<string, string>({ name: 'repeat_evaluators', cases: [new Case({ name: 'case1', inputs: 'hello' })], evaluators: [new AlwaysPass()] });
    const report = await dataset.evaluate(upper, { name: 'test', progress: false, repeat: 3 });
    expect(report.cases).toHaveLength(3);
    for (const c of report.cases) expect(Object.keys(c.assertions).length).toBeGreaterThan(0);
  });

  // test_repeat_rendering: skipped, a rich-table snapshot; rehearse renders repeated runs with its per-case statistics table

  it('test_report_case_group_fields', () => {
    const report = new EvaluationReport({
      name: 'test',
      cases: [
        run('case1 [1/2]', 'case1', { assertions: pass(), taskDurationMs: 100, totalDurationMs: 200 }),
        run('case1 [2/2]', 'case1', { assertions: pass(), taskDurationMs: 150, totalDurationMs: 250 }),
      ],
    });
    const groups = report.caseGroups();
    expect(groups).toHaveLength(1);
    const group = groups![0]!;
    expect(group.name).toBe('case1');
    expect(group.inputs).toBe('hello');
    expect(group.metadata).toBeUndefined();
    expect(group.expectedOutput).toBeUndefined();
    expect(group.runs).toHaveLength(2);
    expect(group.failures).toHaveLength(0);
    expect(group.summary.taskDurationMs).toBe(125);
  });

  it('test_case_groups_with_failures', () => {
    const report = new EvaluationReport({
      name: 'test',
      cases: [run('case1 [1/2]', 'case1', { assertions: pass(), taskDurationMs: 100, totalDurationMs: 200 })],
      failures: [failure('case1 [2/2]', 'case1', 'hello', 'something went wrong')],
    });
    const groups = report.caseGroups();
    expect(groups).toHaveLength(1);
    expect(groups![0]!.name).toBe('case1');
    expect(groups![0]!.runs).toHaveLength(1);
    expect(groups![0]!.failures).toHaveLength(1);
    expect(groups![0]!.failures[0]!.errorMessage).toBe('something went wrong');
  });
});
