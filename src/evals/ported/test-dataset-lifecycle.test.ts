/**
 * Ported from pydantic-ai tests/evals/test_dataset.py: its case-lifecycle tests (split from
 * test-dataset.test.ts to keep files under 600 lines). pydantic-evals passes a `CaseLifecycle`
 * class; rehearse takes a factory `(c) => lifecycle`.
 */
import { describe, expect, it } from 'vitest';
import { Case } from '../case.js';
import { Dataset } from '../dataset.js';
import type { EvaluatorContext } from '../evaluator-context.js';
import { Evaluator } from '../evaluator.js';
import type { ReportCase, ReportCaseFailure } from '../report.js';
import type { CaseLifecycle } from '../runner.js';
import { exampleDataset, TaskInput, TaskMetadata, TaskOutput, type Ctx } from './dataset-fixtures.js';

describe('ported from pydantic-ai tests/evals/test_dataset.py (lifecycle)', () => {
  /** pydantic-evals' `CaseLifecycle` base: holds its case; rehearse takes a factory `(c) => lifecycle`. */
  class BaseLifecycle<I, O, M> {
    readonly case: Case<I, O, M>;
    constructor(c: Case<I, O, M>) {
      this.case = c;
    }
  }

  it('test_lifecycle_prepare_context', async () => {
    class EnrichMetrics extends BaseLifecycle<TaskInput, TaskOutput, TaskMetadata> {
      prepareContext(ctx: Ctx): Ctx {
        ctx.metrics['custom_metric'] = 42;
        ctx.metrics['input_length'] = this.case.inputs.query.length;
        return ctx;
      }
    }
    const report = await exampleDataset().evaluate(async () => new TaskOutput('test'), { lifecycle: (c) => new EnrichMetrics(c) });
    expect(report.cases).toHaveLength(2);
    for (const c of report.cases) {
      expect(c.metrics['custom_metric']).toBe(42);
      expect(c.metrics).toHaveProperty('input_length');
    }
  });

  it('test_lifecycle_setup_and_teardown', async () => {
    const events: string[] = [];
    class TrackingLifecycle extends BaseLifecycle<TaskInput, TaskOutput, TaskMetadata> {
      setup(): void {
        events.push(`setup:${this.case.name}`);
      }
      teardown(result: ReportCase<TaskInput, TaskOutput, TaskMetadata> | ReportCaseFailure<TaskInput, TaskOutput, TaskMetadata>): void {
        events.push(`teardown:${this.case.name}:${'output' in result ? 'ReportCase' : 'ReportCaseFailure'}`);
      }
    }
    await exampleDataset().evaluate(async () => new TaskOutput('test'), { maxConcurrency: 1, lifecycle: (c) => new TrackingLifecycle(c) });
    expect(events).toEqual(['setup:case1', 'teardown:case1:ReportCase', 'setup:case2', 'teardown:case2:ReportCase']);
  });

  it('test_lifecycle_teardown_on_task_failure', async () => {
    const teardownResults: (ReportCase<string, string> | ReportCaseFailure<string, string>)[] = [];
    class TeardownTracker extends BaseLifecycle<string, string, unknown> {
      teardown(result: ReportCase<string, string> | ReportCaseFailure<string, string>): void {
        teardownResults.push(result);
      }
    }
    const dataset = new Dataset<string, string>({ name: 'teardown_on_failure', cases: [new Case({ name: 'success', inputs: 'hello' }), new Case({ name: 'failure', inputs: 'fail' })] });
    const report = await dataset.evaluate(
      async (inputs) => {
        if (inputs === 'fail') throw new Error('boom');
        return inputs.toUpperCase();
      },
      { maxConcurrency: 1, lifecycle: (c) => new TeardownTracker(c) },
    );
    expect(report.cases).toHaveLength(1);
    expect(report.failures).toHaveLength(1);
    expect(teardownResults).toHaveLength(2);
    expect(new Set(teardownResults.map((r) => ('errorMessage' in r ? 'ReportCaseFailure' : 'ReportCase')))).toEqual(new Set(['ReportCase', 'ReportCaseFailure']));
  });

  it('test_lifecycle_per_case_state', async () => {
    class StatefulLifecycle extends BaseLifecycle<string, string, unknown> {
      setupCalled = false;
      setup(): void {
        this.setupCalled = true;
      }
      prepareContext(ctx: EvaluatorContext<string, string, unknown>) {
        expect(this.setupCalled).toBe(true); // setup should have been called before prepareContext
        ctx.metrics['case_name_length'] = (this.case.name ?? '').length;
        return ctx;
      }
    }
    const dataset = new Dataset<string, string>({ name: 'per_case_state', cases: [new Case({ name: 'short', inputs: 'a' }), new Case({ name: 'much_longer_name', inputs: 'b' })] });
    const report = await dataset.evaluate(async (inputs) => inputs.toUpperCase(), { lifecycle: (c) => new StatefulLifecycle(c) });
    expect(report.cases).toHaveLength(2);
    const byName = Object.fromEntries(report.cases.map((c) => [c.name, c.metrics]));
    expect(byName['short']!['case_name_length']).toBe(5);
    expect(byName['much_longer_name']!['case_name_length']).toBe(16);
  });

  it('test_lifecycle_evaluator_sees_enriched_context', async () => {
    class CheckMetric extends Evaluator<string, string, unknown> {
      evaluate(ctx: EvaluatorContext<string, string, unknown>): boolean {
        return ctx.metrics['enriched'] === 1;
      }
    }
    class Enricher extends BaseLifecycle<string, string, unknown> {
      prepareContext(ctx: EvaluatorContext<string, string, unknown>) {
        ctx.metrics['enriched'] = 1;
        return ctx;
      }
    }
    const dataset = new Dataset<string, string>({ name: 'enriched_context', cases: [new Case({ name: 'test', inputs: 'hello' })], evaluators: [new CheckMetric()] });
    const report = await dataset.evaluate(async (inputs) => inputs.toUpperCase(), { lifecycle: (c) => new Enricher(c) });
    expect(report.cases).toHaveLength(1);
    expect(report.cases[0]!.assertions['CheckMetric']!.value).toBe(true);
  });

  it('test_lifecycle_with_object_types', async () => {
    class GenericLifecycle extends BaseLifecycle<unknown, unknown, unknown> {
      prepareContext(ctx: EvaluatorContext) {
        ctx.metrics['generic'] = 1;
        return ctx;
      }
    }
    const dataset = new Dataset<string, string>({ name: 'object_types', cases: [new Case({ name: 'test', inputs: 'hello' })] });
    const report = await dataset.evaluate(async (inputs) => inputs.toUpperCase(), {
      lifecycle: (c) => new GenericLifecycle(c as Case) as unknown as CaseLifecycle<string, string, unknown>,
    });
    expect(report.cases[0]!.metrics['generic']).toBe(1);
  });

  // test_lifecycle_teardown_exception_propagates: deliberate difference, rehearse records a throwing
  // teardown on its case (an evaluator failure named 'teardown') instead of failing the whole run

  it('test_lifecycle_setup_failure_produces_case_failure_and_calls_teardown', async () => {
    let teardownCalled = false;
    class BrokenSetup extends BaseLifecycle<string, string, unknown> {
      setup(): void {
        throw new Error('setup failed');
      }
      teardown(result: ReportCase<string, string> | ReportCaseFailure<string, string>): void {
        teardownCalled = true;
        expect('errorMessage' in result && result.errorMessage).toContain('setup failed');
      }
    }
    const dataset = new Dataset<string, string>({ name: 'setup_failure', cases: [new Case({ name: 'case1', inputs: 'hello' })] });
    const report = await dataset.evaluate(async (inputs) => inputs.toUpperCase(), { lifecycle: (c) => new BrokenSetup(c) });
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]!.errorMessage).toContain('setup failed');
    expect(teardownCalled).toBe(true);
  });

  it('test_lifecycle_via_partial: a configured lifecycle factory', async () => {
    const configs: number[] = [];
    class ConfigurableLifecycle extends BaseLifecycle<TaskInput, TaskOutput, TaskMetadata> {
      constructor(
        c: Case<TaskInput, TaskOutput, TaskMetadata>,
        readonly myConfig: number,
      ) {
        super(c);
        configs.push(myConfig);
      }
    }
    // Python's functools.partial(ConfigurableLifecycle, my_config=123) is a closure
    const report = await exampleDataset().evaluate(
      async () => {
        throw new Error('not implemented');
      },
      // (a lifecycle with no hooks: TypeScript's weak-type check wants the cast)
      { lifecycle: (c) => new ConfigurableLifecycle(c, 123) as CaseLifecycle<TaskInput, TaskOutput, TaskMetadata> },
    );
    expect(configs).toEqual([123, 123]);
    expect(report.failures).toHaveLength(2);
  });
});
