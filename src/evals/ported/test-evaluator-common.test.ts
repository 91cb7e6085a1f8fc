/**
 * Ported from pydantic-ai tests/evals/test_evaluator_common.py (each test names its source
 * function). Python's `EvaluationReason(value=True)` is rehearse's `{ value: true }`; Python's
 * `duration` (seconds) is `durationMs`.
 */
import { trace, context as otelContext } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelMessage, ModelSettings, UserPromptPart } from '../../runtime/index.js';
import { FunctionModel, type AgentInfo } from '../../testing/index.js';
import { EvaluatorContext } from '../evaluator-context.js';
import { Contains, Equals, EqualsExpected, HasMatchingSpan, IsInstance, MaxDuration } from '../evaluators/common.js';
import { getDefaultJudgeModel, LLMJudge, setDefaultJudgeModel } from '../evaluators/llm-judge.js';
import { collectSpans, ensureEvalTracing } from '../span-collector.js';
import { SpanTreeRecordingError } from '../span-tree.js';

/** pydantic-evals' `MockContext(output, expected_output, inputs, duration)`; `durationS` in seconds. */
function mockContext(init: { output?: unknown; expectedOutput?: unknown; inputs?: unknown; durationS?: number } = {}) {
  return new EvaluatorContext({
    name: 'test',
    inputs: init.inputs ?? null,
    output: init.output ?? null,
    expectedOutput: init.expectedOutput,
    durationMs: (init.durationS ?? 0) * 1000,
  });
}

describe('ported from pydantic-ai tests/evals/test_evaluator_common.py', () => {
  it('test_equals', () => {
    const evaluator = new Equals({ value: 42 });
    expect(evaluator.evaluate(mockContext({ output: 42 }))).toBe(true);
    expect(evaluator.evaluate(mockContext({ output: 43 }))).toBe(false);
  });

  it('test_equals_expected', () => {
    const evaluator = new EqualsExpected();
    expect(evaluator.evaluate(mockContext({ output: 42, expectedOutput: 42 }))).toBe(true);
    expect(evaluator.evaluate(mockContext({ output: 42, expectedOutput: 43 }))).toBe(false);
    expect(evaluator.evaluate(mockContext({ output: 42, expectedOutput: null }))).toEqual({});
    expect(evaluator.evaluate(mockContext({ output: 42 }))).toEqual({});
  });

  it('test_contains_string', () => {
    const evaluator = new Contains({ value: 'test' });
    expect(evaluator.evaluate(mockContext({ output: 'this is a test' })).value).toBe(true);
    expect(evaluator.evaluate(mockContext({ output: 'no match' }))).toEqual({
      value: false,
      reason: "Output string 'no match' does not contain expected string 'test'",
    });
    const insensitive = new Contains({ value: 'TEST', caseSensitive: false });
    expect(insensitive.evaluate(mockContext({ output: 'this is a test' }))).toEqual({ value: true });
  });

  it('test_contains_dict', () => {
    const evaluator = new Contains({ value: { key: 'value' } });
    expect(evaluator.evaluate(mockContext({ output: { key: 'value', extra: 'data' } }))).toEqual({ value: true });
    expect(evaluator.evaluate(mockContext({ output: { different: 'value' } }))).toEqual({
      value: false,
      reason: "Output does not contain expected key 'key'",
    });
    expect(evaluator.evaluate(mockContext({ output: { key: 'different' } }))).toEqual({
      value: false,
      reason: "Output has different value for key 'key': 'different' != 'value'",
    });
    expect(new Contains({ value: 'key' }).evaluate(mockContext({ output: { key: 'value' } }))).toEqual({ value: true });
  });

  // pydantic BaseModel and dataclasses are both class instances with fields in TypeScript
  for (const source of ['test_contains_basemodel', 'test_contains_dataclass']) {
    it(`${source}: a class instance with fields is checked key by key`, () => {
      class MockModel {
        key: string | null;
        extra: string | null;
        constructor(init: { key?: string; extra?: string }) {
          this.key = init.key ?? null;
          this.extra = init.extra ?? null;
        }
      }
      const evaluator = new Contains({ value: { key: 'value' } });
      expect(evaluator.evaluate(mockContext({ output: new MockModel({ key: 'value', extra: 'data' }) }))).toEqual({ value: true });
      // pydantic-evals: "None != 'value'"; the TypeScript field holds null
      expect(evaluator.evaluate(mockContext({ output: new MockModel({ extra: 'data' }) }))).toEqual({
        value: false,
        reason: "Output has different value for key 'key': null != 'value'",
      });
      expect(evaluator.evaluate(mockContext({ output: new MockModel({ key: 'different' }) }))).toEqual({
        value: false,
        reason: "Output has different value for key 'key': 'different' != 'value'",
      });
    });
  }

  it('test_contains_list', () => {
    const evaluator = new Contains({ value: 42 });
    expect(evaluator.evaluate(mockContext({ output: [1, 42, 3] }))).toEqual({ value: true });
    expect(evaluator.evaluate(mockContext({ output: [1, 2, 3] }))).toEqual({
      value: false,
      reason: 'Output [1, 2, 3] does not contain provided value',
    });
  });

  it('test_contains_as_strings', () => {
    const evaluator = new Contains({ value: 42, asStrings: true });
    expect(evaluator.evaluate(mockContext({ output: 'The answer is 42' })).value).toBe(true);
    expect(evaluator.evaluate(mockContext({ output: [1, 42, 3] })).value).toBe(true);
  });

  it('test_contains_invalid_type', () => {
    // Python's unhashable object: in TypeScript, an instance of a class without fields (no `in`)
    class Unhashable {}
    const result = new Contains({ value: 42 }).evaluate(mockContext({ output: new Unhashable() }));
    expect(result.value).toBe(false);
    expect(result.reason?.startsWith("Containment check failed: argument of type 'Unhashable'")).toBe(true);
  });

  // test_is_instance: ported in src/evals/pydantic-evals-port.test.ts

  it('test_max_duration', () => {
    let evaluator = new MaxDuration({ seconds: 1.0 });
    expect(evaluator.evaluate(mockContext({ durationS: 0.5 }))).toBe(true);
    expect(evaluator.evaluate(mockContext({ durationS: 1.5 }))).toBe(false);
    // Python's timedelta(seconds=1): rehearse takes its parts as an object
    evaluator = new MaxDuration({ seconds: { seconds: 1 } });
    expect(evaluator.seconds).toBe(1);
    expect(evaluator.evaluate(mockContext({ durationS: 0.5 }))).toBe(true);
    expect(evaluator.evaluate(mockContext({ durationS: 1.5 }))).toBe(false);
  });

  describe('LLMJudge', () => {
    const original = getDefaultJudgeModel();
    afterEach(() => setDefaultJudgeModel(original));

    interface Call {
      system: string;
      prompt: string;
      settings: ModelSettings | undefined;
    }
    /** The judge that `mocker.patch(judge_*)` stands for: answers `grading`, records each call. */
    function judge(calls: Call[], grading: { pass: boolean; score: number; reason: string }, modelName = 'judge') {
      return new FunctionModel(
        (messages: ModelMessage[], info: AgentInfo) => {
          const req = messages[0]!;
          const parts = req.kind === 'request' ? req.parts : [];
          const system = parts.find((p) => p.partKind === 'system-prompt');
          const user = parts.find((p): p is UserPromptPart => p.partKind === 'user-prompt')!;
          calls.push({ system: system && 'content' in system ? String(system.content) : '', prompt: String(user.content), settings: info.modelSettings });
          return [{ partKind: 'tool-call', toolName: info.outputTools[0]!.name, args: { ...grading }, toolCallId: 'j' }];
        },
        { modelName },
      );
    }
    const judgeCtx = () =>
      new EvaluatorContext({
        name: 'test',
        inputs: { prompt: 'Hello' },
        expectedOutput: 'Hello',
        output: 'Hello world',
        durationMs: 0,
        spanTree: new SpanTreeRecordingError('spans were not recorded'),
      });
    /** Which sections the judge was shown: pydantic-evals' choice among judge_output/…_expected. */
    const sections = (c: Call) => ['Input', 'Output', 'ExpectedOutput', 'Rubric'].filter((s) => c.prompt.includes(`<${s}>`));

    it('test_llm_judge_evaluator', async () => {
      const calls: Call[] = [];
      const grading = { score: 1.0, pass: true, reason: 'Test passed' };
      const model = judge(calls, grading);
      setDefaultJudgeModel(model);
      const ctx = judgeCtx();

      expect(await new LLMJudge({ rubric: 'Content contains a greeting' }).evaluate(ctx)).toEqual({ LLMJudge: { value: true, reason: 'Test passed' } });
      expect(sections(calls[0]!)).toEqual(['Output', 'Rubric']);
      expect(calls[0]!.prompt).toContain('Hello world');
      expect(calls[0]!.prompt).toContain('Content contains a greeting');

      expect(await new LLMJudge({ rubric: 'Output contains input', includeInput: true, model }).evaluate(ctx)).toEqual({
        LLMJudge: { value: true, reason: 'Test passed' },
      });
      expect(sections(calls[1]!)).toEqual(['Input', 'Output', 'Rubric']);

      let evaluator = new LLMJudge({ rubric: 'Output contains input', includeInput: true, includeExpectedOutput: true, model });
      expect(await evaluator.evaluate(ctx)).toEqual({ LLMJudge: { value: true, reason: 'Test passed' } });
      expect(sections(calls[2]!)).toEqual(['Input', 'Output', 'ExpectedOutput', 'Rubric']);

      evaluator = new LLMJudge({ rubric: 'Output contains input', includeInput: false, includeExpectedOutput: true, model });
      expect(await evaluator.evaluate(ctx)).toEqual({ LLMJudge: { value: true, reason: 'Test passed' } });
      expect(sections(calls[3]!)).toEqual(['Output', 'ExpectedOutput', 'Rubric']);

      Object.assign(grading, { score: 0.0, pass: false, reason: 'Test failed' });
      expect(await evaluator.evaluate(ctx)).toEqual({ LLMJudge: { value: false, reason: 'Test failed' } });

      expect(await new LLMJudge({ rubric: 'Mock rubric', assertion: false }).evaluate(ctx)).toEqual({});
      evaluator = new LLMJudge({
        rubric: 'Mock rubric',
        score: { evaluationName: 'my_score', includeReason: true },
        assertion: { evaluationName: 'my_assertion' },
      });
      expect(await evaluator.evaluate(ctx)).toEqual({ my_assertion: false, my_score: { reason: 'Test failed', value: 0.0 } });
    });

    it('test_llm_judge_evaluator_with_model_settings', async () => {
      const calls: Call[] = [];
      const model = judge(calls, { score: 1, pass: true, reason: 'Test passed with settings' });
      setDefaultJudgeModel(model);
      const modelSettings: ModelSettings = { temperature: 0.77 };
      const ctx = judgeCtx();
      const expected = { LLMJudge: { value: true, reason: 'Test passed with settings' } };
      const variants = [
        { includeInput: false, includeExpectedOutput: false, shown: ['Output', 'Rubric'] },
        { includeInput: true, includeExpectedOutput: false, shown: ['Input', 'Output', 'Rubric'] },
        { includeInput: true, includeExpectedOutput: true, shown: ['Input', 'Output', 'ExpectedOutput', 'Rubric'] },
        { includeInput: false, includeExpectedOutput: true, shown: ['Output', 'ExpectedOutput', 'Rubric'] },
      ];
      for (const [i, v] of variants.entries()) {
        const evaluator = new LLMJudge({ rubric: 'Greeting with custom settings', includeInput: v.includeInput, includeExpectedOutput: v.includeExpectedOutput, modelSettings });
        expect(await evaluator.evaluate(ctx)).toEqual(expected);
        expect(sections(calls[i]!)).toEqual(v.shown);
        expect(calls[i]!.settings).toMatchObject({ temperature: 0.77 });
      }
    });
  });

  it('test_span_query_evaluator', async () => {
    ensureEvalTracing();
    const tracer = trace.getTracer('test_span_query_evaluator');
    const span = <T>(name: string, attributes: Record<string, string | boolean>, body: () => T): T => {
      const s = tracer.startSpan(name, { attributes });
      try {
        return otelContext.with(trace.setSpan(otelContext.active(), s), body);
      } finally {
        s.end();
      }
    };
    const { spanTree } = await collectSpans(async () => {
      span('root', {}, () => {
        span('child1', { key: 'value' }, () => undefined);
        span('child2', {}, () => span('grandchild', { nested: true }, () => undefined));
      });
    });
    const ctx = new EvaluatorContext({ name: 'test', inputs: {}, output: {}, durationMs: 0, spanTree });
    const has = (query: Record<string, unknown>) => new HasMatchingSpan({ query }).evaluate(ctx);
    expect(has({ nameEquals: 'child1' })).toBe(true);
    expect(has({ nameMatchesRegex: 'child.*' })).toBe(true);
    expect(has({ hasAttributes: { key: 'value' } })).toBe(true);
    expect(has({ nameEquals: 'grandchild', hasAttributes: { nested: true } })).toBe(true);
    expect(has({ nameEquals: 'nonexistent' })).toBe(false);
    expect(has({ nameEquals: 'child1', hasAttributes: { wrong: 'value' } })).toBe(false);
  });

  // test_g_eval_evaluator, test_g_eval_validates_arguments_at_construction, test_g_eval_evaluation_name,
  // test_g_eval_registered_in_defaults, test_g_eval_model_instance_serialized_as_string: skipped,
  // rehearse has no GEval evaluator (not part of the port yet).
});
