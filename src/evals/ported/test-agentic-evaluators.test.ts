/**
 * Ported from pydantic-ai tests/evals/test_agentic_evaluators.py: span trees built by hand
 * (pydantic-ai's v2 `running tool` and v3+ `execute_tool {name}` shapes). Where pydantic-evals'
 * no-spans reason names logfire, rehearse's names `agentTask` and instrumentation.
 */
import { describe, expect, it } from 'vitest';
import { EvaluatorContext } from '../evaluator-context.js';
import { ArgumentCorrectness, MaxModelRequests, MaxToolCalls, ToolCorrectness, TrajectoryMatch } from '../evaluators/agentic.js';
import { SpanNode, SpanTree, SpanTreeRecordingError, type AttributeValue, type SpanStatus } from '../span-tree.js';

function makeSpan(o: { name: string; spanId: number; attributes?: Record<string, AttributeValue>; startOffset?: number; status?: SpanStatus }): SpanNode {
  const start = Date.UTC(2025, 0, 1) + (o.startOffset ?? 0) * 1000;
  return new SpanNode({ name: o.name, traceId: '1', spanId: String(o.spanId), startTimeMs: start, endTimeMs: start + 10, attributes: { ...o.attributes }, status: o.status ?? 'unset' });
}
function v2ToolSpan(name: string, spanId: number, args: string | undefined, startOffset: number) {
  return makeSpan({ name: 'running tool', spanId, startOffset, attributes: { 'gen_ai.tool.name': name, 'logfire.msg': `running tool: ${name}`, ...(args === undefined ? {} : { tool_arguments: args }) } });
}
function v3ToolSpan(name: string, spanId: number, args: string | undefined, startOffset: number, status: SpanStatus = 'unset') {
  return makeSpan({
    name: `execute_tool ${name}`,
    spanId,
    startOffset,
    status,
    attributes: { 'gen_ai.tool.name': name, 'logfire.msg': `running tool: ${name}`, ...(args === undefined ? {} : { 'gen_ai.tool.call.arguments': args }) },
  });
}
const failedToolSpan = (name: string, spanId: number, args: string | undefined, startOffset: number) => v3ToolSpan(name, spanId, args, startOffset, 'error');
const v2OutputFunctionSpan = (name: string, spanId: number, startOffset: number) =>
  makeSpan({ name: 'running output function', spanId, startOffset, attributes: { 'gen_ai.tool.name': name, 'logfire.msg': `running output function: ${name}` } });
const v3OutputFunctionSpan = (name: string, spanId: number, startOffset: number) =>
  makeSpan({ name: `execute_tool ${name}`, spanId, startOffset, attributes: { 'gen_ai.tool.name': name, 'logfire.msg': `running output function: ${name}` } });
const deferredToolSpan = (name: string, spanId: number, startOffset: number) =>
  makeSpan({
    name: `execute_tool ${name}`,
    spanId,
    startOffset,
    attributes: { 'gen_ai.tool.name': name, 'logfire.msg': `running tool: ${name}`, 'gen_ai.tool.call.arguments': '{}', 'pydantic_ai.tool.deferral.name': 'ApprovalRequired' },
  });
const modelRequestSpan = (spanId: number, startOffset: number) =>
  makeSpan({ name: 'chat', spanId, startOffset, attributes: { 'gen_ai.request.model': 'gpt-5', 'gen_ai.operation.name': 'chat' } });

const ctx = (tree: SpanNode[] | SpanTreeRecordingError, metrics: Record<string, number> = {}) =>
  new EvaluatorContext({ name: 'test', inputs: {}, output: null, durationMs: 0, spanTree: Array.isArray(tree) ? new SpanTree(tree) : tree, metrics });
const NO_SPANS = new SpanTreeRecordingError('spans were not recorded');
/** rehearse's no-trace reason (pydantic-evals' mentions logfire). */
const NO_TRACE = /instrumentation/;

describe('ported from pydantic-ai tests/evals/test_agentic_evaluators.py', () => {
  it('test_tool_spans_v2_and_v3_both_detected_in_start_order', () => {
    const tree = [v3ToolSpan('rerank', 2, '{"top_k": 3}', 0.1), v2ToolSpan('search', 1, '{"q": "cats"}', 0.0)];
    expect(new TrajectoryMatch({ expectedTrajectory: ['search', 'rerank'], order: 'exact' }).evaluate(ctx(tree)).value).toBe(1.0);
  });

  it('test_tool_spans_ignore_output_function_spans', () => {
    const tree = [v2ToolSpan('search', 1, '{}', 0.0), v2OutputFunctionSpan('format_answer', 2, 0.1), v3OutputFunctionSpan('final_answer', 3, 0.2)];
    expect(new ToolCorrectness({ expectedTools: ['search'] }).evaluate(ctx(tree))).toEqual({ value: true });
  });

  it('test_tool_spans_ignore_deferred_tool_calls', () => {
    const tree = [v2ToolSpan('search', 1, '{}', 0.0), deferredToolSpan('delete_account', 2, 0.1)];
    expect(new ToolCorrectness({ expectedTools: ['search'] }).evaluate(ctx(tree))).toEqual({ value: true });
    const result = new ToolCorrectness({ expectedTools: ['search', 'delete_account'] }).evaluate(ctx(tree));
    expect(result.value).toBe(false);
    expect(result.reason).toContain("missing tools: 'delete_account' (x1)");
  });

  it('test_failed_attempts_excluded_by_default', () => {
    const tree = [failedToolSpan('search', 1, '{"q": "bad"}', 0.0), v3ToolSpan('search', 2, '{"q": "good"}', 0.1)];
    expect(new ToolCorrectness({ expectedTools: ['search'] }).evaluate(ctx(tree))).toEqual({ value: true });
    expect(new TrajectoryMatch({ expectedTrajectory: ['search'], order: 'exact' }).evaluate(ctx(tree)).value).toBe(1.0);
    expect(new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'good' } }).evaluate(ctx(tree)).value).toBe(true);
  });

  it('test_failed_attempts_included_when_requested', () => {
    const tree = [failedToolSpan('search', 1, '{"q": "bad"}', 0.0), v3ToolSpan('search', 2, '{"q": "good"}', 0.1)];
    const result = new ToolCorrectness({ expectedTools: ['search'], includeFailed: true }).evaluate(ctx(tree));
    expect(result.value).toBe(false);
    expect(result.reason).toContain("unexpected tools: 'search' (x1)");
    expect(new TrajectoryMatch({ expectedTrajectory: ['search', 'search'], order: 'exact', includeFailed: true }).evaluate(ctx(tree)).value).toBe(1.0);
    expect(new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'bad' }, includeFailed: true }).evaluate(ctx(tree)).value).toBe(true);
  });

  it('test_max_tool_calls_counts_failed_attempts_by_default', () => {
    const tree = [failedToolSpan('search', 1, undefined, 0.0), v3ToolSpan('search', 2, '{}', 0.1)];
    const result = new MaxToolCalls({ maxCalls: 1 }).evaluate(ctx(tree));
    expect(result.value).toBe(false);
    expect(result.reason).toContain('2 tool call(s)');
    expect(new MaxToolCalls({ maxCalls: 1, includeFailed: false }).evaluate(ctx(tree)).value).toBe(true);
  });

  it('test_tool_spans_ignore_unrelated_spans', () => {
    const tree = [
      makeSpan({ name: 'logfire', spanId: 1 }),
      makeSpan({ name: 'chat', spanId: 2, attributes: { 'gen_ai.request.model': 'gpt-5' } }),
      makeSpan({ name: 'some_custom_span', spanId: 3, attributes: { 'gen_ai.tool.name': 'search' }, startOffset: 0.3 }),
      v2ToolSpan('search', 4, '{}', 0.5),
    ];
    expect(new ToolCorrectness({ expectedTools: ['search'] }).evaluate(ctx(tree))).toEqual({ value: true });
  });

  it('test_tool_spans_skip_non_string_tool_name', () => {
    const tree = [makeSpan({ name: 'running tool', spanId: 1, attributes: { 'gen_ai.tool.name': 123, 'logfire.msg': 'running tool: 123' } })];
    expect(new ToolCorrectness({ expectedTools: [] }).evaluate(ctx(tree))).toEqual({ value: true });
  });

  it('test_tool_spans_v2_output_function_with_no_logfire_msg', () => {
    const tree = [makeSpan({ name: 'running output function', spanId: 1, attributes: { 'gen_ai.tool.name': 'format_answer' } }), v2ToolSpan('search', 2, '{}', 0.1)];
    expect(new ToolCorrectness({ expectedTools: ['search'] }).evaluate(ctx(tree))).toEqual({ value: true });
  });

  it('test_tool_correctness_happy_path', () => {
    const tree = [v2ToolSpan('search', 1, '{}', 0.0), v3ToolSpan('format', 2, '{}', 0.1)];
    expect(new ToolCorrectness({ expectedTools: ['search', 'format'] }).evaluate(ctx(tree))).toEqual({ value: true });
  });

  it('test_tool_correctness_multiset_requires_duplicates', () => {
    const result = new ToolCorrectness({ expectedTools: ['search', 'search'] }).evaluate(ctx([v2ToolSpan('search', 1, '{}', 0.0)]));
    expect(result.value).toBe(false);
    expect(result.reason).toContain("'search' (x1)");
  });

  it('test_tool_correctness_missing_tool', () => {
    const result = new ToolCorrectness({ expectedTools: ['search', 'format'] }).evaluate(ctx([v2ToolSpan('search', 1, '{}', 0.0)]));
    expect(result.value).toBe(false);
    expect(result.reason).toContain("missing tools: 'format' (x1)");
  });

  it('test_tool_correctness_extra_fails_by_default', () => {
    const result = new ToolCorrectness({ expectedTools: ['search'] }).evaluate(ctx([v2ToolSpan('search', 1, '{}', 0.0), v2ToolSpan('extra', 2, '{}', 0.1)]));
    expect(result.value).toBe(false);
    expect(result.reason).toContain("unexpected tools: 'extra' (x1)");
  });

  it('test_tool_correctness_allow_extra_permits_extras', () => {
    const tree = [v2ToolSpan('search', 1, '{}', 0.0), v2ToolSpan('extra', 2, '{}', 0.1)];
    expect(new ToolCorrectness({ expectedTools: ['search'], allowExtra: true }).evaluate(ctx(tree))).toEqual({ value: true });
  });

  it('test_tool_correctness_both_missing_and_extra_reported', () => {
    const result = new ToolCorrectness({ expectedTools: ['wanted'] }).evaluate(ctx([v2ToolSpan('unexpected', 1, '{}', 0.0)]));
    expect(result.value).toBe(false);
    expect(result.reason).toContain('missing tools:');
    expect(result.reason).toContain('unexpected tools:');
  });

  it('test_tool_correctness_no_span_tree', () => {
    const result = new ToolCorrectness({ expectedTools: ['x'] }).evaluate(ctx(NO_SPANS));
    expect(result.value).toBe(false);
    expect(result.reason).toMatch(NO_TRACE);
  });

  const spans = (...names: string[]) => names.map((n, i) => v2ToolSpan(n, i + 1, '{}', i / 10));

  it('test_trajectory_match_exact_pass', () => {
    expect(new TrajectoryMatch({ expectedTrajectory: ['a', 'b'], order: 'exact' }).evaluate(ctx(spans('a', 'b'))).value).toBe(1.0);
  });

  it('test_trajectory_match_exact_fail', () => {
    const result = new TrajectoryMatch({ expectedTrajectory: ['a', 'b'], order: 'exact' }).evaluate(ctx(spans('a', 'c')));
    expect(result.value).toBe(0.0);
    expect(result.reason).toContain('does not equal');
  });

  it('test_trajectory_match_in_order_perfect', () => {
    const result = new TrajectoryMatch({ expectedTrajectory: ['a', 'b'], order: 'in_order' }).evaluate(ctx(spans('a', 'b')));
    expect(result.value).toBe(1.0);
    expect(result.reason).toContain('LCS=2');
    expect(result.reason).toContain('F1=1.000');
  });

  it('test_trajectory_match_in_order_partial', () => {
    const result = new TrajectoryMatch({ expectedTrajectory: ['a', 'b', 'c'], order: 'in_order' }).evaluate(ctx(spans('a', 'x', 'b')));
    expect(result.value).toBeCloseTo(2 / 3, 9);
    expect(result.reason).toContain('LCS=2');
    expect(result.reason).toContain('2/3');
    expect(result.reason).toContain('F1=0.667');
  });

  it('test_trajectory_match_in_order_second_example', () => {
    const result = new TrajectoryMatch({ expectedTrajectory: ['search', 'format'], order: 'in_order' }).evaluate(ctx(spans('search', 'search', 'format', 'format')));
    expect(result.value).toBeCloseTo(2 / 3, 9);
    expect(result.reason).toContain('precision=2/4=0.500');
    expect(result.reason).toContain('recall=2/2=1.000');
  });

  it('test_trajectory_match_in_order_interleaved_extras', () => {
    const result = new TrajectoryMatch({ expectedTrajectory: ['a', 'b', 'c'], order: 'in_order' }).evaluate(ctx(spans('a', 'x', 'b', 'y', 'c')));
    expect(result.value).toBeCloseTo(0.75, 9);
    expect(result.reason).toContain('LCS=3');
  });

  for (const [label, expected, actual, score] of [
    ['test_trajectory_match_in_order_no_match', ['y'], ['x'], 0.0],
    ['test_trajectory_match_in_order_both_empty', [], [], 1.0],
    ['test_trajectory_match_in_order_actual_empty_expected_nonempty', ['a'], [], 0.0],
    ['test_trajectory_match_in_order_expected_empty_actual_nonempty', [], ['a'], 0.0],
    ['test_trajectory_match_any_order_full_overlap', ['a', 'b'], ['b', 'a'], 1.0],
    ['test_trajectory_match_any_order_both_empty', [], [], 1.0],
    ['test_trajectory_match_any_order_expected_empty_actual_nonempty', [], ['a'], 0.0],
  ] as const) {
    it(label, () => {
      const order = label.includes('any_order') ? 'any_order' : 'in_order';
      expect(new TrajectoryMatch({ expectedTrajectory: [...expected], order }).evaluate(ctx(spans(...actual))).value).toBe(score);
    });
  }

  it('test_trajectory_match_any_order_partial_overlap', () => {
    const result = new TrajectoryMatch({ expectedTrajectory: ['a', 'b', 'c'], order: 'any_order' }).evaluate(ctx(spans('a', 'x')));
    expect(result.value).toBeCloseTo(0.4, 9);
    expect(result.reason).toContain('overlap=1');
    expect(result.reason).toContain('F1=0.400');
  });

  it('test_trajectory_match_any_order_extras_reduce_score', () => {
    expect(new TrajectoryMatch({ expectedTrajectory: ['a', 'b'], order: 'any_order' }).evaluate(ctx(spans('a', 'b', 'x', 'y'))).value).toBeCloseTo(2 / 3, 9);
  });

  it('test_trajectory_match_any_order_multiset_semantics', () => {
    expect(new TrajectoryMatch({ expectedTrajectory: ['a', 'a'], order: 'any_order' }).evaluate(ctx(spans('a'))).value).toBeCloseTo(2 / 3, 9);
  });

  it('test_trajectory_match_no_span_tree_returns_float_zero', () => {
    // Python checks `type(value) is float`; JavaScript has one number type, so a score is any number
    const result = new TrajectoryMatch({ expectedTrajectory: ['a'] }).evaluate(ctx(NO_SPANS));
    expect(result.value).toBe(0);
    expect(result.reason).toMatch(NO_TRACE);
  });

  const search = (args: string | undefined, spanId = 1, startOffset = 0) => v3ToolSpan('search', spanId, args, startOffset);

  it('test_argument_correctness_subset_pass', () => {
    expect(new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'cats' } }).evaluate(ctx([search('{"q": "cats", "limit": 5}')]))).toEqual({ value: true });
  });

  it('test_argument_correctness_exact_fail_on_extra_keys', () => {
    const result = new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'cats' }, matchMode: 'exact' }).evaluate(ctx([search('{"q": "cats", "limit": 5}')]));
    expect(result.value).toBe(false);
    expect(result.reason).toContain("unexpected key 'limit'");
  });

  it('test_argument_correctness_value_mismatch', () => {
    const result = new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'cats' } }).evaluate(ctx([search('{"q": "dogs"}')]));
    expect(result.value).toBe(false);
    expect(result.reason).toContain("expected 'cats'");
    expect(result.reason).toContain("got 'dogs'");
  });

  it('test_argument_correctness_missing_key', () => {
    const result = new ArgumentCorrectness({ toolName: 'search', expectedArguments: { limit: 5 } }).evaluate(ctx([search('{"q": "cats"}')]));
    expect(result.value).toBe(false);
    expect(result.reason).toContain("missing key 'limit'");
  });

  it('test_argument_correctness_tool_never_called', () => {
    const result = new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'cats' } }).evaluate(ctx([v2ToolSpan('other', 1, '{}', 0)]));
    expect(result.value).toBe(false);
    expect(result.reason).toContain("No calls to tool 'search'");
  });

  const threeCalls = () => [search('{"q": "a"}', 1, 0.0), search('{"q": "b"}', 2, 0.1), search('{"q": "c"}', 3, 0.2)];
  it('test_argument_correctness_occurrence_first', () => {
    expect(new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'a' }, occurrence: 'first' }).evaluate(ctx(threeCalls())).value).toBe(true);
  });
  it('test_argument_correctness_occurrence_last', () => {
    expect(new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'c' }, occurrence: 'last' }).evaluate(ctx(threeCalls())).value).toBe(true);
  });
  it('test_argument_correctness_occurrence_integer_index', () => {
    expect(new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'b' }, occurrence: 1 }).evaluate(ctx(threeCalls())).value).toBe(true);
  });

  // Python's None is null; its repr 'None' is rehearse's 'null'
  for (const [occurrence, shown] of [
    [5, '5'],
    [-1, '-1'],
    ['middle', "'middle'"],
    [null, 'null'],
    [1.5, '1.5'],
  ] as const) {
    it(`test_argument_correctness_occurrence_out_of_range[${shown}]`, () => {
      const result = new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'a' }, occurrence: occurrence as never }).evaluate(ctx([search('{"q": "a"}')]));
      expect(result.value).toBe(false);
      expect(result.reason).toContain(`occurrence=${shown} does not select any of them`);
      expect(result.reason).toContain('negative ints are not supported');
    });
  }

  for (const [label, build] of [
    ['v2', () => v2ToolSpan('search', 1, undefined, 0)],
    ['v3', () => v3ToolSpan('search', 1, undefined, 0)],
  ] as const) {
    it(`test_argument_correctness_include_content_false[${label}]`, () => {
      const result = new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'cats' } }).evaluate(ctx([build()]));
      expect(result.value).toBe(false);
      expect(result.reason).toContain('include_content');
    });
  }

  it('test_argument_correctness_invalid_json', () => {
    const result = new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'cats' } }).evaluate(ctx([search('not-json')]));
    expect(result.value).toBe(false);
    expect(result.reason).toContain('could not be parsed as JSON');
  });

  it('test_argument_correctness_non_object_json', () => {
    const result = new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'cats' } }).evaluate(ctx([search('[1, 2, 3]')]));
    expect(result.value).toBe(false);
    expect(result.reason).toContain('not a JSON object');
    // the value as Python's repr shows it
    expect(result.reason).toBe("Tool 'search' arguments are not a JSON object: [1, 2, 3]");
  });

  it('test_argument_correctness_v2_span_also_works', () => {
    expect(new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'cats' } }).evaluate(ctx([v2ToolSpan('search', 1, '{"q": "cats"}', 0)])).value).toBe(true);
  });

  it('test_argument_correctness_nested_values_compared_by_equality', () => {
    const result = new ArgumentCorrectness({ toolName: 'search', expectedArguments: { filters: { status: 'open' } } }).evaluate(
      ctx([search('{"filters": {"status": "open", "priority": "high"}}')]),
    );
    expect(result.value).toBe(false);
    expect(result.reason).toContain("key 'filters'");
    expect(result.reason).toBe("Tool 'search' argument mismatch: key 'filters': expected {'status': 'open'}, got {'status': 'open', 'priority': 'high'}");
  });

  it('test_argument_correctness_no_span_tree', () => {
    expect(new ArgumentCorrectness({ toolName: 'x', expectedArguments: { a: 1 } }).evaluate(ctx(NO_SPANS)).value).toBe(false);
  });

  it('test_max_tool_calls_under_budget', () => {
    const result = new MaxToolCalls({ maxCalls: 3 }).evaluate(ctx(spans('a', 'b')));
    expect(result.value).toBe(true);
    expect(result.reason).toContain('2 tool call(s)');
  });

  it('test_max_tool_calls_over_budget', () => {
    const result = new MaxToolCalls({ maxCalls: 2 }).evaluate(ctx(spans('a', 'b', 'c')));
    expect(result.value).toBe(false);
    expect(result.reason).toContain('budget=2');
  });

  it('test_max_tool_calls_no_span_tree', () => {
    const result = new MaxToolCalls({ maxCalls: 2 }).evaluate(ctx(NO_SPANS));
    expect(result.value).toBe(false);
    expect(result.reason).toMatch(NO_TRACE);
  });

  it('test_max_model_requests_from_metrics', () => {
    const result = new MaxModelRequests({ maxRequests: 3 }).evaluate(ctx([], { requests: 2 }));
    expect(result.value).toBe(true);
    expect(result.reason).toContain('ctx.metrics');
  });

  it('test_max_model_requests_falls_back_to_span_count', () => {
    const result = new MaxModelRequests({ maxRequests: 1 }).evaluate(ctx([modelRequestSpan(1, 0.0), modelRequestSpan(2, 0.1), v2ToolSpan('search', 3, '{}', 0.2)]));
    expect(result.value).toBe(false);
    expect(result.reason).toContain('from span tree');
  });

  it('test_max_model_requests_span_count_ignores_non_chat_spans', () => {
    const embeddings = makeSpan({ name: 'embeddings', spanId: 2, startOffset: 0.1, attributes: { 'gen_ai.request.model': 'text-embedding-3-small', 'gen_ai.operation.name': 'embeddings' } });
    expect(new MaxModelRequests({ maxRequests: 1 }).evaluate(ctx([modelRequestSpan(1, 0.0), embeddings])).value).toBe(true);
  });

  it('test_max_model_requests_no_span_tree', () => {
    const result = new MaxModelRequests({ maxRequests: 3 }).evaluate(ctx(NO_SPANS));
    expect(result.value).toBe(false);
    expect(result.reason).toMatch(NO_TRACE);
  });

  it('test_evaluation_name_default_and_override', () => {
    const evaluators = [
      new ToolCorrectness({ expectedTools: ['x'] }),
      new TrajectoryMatch({ expectedTrajectory: ['x'] }),
      new ArgumentCorrectness({ toolName: 'x', expectedArguments: {} }),
      new MaxToolCalls({ maxCalls: 1 }),
      new MaxModelRequests({ maxRequests: 1 }),
    ];
    expect(evaluators.map((e) => e.getDefaultEvaluationName())).toEqual(['ToolCorrectness', 'TrajectoryMatch', 'ArgumentCorrectness', 'MaxToolCalls', 'MaxModelRequests']);
    const named = [
      new ToolCorrectness({ expectedTools: ['x'], evaluationName: 'rag_tools' }),
      new TrajectoryMatch({ expectedTrajectory: ['x'], evaluationName: 'rag_trajectory' }),
      new ArgumentCorrectness({ toolName: 'x', expectedArguments: {}, evaluationName: 'rag_args' }),
      new MaxToolCalls({ maxCalls: 1, evaluationName: 'tool_budget' }),
      new MaxModelRequests({ maxRequests: 1, evaluationName: 'request_budget' }),
    ];
    expect(named.map((e) => e.getDefaultEvaluationName())).toEqual(['rag_tools', 'rag_trajectory', 'rag_args', 'tool_budget', 'request_budget']);
  });
});
