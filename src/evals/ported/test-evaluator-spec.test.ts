/**
 * Ported from pydantic-ai tests/evals/test_evaluator_spec.py. rehearse has no `EvaluatorSpec`
 * object: a file form is read by `loadEvaluatorSpec` straight into the evaluator's options, and
 * `toSpec()` writes pydantic-evals' short form (`use_short_form`).
 */
import { describe, expect, it } from 'vitest';
import { buildRegistry, loadEvaluatorSpec } from '../dataset-file.js';
import { Evaluator } from '../evaluator.js';
import { BUILTIN_EVALUATORS } from '../evaluators/builtins.js';
import { HasMatchingSpan } from '../evaluators/common.js';

/** An evaluator keeping the options it was built with; `value` is its positional argument. */
class TestEvaluator extends Evaluator {
  static readonly positionalArgument = 'value';
  constructor(readonly options: Record<string, unknown> = {}) {
    super(options);
  }
  evaluate(): boolean {
    return true;
  }
}
class NoArgs extends Evaluator {
  static readonly evaluatorName = 'TestEvaluator';
  constructor(readonly options: Record<string, unknown> = {}) {
    super(options);
  }
  evaluate(): boolean {
    return true;
  }
}
const registry = buildRegistry([], [TestEvaluator]);

describe('ported from pydantic-ai tests/evals/test_evaluator_spec.py', () => {
  it('test_evaluator_spec_basic / test_evaluator_spec_deserialization: the three file forms', () => {
    const bare = loadEvaluatorSpec('TestEvaluator', buildRegistry([], [NoArgs])) as NoArgs;
    expect(bare.getSerializationName()).toBe('TestEvaluator');
    expect(bare.options).toEqual({});
    expect((loadEvaluatorSpec({ TestEvaluator: 'value' }, registry) as TestEvaluator).options).toEqual({ value: 'value' });
    expect((loadEvaluatorSpec({ TestEvaluator: { value: 1, key: 'value' } }, registry) as TestEvaluator).options).toEqual({ value: 1, key: 'value' });
    expect(() => loadEvaluatorSpec({ TestEvaluator1: 'value', TestEvaluator2: 'value' }, registry)).toThrow(/Invalid evaluator spec/);
  });

  it('test_evaluator_spec_serialization: short forms', () => {
    expect(new TestEvaluator().toSpec()).toBe('TestEvaluator');
    expect(new TestEvaluator({ value: 'value' }).toSpec()).toEqual({ TestEvaluator: 'value' });
    expect(new TestEvaluator({ key: 'value' }).toSpec()).toEqual({ TestEvaluator: { key: 'value' } });
    // the long form {'name': …, 'arguments': …} has no rehearse counterpart
  });

  it('test_serialized_named_spec: a mapping with two names is rejected with "Expected a single key"', () => {
    expect(() => loadEvaluatorSpec({ TestEvaluator1: 'value', TestEvaluator2: 'value' }, registry)).toThrow('Expected a single key');
    expect(() => loadEvaluatorSpec({}, registry)).toThrow('Expected a single key');
  });

  // test_evaluator_spec_with_non_string_keys: skipped, JavaScript object keys are always strings

  it('test_has_matching_span_round_trip: a query survives toSpec and loading back', () => {
    const query = { some_descendant_has: { has_attributes: { 'gen_ai.tool.name': 'calculator' } } };
    const evaluator = new HasMatchingSpan({ query });
    const spec = evaluator.toSpec() as Record<string, unknown>;
    expect(Object.keys(spec)).toEqual(['HasMatchingSpan']);
    // the query is written under its option name, so it is not read back as options
    expect(spec['HasMatchingSpan']).toHaveProperty('query');
    const reconstructed = loadEvaluatorSpec(JSON.parse(JSON.stringify(spec)), buildRegistry(BUILTIN_EVALUATORS)) as HasMatchingSpan;
    expect(reconstructed).toBeInstanceOf(HasMatchingSpan);
    expect(reconstructed.query).toEqual(evaluator.query);
    expect(reconstructed.query).toEqual({ someDescendantHas: { hasAttributes: { 'gen_ai.tool.name': 'calculator' } } });
  });
});
