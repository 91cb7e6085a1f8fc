/**
 * Options of `Agent`, its runs and `override` (pydantic-ai's `Agent.__init__`, `run` and
 * `override` parameters, in camelCase).
 */
import type { AbstractCapability } from './capabilities/abstract.js';
import type { DeferredToolResults } from './deferred.js';
import type { SpecCapabilityType } from './agent-spec.js';
import type { KnownModelName } from './infer-model.js';
import type { InstrumentationSettings } from './instrumentation.js';
import type { ModelMessage } from './messages.js';
import type { Model } from './model.js';
import type { NativeTool } from './native-tools.js';
import type { OutputSpec } from './output.js';
import type { RunContext } from './run-context.js';
import type { EndStrategy, PromptFunction } from './run-state.js';
import type { ModelSettings } from './settings.js';
import type { AgentStreamEvent, HandleResponseEvent } from './stream-events.js';
import type { Tool, ToolOptions } from './tools.js';
import type { AbstractToolset } from './toolsets/abstract.js';
import type { RunUsage, UsageLimits, UsageLimitsOptions } from './usage.js';

/**
 * Retry budgets by category (pydantic-ai's `AgentRetries`): `tools` for function tools (and the
 * default of output tools), `output` for output validation. A number sets both.
 */
export interface AgentRetries {
  tools?: number;
  output?: number;
}

/** Instructions: a string, a function of the run context, or a list of them. */
export type Instructions<Deps> = string | PromptFunction<Deps> | readonly (string | PromptFunction<Deps>)[];

/** Run metadata: an object, or a function of the run context returning one. */
export type RunMetadata<Deps> = Record<string, unknown> | ((ctx: RunContext<Deps>) => Record<string, unknown>);

export type { HistoryProcessor } from './capabilities/core.js';
import type { HistoryProcessor } from './capabilities/core.js';

/**
 * Receives the events of each model request and tool-call step of `run` (pydantic-ai's
 * `EventStreamHandler`). The run waits for it; events it leaves unread are drained.
 */
export type EventStreamHandler<Deps> = (ctx: RunContext<Deps>, events: AsyncIterable<AgentStreamEvent | HandleResponseEvent>) => Promise<void> | void;

/** Constructor options of `Agent`. */
export interface AgentOptions<Deps, Output> {
  /** Default model; may be left out and given per run or by `override`. */
  model?: Model | KnownModelName;
  /** Name used in spans. Default `'agent'`. */
  name?: string;
  /** Instructions sent with every request and not stored as message parts. */
  instructions?: Instructions<Deps>;
  /** System prompts, stored in the history at the start of a new conversation. */
  systemPrompt?: string | readonly string[];
  /**
   * Output type: a zod schema (output tool `final_result`), an output function (`tool(...)`), a
   * list of them and/or `DeferredToolRequests`, or an output mode (`ToolOutput`, `NativeOutput`,
   * `PromptedOutput`, `TextOutput`). Default: text. A list's output type is the union of its
   * elements' (`[City, DeferredToolRequests]` → `City | DeferredToolRequests`); when naming
   * `Deps` explicitly, name the output too: `new Agent<Deps, City | DeferredToolRequests>(...)`.
   */
  outputType?: OutputSpec<Output>;
  /** Function tools (kept in the agent's own `FunctionToolset`). */
  tools?: readonly (Tool<Deps, any> | ToolOptions<Deps, any, any>)[];
  /** Toolsets offered at every run, after the function tools. */
  toolsets?: readonly AbstractToolset<Deps>[];
  /** Capabilities: tools, instructions, settings and lifecycle hooks. */
  capabilities?: readonly AbstractCapability<Deps>[];
  /** History processors, run before each model request in order (the `ProcessHistory` capability). */
  historyProcessors?: readonly HistoryProcessor<Deps>[];
  /** Retries: a number for tools and output alike, or `{ tools, output }`. Default 1. */
  retries?: number | AgentRetries;
  /** Retries for output validation. Default: `retries`. */
  outputRetries?: number;
  /** Settings for every request of this agent. */
  modelSettings?: ModelSettings;
  /**
   * How the tool calls of a response that produces the final result are handled:
   * `'early'`, `'graceful'` (default) or `'exhaustive'`, as pydantic-ai v2 (see `EndStrategy`).
   */
  endStrategy?: EndStrategy;
  /** OpenTelemetry instrumentation. Default: `Agent.instrumentAll()`'s setting, else off. */
  instrument?: boolean | InstrumentationSettings;
  /** Tools the provider runs itself, e.g. `[WebSearchTool()]`. */
  nativeTools?: readonly NativeTool[];
  /** Metadata of every run (merged under the run's), on the result and the run span. */
  metadata?: RunMetadata<Deps>;
  /** Receives each step's events during `run` (also settable per run). */
  eventStreamHandler?: EventStreamHandler<Deps>;
  /** Clock for the timestamps the agent writes on request parts. Default: the system clock. */
  now?: () => Date;
  /** Id generator for ids the agent makes (run and conversation ids, then retry prompts without a tool call). Default: UUIDv7 for run/conversation ids, `generateToolCallId` for the rest. */
  generateId?: () => string;
}

/** Options of `run`, `iter`, `runStream` and `runStreamEvents`. */
export interface RunOptions<Deps, Output = unknown> {
  deps?: Deps;
  /**
   * History to continue; system prompts are not repeated. Validated at run start with
   * `ModelMessagesSchema`. A history whose last response has unanswered tool calls must be
   * continued without a new prompt (the calls are answered first).
   */
  messageHistory?: readonly ModelMessage[];
  /** Results for the deferred calls the history's last response left pending. */
  deferredToolResults?: DeferredToolResults;
  /** Model for this run (overrides the agent's). */
  model?: Model | KnownModelName;
  /** Settings merged over the agent's (ignored while `override({ modelSettings })` is active). */
  modelSettings?: ModelSettings;
  /** Limits checked before each request and after each response. Default: `new UsageLimits()` (requestLimit 50). */
  usageLimits?: UsageLimits | UsageLimitsOptions;
  /** Usage to continue counting from (e.g. a parent agent's). */
  usage?: RunUsage;
  /** Output type for this run (overrides the agent's). */
  outputType?: OutputSpec<Output>;
  /** Instructions added after the agent's for this run. */
  instructions?: Instructions<Deps>;
  /** Toolsets added for this run. */
  toolsets?: readonly AbstractToolset<Deps>[];
  /** Capabilities added for this run. */
  capabilities?: readonly AbstractCapability<Deps>[];
  /** Metadata merged over the agent's. */
  metadata?: RunMetadata<Deps>;
  /** Retries for this run (overrides the agent's). */
  retries?: number | AgentRetries;
  /** Receives each step's events (overrides the agent's). */
  eventStreamHandler?: EventStreamHandler<Deps>;
  /**
   * A spec applied to this run only (pydantic-ai's run-time `spec`): its model when the run
   * names none, its instructions and capabilities added, its settings, retries and metadata
   * merged. @throws UserError for an invalid spec.
   */
  spec?: Record<string, unknown>;
  /** Custom capability classes `spec` may name. */
  capabilityTypes?: readonly SpecCapabilityType[];
  /** Conversation id: `'new'` starts one; default the history's latest, else a fresh UUIDv7. */
  conversationId?: string;
  /** Run id: default a fresh UUIDv7. @throws UserError when empty or already on the history. */
  runId?: string;
  /** Aborting stops the run before its next step; it rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Clock for this run (overrides the agent's `now`). */
  now?: () => Date;
  /** Id generator for this run (overrides the agent's `generateId`). */
  generateId?: () => string;
}

/** What `agent.override` can replace. */
export interface AgentOverrides<Deps> {
  model?: Model | KnownModelName;
  deps?: Deps;
  /** Replaces the agent's function tools. */
  tools?: readonly (Tool<Deps, any> | ToolOptions<Deps, any, any>)[];
  /** Replaces the agent's toolsets (run toolsets still apply). */
  toolsets?: readonly AbstractToolset<Deps>[];
  /** Replaces the agent's capabilities (run capabilities still apply). */
  capabilities?: readonly AbstractCapability<Deps>[];
  /** Replaces the agent's metadata. */
  metadata?: RunMetadata<Deps>;
  instructions?: Instructions<Deps>;
  modelSettings?: ModelSettings;
  name?: string;
  retries?: number | AgentRetries;
}
