/**
 * Tests ported from pydantic-ai's own suite (tests/evals/…), each naming its source; behaviour
 * checked against pydantic-evals' current source. Deliberate differences are stated inline.
 */
import { trace } from '@opentelemetry/api';
import { describe, expect, it, vi } from 'vitest';
import { Case } from './case.js';
import { Dataset } from './dataset.js';
import { EvaluatorContext } from './evaluator-context.js';
import { Evaluator, runEvaluator, type EvaluatorOutput } from './evaluator.js';
import { IsInstance } from './evaluators/common.js';
import { collectSpans, ensureEvalTracing } from './span-collector.js';

class Mock extends Evaluator {
  constructor(private readonly out: EvaluatorOutput) {
    super();
  }
  evaluate(): EvaluatorOutput {
    return this.out;
  }
}

const ctx = (output: unknown) => new EvaluatorContext({ name: 'c', inputs: null, output, durationMs: 1 });
const twoCases = () =>
  new Dataset<string, string>({ name: 'example', cases: [new Case({ name: 'case1', inputs: 'What is 2+2?' }), new Case({ name: 'case2', inputs: 'Capital of France?' })] });

describe('ported from pydantic-ai tests/evals/test_dataset.py', () => {
  it('test_dataset_evaluate_with_custom_name: the report is named after taskName, not the dataset', async () => {
    const report = await twoCases().evaluate(async (q) => q.toUpperCase(), { taskName: 'custom_task' });
    expect(report.name).toBe('custom_task');
  });

  it('test_dataset_evaluate_with_sync_task: a sync task names the report after its function', async () => {
    const report = await twoCases().evaluate(function sync_task(q: string) {
      return q.toUpperCase();
    });
    expect(report.name).toBe('sync_task');
    expect(report.cases).toHaveLength(2);
  });

  it('evaluate(task, { name }) names the report (dataset.py: `name = name or task_name`)', async () => {
    const report = await twoCases().evaluate(async (q) => q, { name: 'experiment 7', taskName: 'ignored for the name' });
    expect(report.name).toBe('experiment 7');
  });

  it('test_repeated_name_outputs: later results are filed as output_2, output_3 and keep their own name', async () => {
    const ds = twoCases();
    ds.addEvaluator(new Mock({ output: 'a' }));
    ds.addEvaluator(new Mock({ output: 'b' }));
    ds.addEvaluator(new Mock({ output: 'c' }));
    const report = await ds.evaluate(async (q) => `answer to ${q}`);
    for (const c of report.cases) {
      expect(c.labels).toEqual({
        output: { name: 'output', value: 'a', source: 'Mock' },
        output_2: { name: 'output', value: 'b', source: 'Mock' },
        output_3: { name: 'output', value: 'c', source: 'Mock' },
      });
    }
  });

  for (const [label, value, shown] of [
    ['inf', Number.POSITIVE_INFINITY, 'Infinity'],
    ['-inf', Number.NEGATIVE_INFINITY, '-Infinity'],
    ['nan', Number.NaN, 'NaN'],
    ['reason nan', { value: Number.NaN, reason: 'x' }, 'NaN'],
    ['dict inf', { score: Number.POSITIVE_INFINITY }, 'Infinity'],
  ] as const) {
    it(`test_dataset_evaluate_with_non_finite_evaluator_result[${label}]: an evaluator failure naming the value`, async () => {
      class NonFiniteEvaluator extends Evaluator {
        evaluate(): EvaluatorOutput {
          return value as EvaluatorOutput;
        }
      }
      const ds = twoCases();
      ds.addEvaluator(new NonFiniteEvaluator());
      const report = await ds.evaluate(async (q) => q.toUpperCase());
      expect(report.failures).toEqual([]);
      expect(report.cases).toHaveLength(2);
      for (const c of report.cases) {
        expect(c.scores).toEqual({});
        expect(c.evaluatorFailures).toHaveLength(1);
        const f = c.evaluatorFailures[0]!;
        expect(f.name).toBe('NonFiniteEvaluator');
        // pydantic-evals raises ValueError; JavaScript has no ValueError, rehearse throws a TypeError
        expect(f.errorType).toBe('TypeError');
        expect(f.errorMessage).toContain('returned a value of an invalid type');
        expect(f.errorMessage).toContain(shown);
      }
    });
  }
});

describe('ported from pydantic-ai tests/evals/test_otel_emit.py', () => {
  it('test_failure_error_type_surfaces_actual_exception_class: evaluator failures carry errorType', async () => {
    class Raises extends Evaluator {
      evaluate(): EvaluatorOutput {
        throw new RangeError('boom');
      }
    }
    class RaisesString extends Evaluator {
      evaluate(): EvaluatorOutput {
        throw 'plain string';
      }
    }
    expect(await runEvaluator(new Raises(), ctx(1))).toMatchObject({ name: 'Raises', errorType: 'RangeError', errorMessage: 'RangeError: boom' });
    expect(await runEvaluator(new RaisesString(), ctx(1))).toMatchObject({ errorType: 'string', errorMessage: 'Thrown string: plain string' });
  });
});

describe('ported from pydantic-ai tests/evals/test_evaluator_common.py', () => {
  it('test_is_instance: Python names, class names, and JavaScript typeof names', () => {
    const str = new IsInstance({ typeName: 'str' });
    expect(str.evaluate(ctx('test')).value).toBe(true);
    const r = str.evaluate(ctx(42));
    expect(r.value).toBe(false);
    expect(r.reason).toBe('output is of type Number'); // pydantic-evals: 'output is of type int'
    class OuterInner {}
    expect(new IsInstance({ typeName: 'OuterInner' }).evaluate(ctx(new OuterInner())).value).toBe(true);
    // JavaScript's own typeof names (issue 12)
    const cases: [string, unknown, boolean][] = [
      ['string', 'a', true],
      ['string', 1, false],
      ['number', 1.5, true],
      ['boolean', false, true],
      ['bigint', 10n, true],
      ['symbol', Symbol('s'), true],
      ['function', () => 1, true],
      ['undefined', undefined, true],
      ['object', { a: 1 }, true],
      ['object', null, true],
      ['object', 'not an object', false],
      ['number', '1', false],
    ];
    for (const [typeName, output, expected] of cases) {
      expect([typeName, new IsInstance({ typeName }).evaluate(ctx(output)).value]).toEqual([typeName, expected]);
    }
  });
});

describe('span trees keep start order (issue 12; pydantic-evals orders by start_timestamp)', () => {
  it('spans started in the same millisecond keep their start order', async () => {
    ensureEvalTracing();
    const tracer = trace.getTracer('order-test');
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now); // the SDK takes start times from Date.now()
    try {
      const { spanTree } = await collectSpans(async () => {
        // start a, b, c in order but end them in reverse: the processor sees c first
        const a = tracer.startSpan('a');
        const b = tracer.startSpan('b');
        const c = tracer.startSpan('c');
        c.end();
        b.end();
        a.end();
      });
      expect([...spanTree].map((n) => n.name)).toEqual(['a', 'b', 'c']);
      const [a, b] = [...spanTree];
      expect(b!.startTimeMs).toBeGreaterThanOrEqual(a!.startTimeMs);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
