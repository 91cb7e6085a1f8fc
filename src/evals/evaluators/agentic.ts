/**
 * Deterministic evaluators over an agent's tool-call trajectory (pydantic-evals'
 * `evaluators/agentic.py`). Each reads the trajectory `agentTask` recorded on the case when
 * there is one, else the case's spans: tool spans are `execute_tool {tool}` (or `running tool`)
 * with `gen_ai.tool.name` and `gen_ai.tool.call.arguments`; model requests are spans with
 * `gen_ai.request.model` and `gen_ai.operation.name = 'chat'`. With neither, they fail with a
 * reason instead of throwing.
 */
import type { EvaluatorContext } from '../evaluator-context.js';
import { Evaluator, type EvaluationReason, type EvaluatorOptions } from '../evaluator.js';
import type { SpanNode } from '../span-tree.js';
import { deepEqual } from './common.js';
import { pyRepr } from './py-repr.js';

interface ToolCallInfo {
  name: string;
  /** JSON-encoded arguments; `undefined` when not recorded. */
  arguments: string | undefined;
}

const NO_TRACE_REASON = 'No span tree or recorded trajectory available — use agentTask or ensure instrumentation is enabled.';

function isToolCallSpan(node: SpanNode): boolean {
  const toolName = node.attributes['gen_ai.tool.name'];
  if (typeof toolName !== 'string') return false;
  if ('pydantic_ai.tool.deferral.name' in node.attributes) return false;
  if (node.name === 'running output function') return false;
  if (node.name === 'running tool') return true;
  if (!node.name.startsWith('execute_tool ')) return false;
  const msg = node.attributes['logfire.msg'];
  return !(typeof msg === 'string' && msg.startsWith('running output function:'));
}

function isModelRequestSpan(node: SpanNode): boolean {
  return 'gen_ai.request.model' in node.attributes && node.attributes['gen_ai.operation.name'] === 'chat';
}

/** Tool calls in order from the trajectory or the spans; `undefined` when neither was recorded. */
function extractToolCalls(ctx: EvaluatorContext, includeFailed: boolean): ToolCallInfo[] | undefined {
  const trajectory = ctx.trajectory;
  if (trajectory !== undefined) {
    return trajectory.flatMap((s) =>
      s.kind === 'tool-call' && (includeFailed || s.error === undefined)
        ? [{ name: s.toolName, arguments: typeof s.args === 'string' ? s.args : JSON.stringify(s.args) }]
        : [],
    );
  }
  if (!ctx.hasSpanTree) return undefined;
  const spans = ctx.spanTree.find((n) => isToolCallSpan(n) && (includeFailed || n.status !== 'error'));
  spans.sort((a, b) => a.startTimeMs - b.startTimeMs);
  return spans.map((n) => {
    const args = n.attributes['gen_ai.tool.call.arguments'] ?? n.attributes['tool_arguments'];
    return { name: n.attributes['gen_ai.tool.name'] as string, arguments: typeof args === 'string' ? args : undefined };
  });
}

function counter(names: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const n of names) m.set(n, (m.get(n) ?? 0) + 1);
  return m;
}

function pyList(names: readonly string[]): string {
  return `[${names.map((n) => `'${n}'`).join(', ')}]`;
}

/** Options of `ToolCorrectness`. */
export interface ToolCorrectnessOptions extends EvaluatorOptions {
  /** Tool names expected to be called, as a multiset (order ignored, repeats significant). */
  expectedTools: string[];
  /** Allow calls not in `expectedTools`; default `false`. */
  allowExtra?: boolean;
  /** Count calls that failed or asked for a retry; default `false`. */
  includeFailed?: boolean;
}

/** Asserts the agent called exactly (or, with `allowExtra`, at least) the multiset `expectedTools`. */
export class ToolCorrectness extends Evaluator {
  static readonly positionalArgument = 'expectedTools';
  readonly expectedTools: string[];
  readonly allowExtra: boolean;
  readonly includeFailed: boolean;
  constructor(options: ToolCorrectnessOptions) {
    super(options);
    this.expectedTools = [...options.expectedTools];
    this.allowExtra = options.allowExtra ?? false;
    this.includeFailed = options.includeFailed ?? false;
  }
  evaluate(ctx: EvaluatorContext): EvaluationReason {
    const calls = extractToolCalls(ctx, this.includeFailed);
    if (calls === undefined) return { value: false, reason: NO_TRACE_REASON };
    const actual = counter(calls.map((c) => c.name));
    const expected = counter(this.expectedTools);
    const missing: [string, number][] = [];
    const extra: [string, number][] = [];
    for (const [n, c] of expected) if ((actual.get(n) ?? 0) < c) missing.push([n, c - (actual.get(n) ?? 0)]);
    for (const [n, c] of actual) if ((expected.get(n) ?? 0) < c) extra.push([n, c - (expected.get(n) ?? 0)]);
    const desc = (xs: [string, number][]) =>
      xs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, c]) => `'${n}' (x${c})`).join(', ');
    const problems: string[] = [];
    if (missing.length) problems.push(`missing tools: ${desc(missing)}`);
    if (extra.length && !this.allowExtra) problems.push(`unexpected tools: ${desc(extra)}`);
    return problems.length ? { value: false, reason: problems.join('; ') } : { value: true };
  }
}

/** How `TrajectoryMatch` compares sequences. */
export type TrajectoryOrder = 'exact' | 'in_order' | 'any_order';

function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (!a.length || !b.length) return 0;
  let prev = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const curr = new Array<number>(b.length + 1).fill(0);
    for (let j = 1; j <= b.length; j++) {
      curr[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, curr[j - 1]!);
    }
    prev = curr;
  }
  return prev[b.length]!;
}

function f1(p: number, r: number): number {
  return p + r === 0 ? 0 : (2 * p * r) / (p + r);
}

/** Options of `TrajectoryMatch`. */
export interface TrajectoryMatchOptions extends EvaluatorOptions {
  /** Expected ordered tool names. */
  expectedTrajectory: string[];
  /** `'exact'` (1 or 0), `'in_order'` (F1 of the longest common subsequence, default) or `'any_order'` (F1 of the multiset overlap). */
  order?: TrajectoryOrder;
  /** Include failed attempts; default `false`. */
  includeFailed?: boolean;
}

/** Scores (0..1) how closely the tool-call sequence matches `expectedTrajectory`. */
export class TrajectoryMatch extends Evaluator {
  static readonly positionalArgument = 'expectedTrajectory';
  readonly expectedTrajectory: string[];
  readonly order: TrajectoryOrder;
  readonly includeFailed: boolean;
  constructor(options: TrajectoryMatchOptions) {
    super(options);
    this.expectedTrajectory = [...options.expectedTrajectory];
    this.order = options.order ?? 'in_order';
    this.includeFailed = options.includeFailed ?? false;
  }
  evaluate(ctx: EvaluatorContext): EvaluationReason {
    const calls = extractToolCalls(ctx, this.includeFailed);
    if (calls === undefined) return { value: 0, reason: NO_TRACE_REASON };
    const actual = calls.map((c) => c.name);
    const expected = this.expectedTrajectory;
    if (this.order === 'exact') {
      return deepEqual(actual, expected)
        ? { value: 1, reason: `actual trajectory matches expected: ${pyList(actual)}` }
        : { value: 0, reason: `actual trajectory ${pyList(actual)} does not equal expected ${pyList(expected)}` };
    }
    if (!actual.length && !expected.length) return { value: 1, reason: 'both actual and expected trajectories are empty' };
    let overlap: number;
    let label: string;
    if (this.order === 'any_order') {
      const a = counter(actual);
      overlap = 0;
      for (const [n, c] of counter(expected)) overlap += Math.min(c, a.get(n) ?? 0);
      label = `multiset overlap=${overlap}`;
    } else {
      overlap = lcsLength(actual, expected);
      label = `LCS=${overlap}`;
    }
    const precision = actual.length ? overlap / actual.length : 0;
    const recall = expected.length ? overlap / expected.length : 0;
    const score = f1(precision, recall);
    return {
      value: score,
      reason:
        `${label}, precision=${overlap}/${actual.length}=${precision.toFixed(3)}, ` +
        `recall=${overlap}/${expected.length}=${recall.toFixed(3)}, F1=${score.toFixed(3)} ` +
        `(expected: ${pyList(expected)}, actual: ${pyList(actual)})`,
    };
  }
}

/** Options of `ArgumentCorrectness`. */
export interface ArgumentCorrectnessOptions extends EvaluatorOptions {
  toolName: string;
  expectedArguments: Record<string, unknown>;
  /** `'subset'` (default): every expected top-level key present and equal; `'exact'`: no other keys either. */
  matchMode?: 'exact' | 'subset';
  /** Which call to inspect: `'first'` (default when absent), `'last'` or a 0-based index; anything else (`null`, a negative or out-of-range index) selects no call and fails. */
  occurrence?: 'first' | 'last' | number;
  /** Consider failed attempts; default `false`. */
  includeFailed?: boolean;
}

/** Asserts a call of `toolName` received `expectedArguments`. */
export class ArgumentCorrectness extends Evaluator {
  static readonly positionalArgument = 'toolName';
  readonly toolName: string;
  readonly expectedArguments: Record<string, unknown>;
  readonly matchMode: 'exact' | 'subset';
  readonly occurrence: 'first' | 'last' | number;
  readonly includeFailed: boolean;
  constructor(options: ArgumentCorrectnessOptions) {
    super(options);
    this.toolName = options.toolName;
    this.expectedArguments = options.expectedArguments;
    this.matchMode = options.matchMode ?? 'subset';
    // only an absent option defaults; an explicit null selects no call, as pydantic-evals' `occurrence=None`
    this.occurrence = options.occurrence === undefined ? 'first' : options.occurrence;
    this.includeFailed = options.includeFailed ?? false;
  }
  evaluate(ctx: EvaluatorContext): EvaluationReason {
    const calls = extractToolCalls(ctx, this.includeFailed);
    if (calls === undefined) return { value: false, reason: NO_TRACE_REASON };
    const matches = calls.filter((c) => c.name === this.toolName);
    if (!matches.length) return { value: false, reason: `No calls to tool '${this.toolName}' were recorded.` };
    const o = this.occurrence;
    const selected =
      o === 'first' ? matches[0] : o === 'last' ? matches.at(-1) : Number.isInteger(o) && o >= 0 ? matches[o] : undefined;
    if (!selected) {
      return {
        value: false,
        reason:
          `Tool '${this.toolName}' was called ${matches.length} time(s); occurrence=${pyRepr(o)} does not select any of them ` +
          `(must be 'first', 'last', or a 0-based index; negative ints are not supported).`,
      };
    }
    if (selected.arguments === undefined) {
      return { value: false, reason: `Tool '${this.toolName}' arguments not available in span (\`include_content\` may be disabled).` };
    }
    let actual: unknown;
    try {
      actual = JSON.parse(selected.arguments);
    } catch (e) {
      return { value: false, reason: `Tool '${this.toolName}' arguments could not be parsed as JSON: ${(e as Error).message}` };
    }
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) {
      return { value: false, reason: `Tool '${this.toolName}' arguments are not a JSON object: ${pyRepr(actual)}` };
    }
    const act = actual as Record<string, unknown>;
    const diffs: string[] = [];
    for (const [k, v] of Object.entries(this.expectedArguments)) {
      if (!(k in act)) diffs.push(`missing key '${k}'`);
      else if (!deepEqual(act[k], v)) diffs.push(`key '${k}': expected ${pyRepr(v)}, got ${pyRepr(act[k])}`);
    }
    if (this.matchMode === 'exact') {
      for (const k of Object.keys(act)) {
        if (!(k in this.expectedArguments)) diffs.push(`unexpected key '${k}' with value ${pyRepr(act[k])}`);
      }
    }
    return diffs.length
      ? { value: false, reason: `Tool '${this.toolName}' argument mismatch: ${diffs.join('; ')}` }
      : { value: true };
  }
}

/** Options of `MaxToolCalls`. */
export interface MaxToolCallsOptions extends EvaluatorOptions {
  maxCalls: number;
  /** Count failed attempts against the budget; default `true`. */
  includeFailed?: boolean;
}

/** Asserts the agent made at most `maxCalls` tool calls. */
export class MaxToolCalls extends Evaluator {
  static readonly positionalArgument = 'maxCalls';
  readonly maxCalls: number;
  readonly includeFailed: boolean;
  constructor(options: MaxToolCallsOptions) {
    super(options);
    this.maxCalls = options.maxCalls;
    this.includeFailed = options.includeFailed ?? true;
  }
  evaluate(ctx: EvaluatorContext): EvaluationReason {
    const calls = extractToolCalls(ctx, this.includeFailed);
    if (calls === undefined) return { value: false, reason: NO_TRACE_REASON };
    return { value: calls.length <= this.maxCalls, reason: `${calls.length} tool call(s), budget=${this.maxCalls}` };
  }
}

/**
 * Asserts the agent made at most `maxRequests` model requests: from `ctx.metrics.requests` when
 * set, else the recorded trajectory, else the chat spans.
 */
export class MaxModelRequests extends Evaluator {
  static readonly positionalArgument = 'maxRequests';
  readonly maxRequests: number;
  constructor(options: { maxRequests: number } & EvaluatorOptions) {
    super(options);
    this.maxRequests = options.maxRequests;
  }
  evaluate(ctx: EvaluatorContext): EvaluationReason {
    let count: number;
    let source: string;
    const metric = ctx.metrics['requests'];
    const trajectory = ctx.trajectory;
    if (typeof metric === 'number') {
      count = Math.trunc(metric);
      source = "ctx.metrics['requests']";
    } else if (trajectory !== undefined) {
      count = trajectory.filter((s) => s.kind === 'model-request').length;
      source = 'trajectory';
    } else if (ctx.hasSpanTree) {
      count = ctx.spanTree.find(isModelRequestSpan).length;
      source = 'span tree';
    } else {
      return { value: false, reason: NO_TRACE_REASON };
    }
    return {
      value: count <= this.maxRequests,
      reason: `${count} model request(s) (from ${source}), budget=${this.maxRequests}`,
    };
  }
}
