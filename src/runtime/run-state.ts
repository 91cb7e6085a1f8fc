/**
 * The state one agent run carries from node to node (pydantic-ai's `GraphAgentState` plus
 * `GraphAgentDeps`). Internal: built by `Agent.iter`.
 */
import { IncompleteToolCall, UnexpectedModelBehavior } from './errors.js';
import { parseJsonArgs } from './output.js';
import type { ModelMessage, UserContent } from './messages.js';
import type { Model, ModelRequestParameters, ToolDefinition } from './model.js';
import type { OutputSchema } from './output.js';
import type { RunContext } from './run-context.js';
import type { ModelSettings } from './settings.js';
import type { AbstractToolset, ToolsetTool } from './toolsets/abstract.js';
import type { DeferredCollector, ResumeResults } from './deferred-calls.js';
import type { RunCapability } from './capabilities/run-capability.js';
import type { DeferredToolResults } from './deferred.js';
import type { AgentStreamEvent, HandleResponseEvent } from './stream-events.js';
import type { RunUsage, UsageLimits } from './usage.js';
import type { RunInstrumentation } from './instrumentation.js';

/** A function producing instructions or a system prompt. */
export type PromptFunction<Deps> = (ctx: RunContext<Deps>) => string | undefined | Promise<string | undefined>;
/** An output validator: returns the (possibly transformed) output or throws `ModelRetry`. */
export type OutputValidator<Deps, O> = (output: O, ctx: RunContext<Deps>) => O | Promise<O>;

/**
 * How the tool calls of a response that produces a final result are handled, as pydantic-ai v2's
 * `EndStrategy` (`_tool_execution.py`):
 * - `'early'`: output tools run first (in emission order, the first valid one wins); function
 *   tools run only when every output tool failed, else they are answered "Tool not executed".
 * - `'graceful'` (default): calls run in emission order; function tools emitted before an output
 *   tool complete before it; once an output tool succeeds, later output tools are skipped but
 *   function tools still run.
 * - `'exhaustive'`: every call runs; the first valid output (by emission order) wins.
 *
 * Under `'graceful'` and `'exhaustive'`, a function tool asking for a retry discards the final
 * result of that round ("retry wins"). Plain text never pre-empts function tools; only text
 * validated against a schema (native/prompted output) does, and only under `'early'`.
 */
export type EndStrategy = 'early' | 'graceful' | 'exhaustive';

/** @internal */
export interface RunState<Deps> {
  readonly messages: ModelMessage[];
  /** Index in `messages` where this run's messages start. */
  newMessageIndex: number;
  readonly usage: RunUsage;
  readonly usageLimits: UsageLimits | undefined;
  readonly deps: Deps;
  prompt: string | readonly UserContent[] | undefined;
  readonly model: Model;
  readonly modelSettings: ModelSettings | undefined;
  readonly signal: AbortSignal | undefined;
  readonly instructions: readonly (string | PromptFunction<Deps>)[];
  readonly systemPrompts: readonly (string | PromptFunction<Deps>)[];
  /** The run's tools: agent, run and capability toolsets combined. */
  readonly toolset: AbstractToolset<Deps>;
  /** Tools offered at the current step (set by `prepareStepTools`). */
  tools: ReadonlyMap<string, ToolsetTool<Deps>>;
  functionToolDefs: readonly ToolDefinition[];
  /** Run step the tools were prepared for; -1 before the first. */
  toolsStep: number;
  /** Shared across runs when the toolset is static: tools and parameters listed once. */
  readonly toolCache: { tools?: ReadonlyMap<string, ToolsetTool<Deps>>; params?: ModelRequestParameters } | undefined;
  /** Deferred calls met while handling the current response. */
  deferred: DeferredCollector | undefined;
  /** Results for deferred calls applied while handling the current response. */
  resume: ResumeResults | undefined;
  /** Id of this run. */
  readonly runId: string;
  /** Id of the conversation. */
  readonly conversationId: string;
  /** The run's metadata (resolved when the run starts and again when it ends). */
  metadata: Record<string, unknown> | undefined;
  /** Where the metadata comes from: the agent's (or override's), then the run's. */
  readonly metadataSources: readonly (Record<string, unknown> | ((ctx: RunContext<Deps>) => Record<string, unknown>))[];
  /** Results for deferred calls given to this run; consumed by the first node. */
  deferredToolResults: DeferredToolResults | undefined;
  /** Receives each step's events during `run`. */
  readonly eventStreamHandler: ((ctx: RunContext<Deps>, events: AsyncIterable<AgentStreamEvent | HandleResponseEvent>) => Promise<void> | void) | undefined;
  /** The capabilities of the run combined; `undefined` when there are none (fast path). */
  readonly capability: RunCapability<Deps> | undefined;
  readonly output: OutputSchema;
  readonly outputValidators: readonly OutputValidator<Deps, unknown>[];
  readonly endStrategy: EndStrategy;
  readonly retries: number;
  readonly outputRetries: number;
  requestParams: ModelRequestParameters;
  /**
   * Retries used per tool name, as of the start of the current step (pydantic-ai's
   * `ctx.retries`): a tool that failed in a step gets +1 at the next step, one that succeeded
   * (and did not also fail) is reset. `undefined` until a tool first fails (most runs never retry).
   */
  toolRetries: Map<string, number> | undefined;
  /** Tools that failed (asked for a retry) in the current step; `undefined` until one does. */
  failedTools: Set<string> | undefined;
  /**
   * Tools that succeeded in the current step, recorded only while some tool has retries counted
   * (resetting a count is all a success does); `undefined` until then.
   */
  succeededTools: Set<string> | undefined;
  outputRetriesUsed: number;
  runStep: number;
  /** `maxTokens` of the last request's settings, for error messages. */
  lastMaxTokens: number | undefined;
  readonly instrumentation: RunInstrumentation | undefined;
  /** Current time as ISO-8601 (from the `now` option, else the clock). */
  readonly now: () => string;
  /** A fresh tool-call id (from the `generateId` option, else `generateToolCallId`). */
  readonly newId: () => string;
}

/** Builds a `RunContext` for the current step. */
export function buildRunContext<Deps>(
  state: RunState<Deps>,
  extra: { retry?: number; maxRetries?: number; toolName?: string; toolCallId?: string; toolCallApproved?: boolean; toolCallMetadata?: Record<string, unknown> } = {},
): RunContext<Deps> {
  return {
    deps: state.deps,
    usage: state.usage,
    messages: state.messages,
    prompt: state.prompt,
    model: state.model,
    modelSettings: state.modelSettings,
    retry: extra.retry ?? 0,
    maxRetries: extra.maxRetries ?? state.retries,
    lastAttempt: (extra.retry ?? 0) === (extra.maxRetries ?? state.retries),
    toolName: extra.toolName,
    toolCallId: extra.toolCallId,
    runStep: state.runStep,
    signal: state.signal,
    toolCallApproved: extra.toolCallApproved ?? false,
    toolCallMetadata: extra.toolCallMetadata,
    runId: state.runId,
    conversationId: state.conversationId,
    metadata: state.metadata,
  };
}

/**
 * Counts one output retry (plain-text or output-validator retries).
 * @throws UnexpectedModelBehavior past `outputRetries`.
 */
export function consumeOutputRetry(state: RunState<any>, cause?: unknown): void {
  state.outputRetriesUsed += 1;
  if (state.outputRetriesUsed > state.outputRetries) {
    checkIncompleteToolCall(state);
    throw new UnexpectedModelBehavior(`Exceeded maximum output retries (${state.outputRetries})`, cause === undefined ? undefined : { cause });
  }
}

/**
 * Records one failure of tool `name` in the current step (counted at the next step, as
 * pydantic-ai's `ToolManager.for_run_step`).
 * @throws UnexpectedModelBehavior when the tool had already used `maxRetries` retries at the
 *   start of this step (pydantic-ai's message); `message` replaces the text (output tools).
 */
export function consumeToolRetry(state: RunState<any>, name: string, maxRetries: number, cause?: unknown, message?: string): void {
  if (toolRetriesOf(state, name) >= maxRetries) {
    throw new UnexpectedModelBehavior(
      message ?? `Tool '${name}' exceeded max retries count of ${maxRetries}. Consider raising the tool's or the agent's 'retries'.`,
      cause === undefined ? undefined : { cause },
    );
  }
  (state.failedTools ??= new Set()).add(name);
}

/** Retries tool `name` has used as of the start of the current step. */
export function toolRetriesOf(state: RunState<any>, name: string): number {
  return state.toolRetries?.get(name) ?? 0;
}

/** Records a successful call of tool `name` in the current step (it resets the tool's retry count at the next step). */
export function recordToolSuccess(state: RunState<any>, name: string): void {
  // a success only resets a count: with no counts there is nothing to record
  if (state.toolRetries !== undefined && state.toolRetries.size > 0) (state.succeededTools ??= new Set()).add(name);
}

/** Starts a new step for tool retries: failed tools +1, succeeded ones reset. */
export function rollToolRetries(state: RunState<any>): void {
  const failed = state.failedTools;
  const succeeded = state.succeededTools;
  if (failed !== undefined && failed.size > 0) {
    const retries = (state.toolRetries ??= new Map());
    const next: [string, number][] = [];
    for (const name of failed) next.push([name, (retries.get(name) ?? 0) + 1]);
    if (succeeded !== undefined) for (const name of succeeded) retries.delete(name);
    for (const [name, n] of next) retries.set(name, n);
    failed.clear();
  } else if (succeeded !== undefined && succeeded.size > 0 && state.toolRetries !== undefined && state.toolRetries.size > 0) {
    for (const name of succeeded) state.toolRetries.delete(name);
  }
  succeeded?.clear();
}

/**
 * @throws IncompleteToolCall when the last response stopped on the token limit in the middle of
 *   a tool call whose arguments are not valid JSON (pydantic-ai's `check_incomplete_tool_call`).
 */
export function checkIncompleteToolCall(state: RunState<any>): void {
  const last = state.messages[state.messages.length - 1];
  if (last?.kind !== 'response' || last.finishReason !== 'length') return;
  const part = last.parts[last.parts.length - 1];
  if (part?.partKind !== 'tool-call') return;
  const parsed = parseJsonArgs(part.args);
  if (parsed.ok && typeof parsed.value === 'object' && parsed.value !== null && !Array.isArray(parsed.value)) return;
  throw new IncompleteToolCall(
    `Model token limit (${state.lastMaxTokens ?? 'provider default'}) exceeded while generating a tool call, resulting in incomplete arguments. ` +
      'Increase the `maxTokens` model setting, or simplify the prompt to result in a shorter response that will fit within the limit.',
  );
}

/** Throws the signal's reason when the run was aborted. */
export function throwIfAborted(state: RunState<any>): void {
  if (state.signal?.aborted) throw state.signal.reason ?? Object.assign(new Error('The run was aborted'), { name: 'AbortError' });
}
