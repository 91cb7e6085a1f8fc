import { describe, expect, it } from 'vitest';
import { EvaluatorContext } from '../evaluator-context.js';
import { SpanNode, SpanTree, SpanTreeRecordingError, type AttributeValue } from '../span-tree.js';
import type { TrajectoryStep } from '../trajectory.js';
import { ArgumentCorrectness, MaxModelRequests, MaxToolCalls, ToolCorrectness, TrajectoryMatch } from './agentic.js';

let id = 0;
function span(name: string, start: number, attributes: Record<string, AttributeValue>, status: 'unset' | 'error' = 'unset') {
  return new SpanNode({ name, traceId: 't', spanId: String(++id), parentSpanId: '0', startTimeMs: start, endTimeMs: start + 1, attributes, status });
}
function tool(name: string, start: number, args: object, status: 'unset' | 'error' = 'unset') {
  return span(`execute_tool ${name}`, start, { 'gen_ai.tool.name': name, 'gen_ai.tool.call.arguments': JSON.stringify(args), 'gen_ai.operation.name': 'execute_tool' }, status);
}
function chat(start: number) {
  return span('chat gpt-4o', start, { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.operation.name': 'chat' });
}

// spans: search(q=a) [failed], search(q=b), fetch(url=x), output function span, deferred call, 3 chat requests
function spanCtx(metrics: Record<string, number> = {}) {
  const tree = new SpanTree([
    span('invoke_agent a', -1, {}),
    chat(0),
    tool('search', 1, { q: 'a' }, 'error'),
    chat(2),
    tool('search', 3, { q: 'b', n: 2 }),
    tool('fetch', 4, { url: 'x' }),
    span('execute_tool final_result', 5, { 'gen_ai.tool.name': 'final_result', 'logfire.msg': 'running output function: final_result' }),
    span('execute_tool approve', 6, { 'gen_ai.tool.name': 'approve', 'pydantic_ai.tool.deferral.name': 'ApprovalRequired' }),
    span('running tool', 7, { 'gen_ai.tool.name': 'legacy', tool_arguments: '{"v":2}' }),
    chat(8),
  ]);
  return new EvaluatorContext({ name: 'c', inputs: null, output: null, durationMs: 1, spanTree: tree, metrics });
}

function trajectoryCtx() {
  const steps: TrajectoryStep[] = [
    { kind: 'model-request', durationMs: 1, inputTokens: 5, outputTokens: 2 },
    { kind: 'tool-call', toolName: 'search', toolCallId: 'a', args: { q: 'a' }, error: 'retry', durationMs: 1 },
    { kind: 'tool-call', toolName: 'search', toolCallId: 'b', args: { q: 'b', n: 2 }, result: 'ok', durationMs: 1 },
    { kind: 'model-request', durationMs: 1, inputTokens: 5, outputTokens: 2 },
    { kind: 'tool-call', toolName: 'fetch', toolCallId: 'c', args: { url: 'x' }, result: 'ok', durationMs: 1 },
    { kind: 'tool-call', toolName: 'legacy', toolCallId: 'd', args: { v: 2 }, result: 'ok', durationMs: 1 },
    { kind: 'model-request', durationMs: 1, inputTokens: 5, outputTokens: 2 },
  ];
  return new EvaluatorContext({ name: 'c', inputs: null, output: null, durationMs: 1, spanTree: new SpanTreeRecordingError('none'), attributes: { trajectory: steps } });
}

const noTrace = new EvaluatorContext({ name: 'c', inputs: null, output: null, durationMs: 1, spanTree: new SpanTreeRecordingError('none') });

describe.each([
  ['spans', spanCtx],
  ['trajectory', trajectoryCtx],
])('agentic evaluators over %s', (_label, make) => {
  it('ToolCorrectness compares multisets', () => {
    expect(new ToolCorrectness({ expectedTools: ['fetch', 'search', 'legacy'] }).evaluate(make())).toEqual({ value: true });
    expect(new ToolCorrectness({ expectedTools: ['search', 'search', 'fetch', 'legacy'] }).evaluate(make())).toEqual({
      value: false,
      reason: "missing tools: 'search' (x1)",
    });
    expect(new ToolCorrectness({ expectedTools: ['search'] }).evaluate(make())).toEqual({
      value: false,
      reason: "unexpected tools: 'fetch' (x1), 'legacy' (x1)",
    });
    expect(new ToolCorrectness({ expectedTools: ['search'], allowExtra: true }).evaluate(make()).value).toBe(true);
    expect(new ToolCorrectness({ expectedTools: ['search', 'search', 'fetch', 'legacy'], includeFailed: true }).evaluate(make()).value).toBe(true);
  });

  it('TrajectoryMatch scores order', () => {
    expect(new TrajectoryMatch({ expectedTrajectory: ['search', 'fetch', 'legacy'], order: 'exact' }).evaluate(make())).toEqual({
      value: 1,
      reason: "actual trajectory matches expected: ['search', 'fetch', 'legacy']",
    });
    const inOrder = new TrajectoryMatch({ expectedTrajectory: ['fetch', 'search'] }).evaluate(make());
    expect(inOrder.value).toBeCloseTo(0.4); // LCS 1: p=1/3, r=1/2
    expect(inOrder.reason).toBe(
      "LCS=1, precision=1/3=0.333, recall=1/2=0.500, F1=0.400 (expected: ['fetch', 'search'], actual: ['search', 'fetch', 'legacy'])",
    );
    const anyOrder = new TrajectoryMatch({ expectedTrajectory: ['fetch', 'search'], order: 'any_order' }).evaluate(make());
    expect(anyOrder.value).toBeCloseTo(0.8);
    expect(new TrajectoryMatch({ expectedTrajectory: [], order: 'in_order' }).evaluate(make()).value).toBe(0);
  });

  it('ArgumentCorrectness checks subsets, exact and occurrences', () => {
    expect(new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'b' } }).evaluate(make())).toEqual({ value: true });
    expect(new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'b' }, matchMode: 'exact' }).evaluate(make())).toEqual({
      value: false,
      reason: "Tool 'search' argument mismatch: unexpected key 'n' with value 2",
    });
    expect(new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'a' }, includeFailed: true }).evaluate(make()).value).toBe(true);
    expect(new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'b' }, includeFailed: true, occurrence: 'last' }).evaluate(make()).value).toBe(true);
    expect(new ArgumentCorrectness({ toolName: 'search', expectedArguments: { q: 'b' }, occurrence: 3 }).evaluate(make()).reason).toMatch(
      /^Tool 'search' was called 1 time\(s\); occurrence=3 does not select any of them/,
    );
    expect(new ArgumentCorrectness({ toolName: 'fetch', expectedArguments: { url: 'y', z: 1 } }).evaluate(make()).reason).toBe(
      "Tool 'fetch' argument mismatch: key 'url': expected 'y', got 'x'; missing key 'z'",
    );
    expect(new ArgumentCorrectness({ toolName: 'nope', expectedArguments: {} }).evaluate(make())).toEqual({
      value: false,
      reason: "No calls to tool 'nope' were recorded.",
    });
  });

  it('MaxToolCalls counts failed attempts by default', () => {
    expect(new MaxToolCalls({ maxCalls: 4 }).evaluate(make())).toEqual({ value: true, reason: '4 tool call(s), budget=4' });
    expect(new MaxToolCalls({ maxCalls: 3 }).evaluate(make()).value).toBe(false);
    expect(new MaxToolCalls({ maxCalls: 3, includeFailed: false }).evaluate(make()).value).toBe(true);
  });
});

describe('MaxModelRequests', () => {
  it('reads metrics, then the trajectory, then spans', () => {
    expect(new MaxModelRequests({ maxRequests: 2 }).evaluate(spanCtx({ requests: 2 }))).toEqual({
      value: true,
      reason: "2 model request(s) (from ctx.metrics['requests']), budget=2",
    });
    expect(new MaxModelRequests({ maxRequests: 2 }).evaluate(spanCtx())).toEqual({ value: false, reason: '3 model request(s) (from span tree), budget=2' });
    expect(new MaxModelRequests({ maxRequests: 3 }).evaluate(trajectoryCtx())).toEqual({ value: true, reason: '3 model request(s) (from trajectory), budget=3' });
  });
});

describe('without spans or trajectory', () => {
  it('fails gracefully with a reason', () => {
    const reason = /^No span tree or recorded trajectory available/;
    expect(new ToolCorrectness({ expectedTools: [] }).evaluate(noTrace)).toMatchObject({ value: false, reason });
    expect(new TrajectoryMatch({ expectedTrajectory: [] }).evaluate(noTrace)).toMatchObject({ value: 0, reason });
    expect(new ArgumentCorrectness({ toolName: 'x', expectedArguments: {} }).evaluate(noTrace)).toMatchObject({ value: false, reason });
    expect(new MaxToolCalls({ maxCalls: 1 }).evaluate(noTrace)).toMatchObject({ value: false, reason });
    expect(new MaxModelRequests({ maxRequests: 1 }).evaluate(noTrace)).toMatchObject({ value: false, reason });
  });
});
