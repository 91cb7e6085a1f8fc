/**
 * Ported from pydantic-ai tests/evals/test_evaluator_base.py. rehearse's `evaluate` may return a
 * value or a promise (no separate `evaluate_sync`/`evaluate_async`); results carry the
 * serialization name as `source` and no `evaluator_version`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { EvaluatorContext } from '../evaluator-context.js';
import { Evaluator, runEvaluator, type EvaluationReason } from '../evaluator.js';
import { Equals } from '../evaluators/common.js';
import { SpanTreeRecordingError } from '../span-tree.js';

const ctx = () => new EvaluatorContext({ name: 'test', inputs: {}, output: {}, durationMs: 0, spanTree: new SpanTreeRecordingError('did not record spans') });

class SimpleEvaluator extends Evaluator {
  static readonly positionalArgument = 'value';
  readonly value: boolean | number | string;
  readonly reason: string | undefined;
  constructor(options: { value?: boolean | number | string; reason?: string } = {}) {
    super(options);
    this.value = options.value ?? true;
    this.reason = options.reason;
  }
  evaluate(): boolean | number | string | EvaluationReason {
    return this.reason === undefined ? this.value : { value: this.value, reason: this.reason };
  }
}
class AsyncEvaluator extends Evaluator {
  constructor(readonly options: { value?: boolean; delayMs?: number } = {}) {
    super(options);
  }
  async evaluate(): Promise<boolean> {
    await sleep(this.options.delayMs ?? 10);
    return this.options.value ?? true;
  }
}
class MultiEvaluator extends Evaluator {
  evaluate(): Record<string, boolean> {
    return { test1: true, test2: false };
  }
}

describe('ported from pydantic-ai tests/evals/test_evaluator_base.py', () => {
  it('test_evaluation_reason: value alone, with a reason, string values', async () => {
    // EvaluationReason is a plain `{ value, reason? }` object in rehearse
    expect(await runEvaluator(new SimpleEvaluator(), ctx())).toEqual([{ name: 'SimpleEvaluator', value: true, source: 'SimpleEvaluator' }]);
    expect(await runEvaluator(new SimpleEvaluator({ value: 42, reason: 'Perfect score' }), ctx())).toEqual([
      { name: 'SimpleEvaluator', value: 42, reason: 'Perfect score', source: 'SimpleEvaluator' },
    ]);
    expect(await runEvaluator(new SimpleEvaluator({ value: 'pass', reason: 'Test passed' }), ctx())).toEqual([
      { name: 'SimpleEvaluator', value: 'pass', reason: 'Test passed', source: 'SimpleEvaluator' },
    ]);
  });

  // test_evaluation_result (EvaluationResult.downcast): skipped, TypeScript narrows with `typeof result.value`

  it('test_strict_abc_meta: a subclass must implement evaluate (checked by tsc)', () => {
    // @ts-expect-error -- non-abstract class does not implement the abstract member 'evaluate'
    class InvalidEvaluator extends Evaluator {}
    expect(InvalidEvaluator.prototype).toBeInstanceOf(Evaluator);
  });

  it('test_evaluator_sync', () => {
    expect(new SimpleEvaluator().evaluate()).toBe(true);
    expect(new SimpleEvaluator({ value: false, reason: 'Failed' }).evaluate()).toEqual({ value: false, reason: 'Failed' });
    const result = new MultiEvaluator().evaluate();
    expect(result['test1']).toBe(true);
    expect(result['test2']).toBe(false);
  });

  it('test_evaluator_async', async () => {
    expect(await new AsyncEvaluator().evaluate()).toBe(true);
    expect(await Promise.resolve(new SimpleEvaluator().evaluate())).toBe(true);
  });

  it('test_evaluation_name', () => {
    const evaluator = new SimpleEvaluator();
    expect(evaluator.getSerializationName()).toBe('SimpleEvaluator');
    expect(evaluator.getDefaultEvaluationName()).toBe('SimpleEvaluator');
  });

  it('test_evaluation_name_method_override', () => {
    class CustomName extends Evaluator {
      evaluate(): boolean {
        throw new Error('not implemented');
      }
      override getDefaultEvaluationName(): string {
        return 'overridden';
      }
    }
    expect(new CustomName().getDefaultEvaluationName()).toBe('overridden');
  });

  // test_evaluator_version_default_is_none, test_evaluator_version_method_override: skipped, rehearse has no evaluator versions

  it('test_builtin_evaluators_evaluation_name_field', () => {
    expect(new Equals({ value: 42, evaluationName: 'int_match' }).getDefaultEvaluationName()).toBe('int_match');
    expect(new Equals({ value: 42 }).getDefaultEvaluationName()).toBe('Equals');
  });

  it('test_evaluator_serialization: short forms of toSpec()', () => {
    class ExampleEvaluator extends Evaluator {
      static readonly positionalArgument = 'value';
      constructor(options: { value?: number; optional?: string; defaultValue?: boolean; defaultFactoryValue?: number[] } = {}) {
        super(options);
      }
      evaluate(): boolean {
        throw new Error('not implemented');
      }
    }
    // pydantic-evals' long form {'name', 'arguments'} has no rehearse counterpart; these are its use_short_form results
    expect(new ExampleEvaluator().toSpec()).toBe('ExampleEvaluator');
    expect(new ExampleEvaluator({ value: 100 }).toSpec()).toEqual({ ExampleEvaluator: 100 });
    expect(new ExampleEvaluator({ optional: 'test' }).toSpec()).toEqual({ ExampleEvaluator: { optional: 'test' } });
    expect(new ExampleEvaluator({ value: 100, optional: 'test', defaultValue: true }).toSpec()).toEqual({
      ExampleEvaluator: { defaultValue: true, optional: 'test', value: 100 },
    });
    class NoArgsEvaluator extends Evaluator {
      evaluate(): boolean {
        throw new Error('not implemented');
      }
    }
    expect(new NoArgsEvaluator().toSpec()).toBe('NoArgsEvaluator');
  });

  it('test_run_evaluator', async () => {
    expect(await runEvaluator(new SimpleEvaluator(), ctx())).toEqual([{ name: 'SimpleEvaluator', value: true, source: 'SimpleEvaluator' }]);
    const withReason = new SimpleEvaluator({ value: false, reason: 'Failed' });
    expect(await runEvaluator(withReason, ctx())).toEqual([{ name: 'SimpleEvaluator', value: false, reason: 'Failed', source: 'SimpleEvaluator' }]);
    expect(withReason.toSpec()).toEqual({ SimpleEvaluator: { value: false, reason: 'Failed' } });
    expect(await runEvaluator(new MultiEvaluator(), ctx())).toEqual([
      { name: 'test1', value: true, source: 'MultiEvaluator' },
      { name: 'test2', value: false, source: 'MultiEvaluator' },
    ]);
    expect(await runEvaluator(new AsyncEvaluator(), ctx())).toEqual([{ name: 'AsyncEvaluator', value: true, source: 'AsyncEvaluator' }]);
  });
});

