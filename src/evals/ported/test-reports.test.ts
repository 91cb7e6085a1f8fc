/**
 * Ported from pydantic-ai tests/evals/test_reports.py. Durations are milliseconds in rehearse
 * (`taskDurationMs`); results carry the evaluator's serialization name as `source`.
 */
import { describe, expect, it } from 'vitest';
import { averageCases, type ReportCaseAggregate } from '../aggregate.js';
import type { EvaluationResult } from '../evaluator.js';
import { EvaluationReport, type ReportCase } from '../report.js';

const sampleEvaluationResult = (): EvaluationResult<boolean> => ({ name: 'MockEvaluator', value: true, source: 'MockEvaluator' });
const sampleReportCase = (): ReportCase => ({
  name: 'test_case',
  inputs: { query: 'What is 2+2?' },
  output: { answer: '4' },
  expectedOutput: { answer: '4' },
  metadata: { difficulty: 'easy' },
  metrics: {},
  attributes: {},
  scores: {},
  labels: {},
  assertions: { MockEvaluator: sampleEvaluationResult() },
  taskDurationMs: 100,
  totalDurationMs: 200,
  evaluatorFailures: [],
  traceId: 'test-trace-id',
  spanId: 'test-span-id',
});
const sampleReport = () => new EvaluationReport({ cases: [sampleReportCase()], name: 'test_report' });

describe('ported from pydantic-ai tests/evals/test_reports.py', () => {
  it('test_report_init', () => {
    const report = new EvaluationReport({ cases: [sampleReportCase()], name: 'test_report' });
    expect(report.name).toBe('test_report');
    expect(report.cases).toHaveLength(1);
  });

  it('test_report_add_case', () => {
    const report = sampleReport();
    const initial = report.cases.length;
    report.cases.push({
      name: 'new_case',
      inputs: { query: 'What is 3+3?' },
      output: { answer: '6' },
      expectedOutput: { answer: '6' },
      metadata: { difficulty: 'medium' },
      metrics: {},
      attributes: {},
      scores: {},
      labels: {},
      assertions: {},
      taskDurationMs: 100,
      totalDurationMs: 150,
      evaluatorFailures: [],
      traceId: 'test-trace-id-2',
      spanId: 'test-span-id-2',
    });
    expect(report.cases).toHaveLength(initial + 1);
    expect(report.cases.at(-1)!.name).toBe('new_case');
    // the added case counts in the averages
    expect(report.averages()).toMatchObject({ name: 'Averages', assertions: 1, taskDurationMs: 100, totalDurationMs: 175 });
  });

  it('test_report_case_aggregate', () => {
    const aggregate: ReportCaseAggregate = {
      name: 'test_aggregate',
      scores: { test_evaluator: 0.75 },
      labels: { test_label: { value: 0.75 } },
      metrics: { accuracy: 0.75 },
      assertions: 0.75,
      taskDurationMs: 100,
      totalDurationMs: 200,
    };
    expect(aggregate.scores['test_evaluator']).toBe(0.75);
    expect(aggregate.labels['test_label']!['value']).toBe(0.75);
    // and as computed from cases: 3 of 4 assertions passed
    const c = sampleReportCase();
    const failing = { ...sampleReportCase(), assertions: { a: { name: 'a', value: false, source: 'M' }, b: { name: 'b', value: true, source: 'M' }, c: { name: 'c', value: true, source: 'M' } } };
    expect(averageCases([c, failing]).assertions).toBe(0.75);
  });

  it('test_report_serialization', () => {
    const serialized = sampleReport().toJSON();
    expect(serialized).toHaveProperty('cases');
    expect(serialized).toHaveProperty('name');
    expect(serialized.name).toBe('test_report');
    expect(serialized.cases).toHaveLength(1);
  });

  it('test_report_with_error', () => {
    const errorOutput: EvaluationResult<boolean> = { name: 'error_evaluator', value: false, reason: 'Test error message', source: 'MockEvaluator' };
    const errorCase: ReportCase = {
      name: 'error_case',
      inputs: { query: 'What is 1/0?' },
      output: null,
      expectedOutput: { answer: 'Error' },
      metadata: { difficulty: 'hard' },
      metrics: {},
      attributes: { error: 'Division by zero' },
      scores: {},
      labels: {},
      assertions: { [errorOutput.name]: errorOutput },
      taskDurationMs: 50,
      totalDurationMs: 100,
      evaluatorFailures: [],
      traceId: 'test-error-trace-id',
      spanId: 'test-error-span-id',
    };
    const report = new EvaluationReport({ cases: [errorCase], name: 'error_report' });
    expect(report.toJSON().cases[0]).toEqual({
      assertions: { error_evaluator: { name: 'error_evaluator', reason: 'Test error message', source: 'MockEvaluator', value: false } },
      attributes: { error: 'Division by zero' },
      evaluatorFailures: [],
      expectedOutput: { answer: 'Error' },
      inputs: { query: 'What is 1/0?' },
      labels: {},
      metadata: { difficulty: 'hard' },
      metrics: {},
      name: 'error_case',
      output: null,
      scores: {},
      spanId: 'test-error-span-id',
      taskDurationMs: 50,
      totalDurationMs: 100,
      traceId: 'test-error-trace-id',
    });
  });

  // test_render_config: skipped, rehearse has no RenderNumberConfig/RenderValueConfig (the test only checks a dict's keys)
});
