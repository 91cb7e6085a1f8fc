/**
 * Capabilities (pydantic-ai's `capabilities/abstract.py`): the one extension point of an agent.
 * A capability contributes tools, instructions and model settings, and hooks into the run's
 * lifecycle: run, node, model request, tool execution and deferred-call handling, each as a
 * `before*` / `after*` / `wrap*` / `on*Error` family. Override only what you need; the defaults
 * pass everything through.
 */
import type { DeferredToolRequests, DeferredToolResults } from '../deferred.js';
import type { ModelMessage, ModelResponse, ToolCallPart } from '../messages.js';
import type { Model, ModelRequestParameters, ToolDefinition } from '../model.js';
import type { RunContext } from '../run-context.js';
import type { ModelSettings } from '../settings.js';
import type { AgentStreamEvent, HandleResponseEvent } from '../stream-events.js';
import type { AbstractToolset } from '../toolsets/abstract.js';

/** What a model request is made of; `beforeModelRequest` / `wrapModelRequest` may change it. */
export interface ModelRequestContext {
  model: Model;
  /** The messages sent (the run's history; replace the array to send others). */
  messages: ModelMessage[];
  modelSettings: ModelSettings | undefined;
  modelRequestParameters: ModelRequestParameters;
}

/** Instructions a capability adds: strings or functions of the run context. */
export type CapabilityInstructions<Deps> = string | ((ctx: RunContext<Deps>) => string | undefined | Promise<string | undefined>);

/** Events a node streams. */
export type NodeStreamEvent = AgentStreamEvent | HandleResponseEvent;

/** Any node of the agent graph (kept structural here to avoid an import cycle with `nodes.ts`). */
export interface AnyNode {
  readonly nodeKind: 'user-prompt' | 'model-request' | 'call-tools' | 'end';
}

/**
 * Base class of capabilities. Every hook is optional: the base implementations pass through, and
 * the agent calls only hooks a capability overrides (so unused hooks cost nothing).
 */
let prefixToolsFactory: ((wrapped: AbstractCapability<any>, prefix: string) => AbstractCapability<any>) | undefined;
/** @internal Set by core.ts (which extends this class, so it cannot be imported here). */
export function registerPrefixTools(f: (wrapped: AbstractCapability<any>, prefix: string) => AbstractCapability<any>): void {
  prefixToolsFactory = f;
}

export abstract class AbstractCapability<Deps = any> {
  /**
   * A capability wrapping this one with its tools' names prefixed `${prefix}_`; other tools of
   * the agent are unaffected (pydantic-ai's `prefix_tools`, a `PrefixTools`).
   */
  prefixTools(prefix: string): AbstractCapability<Deps> {
    return prefixToolsFactory!(this, prefix);
  }
  /** Tools this capability contributes. Default none. */
  getToolset(): AbstractToolset<Deps> | undefined {
    return undefined;
  }
  /** Wraps the run's whole toolset (e.g. to prefix or log); `undefined` leaves it. Default none. */
  getWrapperToolset(_toolset: AbstractToolset<Deps>): AbstractToolset<Deps> | undefined {
    return undefined;
  }
  /** Instructions added after the agent's. Default none. */
  getInstructions(): CapabilityInstructions<Deps> | readonly CapabilityInstructions<Deps>[] | undefined {
    return undefined;
  }
  /** Model settings merged over the agent's (below the run's). Default none. */
  getModelSettings(): ModelSettings | undefined {
    return undefined;
  }

  /** Filters or changes the function tool definitions of each step. */
  async prepareTools(_ctx: RunContext<Deps>, toolDefs: ToolDefinition[]): Promise<ToolDefinition[]> {
    return toolDefs;
  }

  // run
  /** Before the run's first node. */
  async beforeRun(_ctx: RunContext<Deps>): Promise<void> {}
  /** After the run produced its result; may return another. */
  async afterRun(_ctx: RunContext<Deps>, args: { result: unknown }): Promise<unknown> {
    return args.result;
  }
  /** Around the whole run of `agent.run` (`handler()` runs it). */
  async wrapRun(_ctx: RunContext<Deps>, args: { handler: () => Promise<unknown> }): Promise<unknown> {
    return args.handler();
  }
  /** When the run fails: throw to propagate (default), or return a result to recover. */
  async onRunError(_ctx: RunContext<Deps>, args: { error: unknown }): Promise<unknown> {
    throw args.error;
  }

  // node
  /** Before each node runs; may return another node to run. */
  async beforeNodeRun(_ctx: RunContext<Deps>, args: { node: AnyNode }): Promise<AnyNode> {
    return args.node;
  }
  /** After each node ran; may return another next node. */
  async afterNodeRun(_ctx: RunContext<Deps>, args: { node: AnyNode; result: AnyNode }): Promise<AnyNode> {
    return args.result;
  }
  /** Around each node (`handler(node)` runs it and returns the next node). */
  async wrapNodeRun(_ctx: RunContext<Deps>, args: { node: AnyNode; handler: (node: AnyNode) => Promise<AnyNode> }): Promise<AnyNode> {
    return args.handler(args.node);
  }
  /** When a node fails: throw to propagate (default), or return a next node to recover. */
  async onNodeRunError(_ctx: RunContext<Deps>, args: { node: AnyNode; error: unknown }): Promise<AnyNode> {
    throw args.error;
  }

  /** Wraps the events a node streams to the consumer (`eventStreamHandler`, `runStreamEvents`). */
  wrapRunEventStream(_ctx: RunContext<Deps>, args: { stream: AsyncIterable<NodeStreamEvent> }): AsyncIterable<NodeStreamEvent> {
    return args.stream;
  }

  // model request
  /** Before each model request; may change messages, settings and parameters. */
  async beforeModelRequest(_ctx: RunContext<Deps>, requestContext: ModelRequestContext): Promise<ModelRequestContext> {
    return requestContext;
  }
  /** After each model response; may return another response. */
  async afterModelRequest(_ctx: RunContext<Deps>, args: { requestContext: ModelRequestContext; response: ModelResponse }): Promise<ModelResponse> {
    return args.response;
  }
  /** Around each (non-streamed) model request (`handler(requestContext)` calls the model). */
  async wrapModelRequest(
    _ctx: RunContext<Deps>,
    args: { requestContext: ModelRequestContext; handler: (rc: ModelRequestContext) => Promise<ModelResponse> },
  ): Promise<ModelResponse> {
    return args.handler(args.requestContext);
  }
  /** When a model request fails: throw to propagate (default), or return a response to recover. */
  async onModelRequestError(_ctx: RunContext<Deps>, args: { requestContext: ModelRequestContext; error: unknown }): Promise<ModelResponse> {
    throw args.error;
  }

  // tool execution
  /** Before a function tool runs, with validated args; may change them, or throw `ApprovalRequired`/`CallDeferred`/`ModelRetry`. */
  async beforeToolExecute(_ctx: RunContext<Deps>, args: { call: ToolCallPart; toolDef: ToolDefinition; args: Record<string, unknown> }): Promise<Record<string, unknown>> {
    return args.args;
  }
  /** After a function tool returned; may return another result, or throw `ModelRetry`. */
  async afterToolExecute(
    _ctx: RunContext<Deps>,
    args: { call: ToolCallPart; toolDef: ToolDefinition; args: Record<string, unknown>; result: unknown },
  ): Promise<unknown> {
    return args.result;
  }
  /** Around a function tool's execution (`handler(args)` runs it). */
  async wrapToolExecute(
    _ctx: RunContext<Deps>,
    args: { call: ToolCallPart; toolDef: ToolDefinition; args: Record<string, unknown>; handler: (args: Record<string, unknown>) => Promise<unknown> },
  ): Promise<unknown> {
    return args.handler(args.args);
  }
  /** When a tool throws (not `ModelRetry`/deferral): throw to propagate (default), or return a result. */
  async onToolExecuteError(
    _ctx: RunContext<Deps>,
    args: { call: ToolCallPart; toolDef: ToolDefinition; args: Record<string, unknown>; error: unknown },
  ): Promise<unknown> {
    throw args.error;
  }

  /**
   * Resolves deferred calls inline: return results for some or all of `requests` (the rest go to
   * the next capability, then end the run as `DeferredToolRequests`), or `undefined` for none.
   */
  async handleDeferredToolCalls(_ctx: RunContext<Deps>, _args: { requests: DeferredToolRequests }): Promise<DeferredToolResults | undefined> {
    return undefined;
  }
}

/** Hook method names (used to call only overridden hooks). */
export const HOOK_NAMES = [
  'prepareTools',
  'beforeRun',
  'afterRun',
  'wrapRun',
  'onRunError',
  'beforeNodeRun',
  'afterNodeRun',
  'wrapNodeRun',
  'onNodeRunError',
  'wrapRunEventStream',
  'beforeModelRequest',
  'afterModelRequest',
  'wrapModelRequest',
  'onModelRequestError',
  'beforeToolExecute',
  'afterToolExecute',
  'wrapToolExecute',
  'onToolExecuteError',
  'handleDeferredToolCalls',
] as const;
export type HookName = (typeof HOOK_NAMES)[number];
