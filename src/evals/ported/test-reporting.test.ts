/**
 * Ported from pydantic-ai tests/evals/test_reporting.py: the aggregate tests. The renderer tests
 * (test_evaluation_renderer_*, test_print_*, test_console_table_*) snapshot rich tables; rehearse
 * renders with cli-table3 (other borders and layout), so they are left out; its numbers follow
 * pydantic-evals' render_numbers (see test-render-numbers.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { averageCases } from '../aggregate.js';
import type { ReportCase } from '../report.js';

const result = <T extends boolean | number | string>(value: T) => ({ name: 'MockEvaluator', value, source: 'MockEvaluator' });

describe('ported from pydantic-ai tests/evals/test_reporting.py', () => {
  it('test_report_case_aggregate_average', () => {
    const cases: ReportCase[] = [
      {
        name: 'case1',
        inputs: { query: 'What is 2+2?' },
        output: { answer: '4' },
        expectedOutput: { answer: '4' },
        metadata: { difficulty: 'easy' },
        metrics: { accuracy: 0.95 },
        attributes: {},
        scores: { score1: result(0.8) },
        labels: { label1: result('good') },
        assertions: { assert1: result(true) },
        taskDurationMs: 100,
        totalDurationMs: 200,
        evaluatorFailures: [],
        traceId: 'test-trace-id-1',
        spanId: 'test-span-id-1',
      },
      {
        name: 'case2',
        inputs: { query: 'What is 3+3?' },
        output: { answer: '6' },
        expectedOutput: { answer: '6' },
        metadata: { difficulty: 'medium' },
        metrics: { accuracy: 0.85 },
        attributes: {},
        scores: { score1: result(0.7) },
        labels: { label1: result('good') },
        assertions: { assert1: result(false) },
        taskDurationMs: 150,
        totalDurationMs: 250,
        evaluatorFailures: [],
        traceId: 'test-trace-id-2',
        spanId: 'test-span-id-2',
      },
    ];
    const aggregate = averageCases(cases);
    expect(aggregate.name).toBe('Averages');
    expect(aggregate.scores['score1']).toBeCloseTo(0.75, 12);
    expect(aggregate.labels['label1']!['good']).toBe(1.0);
    expect(aggregate.metrics['accuracy']).toBeCloseTo(0.9, 10);
    expect(aggregate.assertions).toBe(0.5);
    expect(aggregate.taskDurationMs).toBe(125);
    expect(aggregate.totalDurationMs).toBe(225);
  });

  it('test_report_case_aggregate_empty', () => {
    expect(averageCases([])).toEqual({ assertions: undefined, labels: {}, metrics: {}, name: 'Averages', scores: {}, taskDurationMs: 0, totalDurationMs: 0 });
  });
});
