/**
 * Ported from pydantic-ai tests/evals/test_evaluators.py (each test names its source function).
 * Python's pydantic models (`TaskInput`, `TaskOutput`, `TaskMetadata`) are TypeScript classes.
 * rehearse's `EvaluationResult.source` is the evaluator's serialization name (a string), where
 * pydantic-evals keeps an `EvaluatorSpec`; the full spec is `evaluator.toSpec()`.
 */
import { context as otelContext, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { FunctionModel } from '../../testing/index.js';
import { buildRegistry, loadEvaluatorSpec } from '../dataset-file.js';
import { EvaluatorContext } from '../evaluator-context.js';
import { Evaluator, runEvaluator, type EvaluatorOutput } from '../evaluator.js';
import { BUILTIN_EVALUATORS } from '../evaluators/builtins.js';
import { Contains, Equals, EqualsExpected, HasMatchingSpan, IsInstance, MaxDuration } from '../evaluators/common.js';
import { LLMJudge } from '../evaluators/llm-judge.js';
import { collectSpans, ensureEvalTracing } from '../span-collector.js';
import { SpanTree } from '../span-tree.js';

class TaskInput {
  constructor(readonly query: string) {}
}
class TaskOutput {
  constructor(readonly answer: string) {}
}
class TaskMetadata {
  constructor(readonly difficulty = 'easy') {}
}

type Ctx = EvaluatorContext<TaskInput, TaskOutput, TaskMetadata>;

/** The `test_context` fixture. */
function testContext(overrides: Partial<{ expectedOutput: TaskOutput | undefined; metadata: TaskMetadata | undefined; name: string }> = {}): Ctx {
  return new EvaluatorContext<TaskInput, TaskOutput, TaskMetadata>({
    name: 'test_case',
    inputs: new TaskInput('What is 2+2?'),
    output: new TaskOutput('4'),
    expectedOutput: new TaskOutput('4'),
    metadata: new TaskMetadata('easy'),
    durationMs: 100,
    spanTree: new SpanTree(),
    ...overrides,
  });
}

function objectContext(output: unknown, extra: Partial<{ name: string; inputs: unknown }> = {}) {
  return new EvaluatorContext({ name: 'test_case', inputs: extra.inputs ?? null, output, durationMs: 100, spanTree: new SpanTree(), ...extra });
}

/** An evaluator class that keeps the options it was built with. */
class MyEvaluator extends Evaluator {
  static readonly positionalArgument = 'value';
  constructor(readonly options: Record<string, unknown> = {}) {
    super(options);
  }
  evaluate(): EvaluatorOutput {
    return true;
  }
}
class MyArglessEvaluator extends Evaluator {
  static readonly evaluatorName = 'MyEvaluator';
  constructor(readonly options: Record<string, unknown> = {}) {
    super(options);
  }
  evaluate(): EvaluatorOutput {
    return true;
  }
}

describe('ported from pydantic-ai tests/evals/test_evaluators.py', () => {
  it('test_evaluator_spec_initialization: the three file forms of an evaluator', () => {
    // rehearse has no separate EvaluatorSpec: the file form goes straight to the evaluator's options
    const argless = buildRegistry([], [MyArglessEvaluator]);
    const spec1 = loadEvaluatorSpec('MyEvaluator', argless) as MyArglessEvaluator;
    expect(spec1.getSerializationName()).toBe('MyEvaluator');
    expect(spec1.options).toEqual({});

    const registry = buildRegistry([], [MyEvaluator]);
    // Python's one-element args tuple holding a tuple: the positional argument is the whole list
    const spec2 = loadEvaluatorSpec({ MyEvaluator: ['arg1', 'arg2'] }, registry) as MyEvaluator;
    expect(spec2.options).toEqual({ value: ['arg1', 'arg2'] });

    const spec3 = loadEvaluatorSpec({ MyEvaluator: { value: 1, key1: 'value1', key2: 'value2' } }, registry) as MyEvaluator;
    expect(spec3.options).toEqual({ value: 1, key1: 'value1', key2: 'value2' });
  });

  it('test_evaluator_spec_serialization: short forms (use_short_form)', () => {
    // pydantic-evals' long form {'name', 'arguments'} does not exist in rehearse; toSpec() is the short form
    expect(new MyEvaluator({ key1: 'value1' }).toSpec()).toEqual({ MyEvaluator: { key1: 'value1' } });
    expect(new MyEvaluator().toSpec()).toBe('MyEvaluator');
    expect(new MyEvaluator({ value: 'value1' }).toSpec()).toEqual({ MyEvaluator: 'value1' });
  });

  it('test_llm_judge_serialization: a model object is written as system:model_name', () => {
    const model = new FunctionModel(() => [{ partKind: 'text', content: 'x' }], { modelName: 'my-model' });
    const spec = new LLMJudge({ rubric: 'my rubric', model }).toSpec();
    expect(spec).toEqual({ LLMJudge: { rubric: 'my rubric', model: `${model.system}:my-model` } });
  });

  it('test_evaluator_call', async () => {
    class ExampleEvaluator extends Evaluator<TaskInput, TaskOutput, TaskMetadata> {
      evaluate(ctx: Ctx): EvaluatorOutput {
        expect(ctx.inputs.query).toBe('What is 2+2?');
        expect(ctx.output.answer).toBe('4');
        expect(ctx.expectedOutput?.answer).toBe('4');
        expect(ctx.metadata?.difficulty).toBe('easy');
        return { result: 'passed' };
      }
    }
    const results = await runEvaluator(new ExampleEvaluator(), testContext());
    expect(Array.isArray(results)).toBe(true);
    expect(results).toHaveLength(1);
    const [first] = results as Exclude<typeof results, { errorMessage: string }>;
    expect(first!.name).toBe('result');
    expect(first!.value).toBe('passed');
    expect(first!.reason).toBeUndefined();
    expect(first!.source).toBe('ExampleEvaluator');
  });

  it('test_is_instance_evaluator', () => {
    const evaluator = new IsInstance({ typeName: 'TaskOutput' });
    const result = evaluator.evaluate(objectContext(new TaskOutput('4'), { inputs: new TaskInput('What is 2+2?') }));
    expect(result.value).toBe(true);
    class DifferentOutput {
      constructor(readonly differentField: string) {}
    }
    expect(evaluator.evaluate(objectContext(new DifferentOutput('not an answer'), { name: 'mismatch_case' })).value).toBe(false);
  });

  it('test_custom_evaluator', () => {
    class CustomEvaluator extends Evaluator<TaskInput, TaskOutput, TaskMetadata> {
      evaluate(ctx: Ctx): EvaluatorOutput {
        const isCorrect = ctx.expectedOutput ? ctx.output.answer === ctx.expectedOutput.answer : false;
        const difficulty = ctx.metadata ? ctx.metadata.difficulty : 'unknown';
        return { is_correct: isCorrect, difficulty };
      }
    }
    expect(new CustomEvaluator().evaluate(testContext())).toEqual({ difficulty: 'easy', is_correct: true });
  });

  it('test_custom_evaluator_name: a field or an overridden getDefaultEvaluationName names the result', async () => {
    class CustomNameFieldEvaluator extends Evaluator<TaskInput, TaskOutput, TaskMetadata> {
      readonly result: number;
      constructor(options: { result: number; evaluationName: string }) {
        super(options);
        this.result = options.result;
      }
      evaluate(): EvaluatorOutput {
        return this.result;
      }
    }
    const byField = new CustomNameFieldEvaluator({ result: 123, evaluationName: 'abc' });
    expect(await runEvaluator(byField, testContext())).toEqual([{ name: 'abc', value: 123, source: 'CustomNameFieldEvaluator' }]);
    expect(byField.toSpec()).toEqual({ CustomNameFieldEvaluator: { result: 123, evaluationName: 'abc' } });

    class CustomNameMethodEvaluator extends Evaluator<TaskInput, TaskOutput, TaskMetadata> {
      readonly result: number;
      readonly myName: string;
      constructor(options: { result: number; myName: string }) {
        super(options);
        this.result = options.result;
        this.myName = options.myName;
      }
      evaluate(): EvaluatorOutput {
        return this.result;
      }
      override getDefaultEvaluationName(): string {
        return `hello ${this.myName}`;
      }
    }
    const byMethod = new CustomNameMethodEvaluator({ result: 123, myName: 'marcelo' });
    expect(await runEvaluator(byMethod, testContext())).toEqual([{ name: 'hello marcelo', value: 123, source: 'CustomNameMethodEvaluator' }]);
    expect(byMethod.toSpec()).toEqual({ CustomNameMethodEvaluator: { result: 123, myName: 'marcelo' } });
  });

  it('test_evaluator_error_handling', async () => {
    class FailingEvaluator extends Evaluator<TaskInput, TaskOutput, TaskMetadata> {
      evaluate(): EvaluatorOutput {
        // pydantic-evals raises ValueError; JavaScript's plain Error stands for it
        throw new Error('Simulated error');
      }
    }
    expect(await runEvaluator(new FailingEvaluator(), testContext())).toEqual({
      name: 'FailingEvaluator',
      errorMessage: 'Error: Simulated error',
      errorStacktrace: expect.any(String),
      source: 'FailingEvaluator',
      errorType: 'Error',
    });
  });

  it('test_evaluator_with_null_values', () => {
    class NullValueEvaluator extends Evaluator<TaskInput, TaskOutput, TaskMetadata> {
      evaluate(ctx: Ctx): EvaluatorOutput {
        return { has_expected_output: ctx.expectedOutput != null, has_metadata: ctx.metadata != null };
      }
    }
    const result = new NullValueEvaluator().evaluate(testContext({ expectedOutput: undefined, metadata: undefined, name: '' }));
    expect(result).toEqual({ has_expected_output: false, has_metadata: false });
  });

  it('test_equals_evaluator', () => {
    const ctx = testContext();
    expect(new Equals({ value: new TaskOutput('4') }).evaluate(ctx)).toBe(true);
    expect(new Equals({ value: new TaskOutput('5') }).evaluate(ctx)).toBe(false);
    expect(new Equals({ value: 'not a TaskOutput' }).evaluate(ctx)).toBe(false);
  });

  it('test_equals_expected_evaluator', () => {
    const evaluator = new EqualsExpected();
    expect(evaluator.evaluate(testContext())).toBe(true);
    expect(evaluator.evaluate(testContext({ expectedOutput: new TaskOutput('5') }))).toBe(false);
    expect(evaluator.evaluate(testContext({ expectedOutput: undefined }))).toEqual({});
  });

  it('test_contains_evaluator', () => {
    const str = objectContext('There is a cat in the box', { name: 'string_test', inputs: "What's in the box?" });
    expect(new Contains({ value: 'cat in the' }).evaluate(str)).toEqual({ value: true });
    expect(new Contains({ value: 'dog' }).evaluate(str)).toEqual({
      value: false,
      reason: "Output string 'There is a cat in the box' does not contain expected string 'dog'",
    });
    expect(new Contains({ value: 'a'.repeat(1000) }).evaluate(str)).toEqual({
      value: false,
      reason:
        "Output string 'There is a cat in the box' does not contain expected string 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'",
    });
    expect(new Contains({ value: 'CAT', caseSensitive: true }).evaluate(str)).toEqual({
      value: false,
      reason: "Output string 'There is a cat in the box' does not contain expected string 'CAT'",
    });
    expect(new Contains({ value: 'CAT', caseSensitive: false }).evaluate(str)).toEqual({ value: true });

    const list = objectContext([1, 2, 3, 4, 5], { name: 'list_test', inputs: 'List items' });
    expect(new Contains({ value: 3 }).evaluate(list)).toEqual({ value: true });
    expect(new Contains({ value: 6 }).evaluate(list)).toEqual({ value: false, reason: 'Output [1, 2, 3, 4, 5] does not contain provided value' });

    const dict = objectContext({ key1: 'value1', key2: 'value2' }, { name: 'dict_test', inputs: 'Dict items' });
    expect(new Contains({ value: 'key1' }).evaluate(dict)).toEqual({ value: true });
    expect(new Contains({ value: { key1: 'value1' } }).evaluate(dict)).toEqual({ value: true });
    expect(new Contains({ value: { key1: 'wrong_value' } }).evaluate(dict)).toEqual({
      value: false,
      reason: "Output has different value for key 'key1': 'value1' != 'wrong_value'",
    });
    expect(new Contains({ value: 'key3' }).evaluate(dict)).toEqual({
      value: false,
      reason: "Output {'key1': 'value1', 'key2': 'value2'} does not contain provided value as a key",
    });
    expect(new Contains({ value: { ['key1'.repeat(500)]: 'wrong_value' } }).evaluate(dict)).toEqual({
      value: false,
      reason: "Output does not contain expected key 'key1key1key1ke...y1key1key1key1'",
    });
    expect(new Contains({ value: { key1: 'wrong_value_'.repeat(500) } }).evaluate(dict)).toEqual({
      value: false,
      reason:
        "Output has different value for key 'key1': 'value1' != 'wrong_value_wrong_value_wrong_value_wrong_value_w..._wrong_value_wrong_value_wrong_value_wrong_value_'",
    });
  });

  it('test_max_duration_evaluator', () => {
    const ctx = testContext(); // 0.1 s
    expect(new MaxDuration({ seconds: 0.2 }).evaluate(ctx)).toBe(true);
    expect(new MaxDuration({ seconds: 0.05 }).evaluate(ctx)).toBe(false);
    // Python's timedelta(milliseconds=200)
    expect(new MaxDuration({ seconds: { milliseconds: 200 } }).evaluate(ctx)).toBe(true);
    expect(new MaxDuration({ seconds: { milliseconds: 50 } }).evaluate(ctx)).toBe(false);
    expect(new MaxDuration({ seconds: { milliseconds: 200 } }).toSpec()).toEqual({ MaxDuration: 0.2 });
    expect(() => new MaxDuration({ seconds: { weeks: 1 } as never })).toThrow(/non-negative number of seconds/);
  });

  it('test_span_query_evaluator: snake_case query dicts', async () => {
    ensureEvalTracing();
    const tracer = trace.getTracer('test_span_query_evaluator');
    const { spanTree } = await collectSpans(async () => {
      const root = tracer.startSpan('root_span');
      otelContext.with(trace.setSpan(otelContext.active(), root), () => tracer.startSpan('child_span', { attributes: { type: 'important' } }).end());
      root.end();
    });
    const ctx = new EvaluatorContext({ name: 'span_test', inputs: null, output: null, durationMs: 100, spanTree });
    expect(new HasMatchingSpan({ query: { name_equals: 'child_span', has_attributes: { type: 'important' } } }).evaluate(ctx)).toBe(true);
    expect(new HasMatchingSpan({ query: { name_equals: 'non_existent_span' } }).evaluate(ctx)).toBe(false);
  });

  it('test_import_errors: the removed `Python` evaluator is not a built-in', () => {
    // Python's ImportError/AttributeError messages have no TypeScript equivalent; the registry is checked instead
    const registry = buildRegistry(BUILTIN_EVALUATORS);
    expect(registry.has('Python')).toBe(false);
    expect(() => loadEvaluatorSpec({ Python: 'output == 1' }, registry)).toThrow(/Evaluator 'Python' is not known/);
  });
});
