/**
 * The state one agent run carries from node to node (pydantic-ai's `GraphAgentState` plus
 * `GraphAgentDeps`). Internal: built by `Agent.iter`.
 */
import { UnexpectedModelBehavior } from './errors.js';
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

/** Tool-execution strategy after a final result, as pydantic-ai's `EndStrategy`. */
export type EndStrategy = 'early' | 'exhaustive';

/** @internal */
export interface RunState<Deps> {
  readonly messages: ModelMessage[];
  /** Index in `messages` where this run's messages start. */
  newMessageIndex: number;
  readonly usage: RunUsage;
  readonly usageLimits: UsageLimits | undefined;
  readonly deps: Deps;
  readonly prompt: string | readonly UserContent[] | undefined;
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
  /** Consecutive failures per tool name. */
  readonly toolRetries: Map<string, number>;
  outputRetriesUsed: number;
  runStep: number;
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
    throw new UnexpectedModelBehavior(`Exceeded maximum output retries (${state.outputRetries})`, cause === undefined ? undefined : { cause });
  }
}

/**
 * Counts one retry for tool `name`.
 * @throws UnexpectedModelBehavior when the tool already used `maxRetries` retries (pydantic-ai's message).
 */
export function consumeToolRetry(state: RunState<any>, name: string, maxRetries: number, cause?: unknown): void {
  const used = state.toolRetries.get(name) ?? 0;
  if (used >= maxRetries) {
    throw new UnexpectedModelBehavior(
      `Tool '${name}' exceeded max retries count of ${maxRetries}. Consider raising the tool's or the agent's 'retries'.`,
      cause === undefined ? undefined : { cause },
    );
  }
  state.toolRetries.set(name, used + 1);
}

/** Throws the signal's reason when the run was aborted. */
export function throwIfAborted(state: RunState<any>): void {
  if (state.signal?.aborted) throw state.signal.reason ?? Object.assign(new Error('The run was aborted'), { name: 'AbortError' });
}
