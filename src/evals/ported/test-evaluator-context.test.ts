/**
 * Ported from pydantic-ai tests/evals/test_evaluator_context.py. rehearse's context keeps the
 * duration in `durationMs` and gives pydantic-evals' seconds as `duration`.
 */
import { describe, expect, it } from 'vitest';
import { EvaluatorContext } from '../evaluator-context.js';
import { SpanNode, SpanTree, SpanTreeRecordingError } from '../span-tree.js';

describe('ported from pydantic-ai tests/evals/test_evaluator_context.py', () => {
  it('test_evaluator_context_basic', () => {
    const spanTree = new SpanTree([new SpanNode({ name: 'root', traceId: 't', spanId: '1', startTimeMs: 0, endTimeMs: 1 })]);
    const ctx = new EvaluatorContext({
      name: 'test_case',
      inputs: { input: 'value' },
      metadata: { meta: 'data' },
      expectedOutput: { expected: 'output' },
      output: { actual: 'output' },
      durationMs: 1000,
      spanTree,
      attributes: { attr: 'value' },
      metrics: { metric: 1.0 },
    });
    expect(ctx.name).toBe('test_case');
    expect(ctx.inputs).toEqual({ input: 'value' });
    expect(ctx.metadata).toEqual({ meta: 'data' });
    expect(ctx.expectedOutput).toEqual({ expected: 'output' });
    expect(ctx.output).toEqual({ actual: 'output' });
    expect(ctx.duration).toBe(1.0);
    expect(ctx.durationMs).toBe(1000);
    expect(ctx.attributes).toEqual({ attr: 'value' });
    expect(ctx.metrics).toEqual({ metric: 1.0 });
    expect(ctx.spanTree).toBe(spanTree);
  });

  it('test_evaluator_context_span_tree_error', () => {
    const ctx = new EvaluatorContext({ name: 'test', inputs: {}, output: {}, durationMs: 0, spanTree: new SpanTreeRecordingError('Test error') });
    expect(() => ctx.spanTree).toThrow(SpanTreeRecordingError);
    expect(() => ctx.spanTree).toThrow('Test error');
    expect(ctx.hasSpanTree).toBe(false);
  });

  it('test_evaluator_context_with_custom_types', () => {
    class CustomInput {
      constructor(readonly value: string) {}
    }
    class CustomOutput {
      constructor(readonly result: number) {}
    }
    class CustomMetadata {
      constructor(readonly info: unknown) {}
    }
    const ctx = new EvaluatorContext<CustomInput, CustomOutput, CustomMetadata>({
      name: 'test',
      inputs: new CustomInput('test_input'),
      metadata: new CustomMetadata({ info: 'test' }),
      expectedOutput: new CustomOutput(42),
      output: new CustomOutput(42),
      durationMs: 1000,
      spanTree: new SpanTreeRecordingError('Test error'),
    });
    expect(ctx.inputs).toBeInstanceOf(CustomInput);
    expect(ctx.inputs.value).toBe('test_input');
    expect(ctx.output).toBeInstanceOf(CustomOutput);
    expect(ctx.output.result).toBe(42);
    expect(ctx.metadata).toBeInstanceOf(CustomMetadata);
    expect(ctx.metadata!.info).toEqual({ info: 'test' });
  });

  // test_span_tree_recording_error_serde, test_span_tree_recording_error_serde_json_shape,
  // test_evaluator_context_serde_with_span_tree, test_evaluator_context_serde_with_error: skipped,
  // rehearse's EvaluatorContext is not serialized (pydantic TypeAdapter round trips have no counterpart)
});
