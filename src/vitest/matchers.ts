/**
 * vitest matchers for agent runs: `toHaveCalledTool`, `toHaveToolCallSequence`, `toHaveUsage`.
 * They accept an `AgentRunResult` (or anything with `newMessages()`/`allMessages()` and
 * `usage()`, e.g. a finished `AgentRun` or `StreamedRunResult`) or a `ModelMessage[]`.
 * Tool calls are the run's function-tool calls in order, as `trajectoryFromMessages` reads
 * them: output-tool calls (`final_result`) and calls skipped after a final result are left out.
 * Arguments compare with vitest's `equals`, so asymmetric matchers (`expect.any(String)`,
 * `expect.objectContaining(...)`) work.
 */
import type { ModelMessage, RunUsage } from '../runtime/index.js';
import { trajectoryFromMessages } from '../evals/index.js';
import type { ToolCallStep } from '../evals/index.js';

/** What the matchers accept: a run result (or run) or its messages. */
export type AgentRunLike = readonly ModelMessage[] | { newMessages(): ModelMessage[]; usage?(): RunUsage } | { allMessages(): ModelMessage[]; usage?(): RunUsage };

/** One expected call of `toHaveToolCallSequence`: a tool name, or a name with its arguments. */
export type ExpectedToolCall = string | { name: string; args?: unknown };

/** Usage fields `toHaveUsage` compares (any subset; values or asymmetric matchers). */
export interface ExpectedUsage {
  requests?: unknown;
  toolCalls?: unknown;
  inputTokens?: unknown;
  outputTokens?: unknown;
  totalTokens?: unknown;
  cacheReadTokens?: unknown;
  cacheWriteTokens?: unknown;
  details?: unknown;
}

interface MatcherContext {
  isNot: boolean;
  equals(a: unknown, b: unknown): boolean;
  utils: { stringify(v: unknown, maxDepth?: number, options?: { min?: boolean }): string };
}
interface MatcherResult {
  pass: boolean;
  message: () => string;
  actual?: unknown;
  expected?: unknown;
}

function messagesOf(received: unknown, matcher: string): ModelMessage[] {
  if (Array.isArray(received)) return received as ModelMessage[];
  if (typeof received === 'object' && received !== null) {
    const r = received as { newMessages?: () => ModelMessage[]; allMessages?: () => ModelMessage[] };
    if (typeof r.newMessages === 'function') return r.newMessages();
    if (typeof r.allMessages === 'function') return r.allMessages();
  }
  throw new TypeError(`${matcher}: expected an AgentRunResult (or run) or a ModelMessage[], received ${received === null ? 'null' : typeof received}.`);
}

function toolCalls(received: unknown, matcher: string): ToolCallStep[] {
  return trajectoryFromMessages(messagesOf(received, matcher)).filter((s): s is ToolCallStep => s.kind === 'tool-call');
}

/** A compact one-line rendering (pretty-format's `min`). */
function show(ctx: MatcherContext, v: unknown): string {
  return ctx.utils.stringify(v, undefined, { min: true });
}

function describeCalls(calls: readonly ToolCallStep[], ctx: MatcherContext): string {
  if (calls.length === 0) return 'no tool calls';
  return calls.map((c, i) => `  ${i + 1}. ${c.toolName}(${show(ctx, c.args)})`).join('\n');
}

/** `expect(result).toHaveCalledTool(name, args?)`: some function-tool call has this name (and these arguments). */
export function toHaveCalledTool(this: MatcherContext, received: unknown, name: string, args?: unknown): MatcherResult {
  const calls = toolCalls(received, 'toHaveCalledTool');
  const withArgs = args !== undefined;
  const pass = calls.some((c) => c.toolName === name && (!withArgs || this.equals(c.args, args)));
  const what = withArgs ? `tool '${name}' with ${show(this, args)}` : `tool '${name}'`;
  return {
    pass,
    message: () => `expected the run ${this.isNot ? 'not ' : ''}to call ${what}; its tool calls:\n${describeCalls(calls, this)}`,
  };
}

/** `expect(result).toHaveToolCallSequence(['search', { name: 'fetch', args: {...} }])`: the function-tool calls, in order, are exactly these. */
export function toHaveToolCallSequence(this: MatcherContext, received: unknown, expected: readonly ExpectedToolCall[]): MatcherResult {
  const calls = toolCalls(received, 'toHaveToolCallSequence');
  const want = expected.map((e) => (typeof e === 'string' ? { name: e } : e));
  const pass =
    calls.length === want.length && want.every((w, i) => calls[i]!.toolName === w.name && (w.args === undefined || this.equals(calls[i]!.args, w.args)));
  const shown = (list: readonly { name: string; args?: unknown }[]) => list.map((c) => (c.args === undefined ? c.name : { name: c.name, args: c.args }));
  return {
    pass,
    message: () =>
      `expected the run's tool calls ${this.isNot ? 'not ' : ''}to be the sequence ${show(this, shown(want))}; they were:\n${describeCalls(calls, this)}`,
    actual: shown(calls.map((c, i) => ({ name: c.toolName, ...(want[i]?.args === undefined ? {} : { args: c.args }) }))),
    expected: shown(want),
  };
}

/** Usage of a result (`usage()`), or summed from messages (requests = responses, toolCalls = function-tool calls). */
function usageOf(received: unknown): Record<string, unknown> {
  const r = received as { usage?: () => RunUsage };
  if (!Array.isArray(received) && typeof r?.usage === 'function') {
    const u = r.usage();
    return { ...(typeof u.toJSON === 'function' ? u.toJSON() : u) };
  }
  const messages = messagesOf(received, 'toHaveUsage');
  const out = { requests: 0, toolCalls: toolCalls(messages, 'toHaveUsage').length, inputTokens: 0, outputTokens: 0, totalTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  for (const m of messages) {
    if (m.kind !== 'response') continue;
    out.requests++;
    out.inputTokens += m.usage.inputTokens;
    out.outputTokens += m.usage.outputTokens;
    out.cacheReadTokens += m.usage.cacheReadTokens ?? 0;
    out.cacheWriteTokens += m.usage.cacheWriteTokens ?? 0;
  }
  out.totalTokens = out.inputTokens + out.outputTokens;
  return out;
}

/** `expect(result).toHaveUsage({ requests: 2, toolCalls: 1 })`: each given usage field equals (or matches) the run's. */
export function toHaveUsage(this: MatcherContext, received: unknown, expected: ExpectedUsage): MatcherResult {
  const usage = usageOf(received);
  const keys = Object.keys(expected) as (keyof ExpectedUsage)[];
  const unknown = keys.filter((k) => !(k in usage));
  if (unknown.length) throw new TypeError(`toHaveUsage: unknown usage field(s) ${unknown.join(', ')}; known: ${Object.keys(usage).join(', ')}.`);
  const actual = Object.fromEntries(keys.map((k) => [k, usage[k]]));
  const pass = keys.every((k) => this.equals(usage[k], expected[k]));
  return {
    pass,
    message: () => `expected the run's usage ${this.isNot ? 'not ' : ''}to match ${show(this, expected)}; it was ${show(this, actual)}`,
    actual,
    expected,
  };
}

/** The matchers, for `expect.extend(rehearseMatchers)` (importing `rehearse/vitest` registers them already). */
export const rehearseMatchers = { toHaveCalledTool, toHaveToolCallSequence, toHaveUsage };

/** Types of the matchers, merged into vitest's `Assertion` by `rehearse/vitest`. */
export interface RehearseMatchers<R = unknown> {
  /** Some function-tool call of the run has this name (and, when given, arguments equal to `args`). */
  toHaveCalledTool(name: string, args?: unknown): R;
  /** The run's function-tool calls, in order, are exactly `expected` (names, or `{ name, args }`). */
  toHaveToolCallSequence(expected: readonly ExpectedToolCall[]): R;
  /** Each given usage field (`requests`, `toolCalls`, `inputTokens` …) equals or matches the run's. */
  toHaveUsage(expected: ExpectedUsage): R;
}
