/**
 * Core capabilities (pydantic-ai's `capabilities/process_history.py`, `prepare_tools.py`,
 * `prefix_tools.py`, `process_event_stream.py`, `set_tool_metadata.py`,
 * `deferred_tool_handler.py`, `toolset.py`).
 */
import type { DeferredToolRequests, DeferredToolResults } from '../deferred.js';
import type { ModelMessage } from '../messages.js';
import type { ToolDefinition } from '../model.js';
import type { RunContext } from '../run-context.js';
import type { AbstractToolset, ToolsPrepareFunc } from '../toolsets/abstract.js';
import { PrefixedToolset } from '../toolsets/wrappers.js';
import { AbstractCapability } from './abstract.js';
import type { ModelRequestContext, NodeStreamEvent } from './abstract.js';

/**
 * A history processor: returns the messages to send, given the history (pydantic-ai's
 * `HistoryProcessor`). With two parameters it gets the run context first: `(ctx, messages)`.
 * What it returns replaces the run's stored history too.
 */
export type HistoryProcessor<Deps> =
  | ((messages: ModelMessage[]) => ModelMessage[] | Promise<ModelMessage[]>)
  | ((ctx: RunContext<Deps>, messages: ModelMessage[]) => ModelMessage[] | Promise<ModelMessage[]>);

/** Runs a history processor before each model request (the `historyProcessors` agent option). */
export class ProcessHistory<Deps = any> extends AbstractCapability<Deps> {
  constructor(readonly processor: HistoryProcessor<Deps>) {
    super();
  }
  override async beforeModelRequest(ctx: RunContext<Deps>, rc: ModelRequestContext): Promise<ModelRequestContext> {
    const p = this.processor;
    rc.messages = p.length >= 2 ? await (p as (c: RunContext<Deps>, m: ModelMessage[]) => ModelMessage[] | Promise<ModelMessage[]>)(ctx, rc.messages) : await (p as (m: ModelMessage[]) => ModelMessage[] | Promise<ModelMessage[]>)(rc.messages);
    return rc;
  }
}

/** Filters or changes the function tool definitions of each step with `prepare`. */
export class PrepareTools<Deps = any> extends AbstractCapability<Deps> {
  constructor(readonly prepare: ToolsPrepareFunc<Deps>) {
    super();
  }
  override async prepareTools(ctx: RunContext<Deps>, toolDefs: ToolDefinition[]): Promise<ToolDefinition[]> {
    return (await this.prepare(ctx, toolDefs)) ?? [];
  }
}

/** Contributes a toolset (pydantic-ai's `Toolset` capability). */
export class ToolsetCapability<Deps = any> extends AbstractCapability<Deps> {
  constructor(readonly toolset: AbstractToolset<Deps>) {
    super();
  }
  override getToolset(): AbstractToolset<Deps> {
    return this.toolset;
  }
}

/**
 * Wraps another capability and prefixes the names of its tools with `${prefix}_`; its other
 * contributions and hooks pass through (pydantic-ai's `PrefixTools`).
 */
export class PrefixTools<Deps = any> extends AbstractCapability<Deps> {
  constructor(
    readonly wrapped: AbstractCapability<Deps>,
    readonly prefix: string,
  ) {
    super();
    // Hooks of the wrapped capability stay its own: expose only the ones it overrides.
    const base = AbstractCapability.prototype as unknown as Record<string, unknown>;
    const w = wrapped as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(wrapped)).concat(Object.keys(wrapped))) {
      if (name === 'constructor' || name === 'getToolset' || typeof w[name] !== 'function' || w[name] === base[name]) continue;
      (this as unknown as Record<string, unknown>)[name] = w[name]!.bind(wrapped);
    }
  }
  override getToolset(): AbstractToolset<Deps> | undefined {
    const t = this.wrapped.getToolset();
    return t === undefined ? undefined : new PrefixedToolset(t, this.prefix);
  }
}

/** Merges `metadata` into the definitions of the tools `select` picks (default: all). */
export class SetToolMetadata<Deps = any> extends AbstractCapability<Deps> {
  constructor(
    readonly metadata: Record<string, unknown>,
    readonly select: (toolDef: ToolDefinition) => boolean = () => true,
  ) {
    super();
  }
  override async prepareTools(_ctx: RunContext<Deps>, toolDefs: ToolDefinition[]): Promise<ToolDefinition[]> {
    return toolDefs.map((d) => (this.select(d) ? { ...d, metadata: { ...d.metadata, ...this.metadata } } : d));
  }
}

/**
 * Passes the events each step streams through `handler` (pydantic-ai's `ProcessEventStream`): it
 * receives the events and may yield others (or the same) for the consumer.
 */
export class ProcessEventStream<Deps = any> extends AbstractCapability<Deps> {
  constructor(readonly handler: (ctx: RunContext<Deps>, events: AsyncIterable<NodeStreamEvent>) => AsyncIterable<NodeStreamEvent>) {
    super();
  }
  override wrapRunEventStream(ctx: RunContext<Deps>, args: { stream: AsyncIterable<NodeStreamEvent> }): AsyncIterable<NodeStreamEvent> {
    return this.handler(ctx, args.stream);
  }
}

/**
 * Resolves deferred calls inline with `handler` (pydantic-ai's `HandleDeferredToolCalls`): the
 * calls it answers run (or are denied) in the same run; the rest end the run as
 * `DeferredToolRequests`.
 */
export class HandleDeferredToolCalls<Deps = any> extends AbstractCapability<Deps> {
  constructor(
    readonly handler: (ctx: RunContext<Deps>, requests: DeferredToolRequests) => DeferredToolResults | undefined | Promise<DeferredToolResults | undefined>,
  ) {
    super();
  }
  override async handleDeferredToolCalls(ctx: RunContext<Deps>, args: { requests: DeferredToolRequests }): Promise<DeferredToolResults | undefined> {
    return this.handler(ctx, args.requests);
  }
}
