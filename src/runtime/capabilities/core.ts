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
import { UserError } from '../errors.js';
import { AbstractCapability, registerPrefixTools } from './abstract.js';
import { processOrObserve } from './event-stream-observer.js';
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
  readonly processor: HistoryProcessor<Deps>;
  /** `processor`, or `{ processor }` (pydantic-ai's keyword form). */
  constructor(processor: HistoryProcessor<Deps> | { processor: HistoryProcessor<Deps> }) {
    super();
    this.processor = typeof processor === 'function' ? processor : processor.processor;
  }
  override async beforeModelRequest(ctx: RunContext<Deps>, rc: ModelRequestContext): Promise<ModelRequestContext> {
    const p = this.processor;
    rc.messages = p.length >= 2 ? await (p as (c: RunContext<Deps>, m: ModelMessage[]) => ModelMessage[] | Promise<ModelMessage[]>)(ctx, rc.messages) : await (p as (m: ModelMessage[]) => ModelMessage[] | Promise<ModelMessage[]>)(rc.messages);
    return rc;
  }
}

/** Filters or changes the function tool definitions of each step with `prepare`. */
export class PrepareTools<Deps = any> extends AbstractCapability<Deps> {
  readonly prepare: ToolsPrepareFunc<Deps>;
  /** `prepare`, or `{ prepareFunc }` (pydantic-ai's `prepare_func`). */
  constructor(prepare: ToolsPrepareFunc<Deps> | { prepareFunc: ToolsPrepareFunc<Deps> }) {
    super();
    this.prepare = typeof prepare === 'function' ? prepare : prepare.prepareFunc;
  }
  override async prepareTools(ctx: RunContext<Deps>, toolDefs: ToolDefinition[]): Promise<ToolDefinition[]> {
    return (await this.prepare(ctx, toolDefs)) ?? [];
  }
}

/** Contributes a toolset (pydantic-ai's `Toolset` capability). */
export class ToolsetCapability<Deps = any> extends AbstractCapability<Deps> {
  readonly toolset: AbstractToolset<Deps>;
  /** `toolset`, or `{ toolset }` (pydantic-ai's keyword form). */
  constructor(toolset: AbstractToolset<Deps> | { toolset: AbstractToolset<Deps> }) {
    super();
    this.toolset = 'getTools' in toolset ? toolset : toolset.toolset;
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
  readonly wrapped: AbstractCapability<Deps>;
  readonly prefix: string;
  /** `(wrapped, prefix)`, or `{ wrapped, prefix }` (pydantic-ai's keyword form). */
  constructor(wrappedOrOptions: AbstractCapability<Deps> | { wrapped: AbstractCapability<Deps>; prefix: string }, prefix?: string) {
    super();
    const options = wrappedOrOptions instanceof AbstractCapability ? { wrapped: wrappedOrOptions, prefix: prefix! } : wrappedOrOptions;
    if (typeof options.prefix !== 'string') throw new UserError('PrefixTools needs a prefix: new PrefixTools(capability, prefix) or new PrefixTools({ wrapped, prefix })');
    this.wrapped = options.wrapped;
    this.prefix = options.prefix;
    const wrapped = this.wrapped;
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

registerPrefixTools((wrapped, prefix) => new PrefixTools(wrapped, prefix));

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
 * A `ProcessEventStream` handler: a processor (returns an async iterable, e.g. an `async function*`,
 * whose events replace the stream downstream) or an observer (an `async` function reading the
 * events and returning nothing; the stream passes through unchanged).
 */
export type EventStreamProcessHandler<Deps> = (
  ctx: RunContext<Deps>,
  events: AsyncIterable<NodeStreamEvent>,
) => AsyncIterable<NodeStreamEvent> | Promise<void> | void;

/**
 * Passes the events each step streams through `handler` (pydantic-ai's `ProcessEventStream`), in
 * either of its forms: a processor yields the events the consumer gets (it may change, drop or
 * add events); an observer watches every event while the stream passes through unchanged — each
 * event waits until the observer reads the next one, an observer that stops early stops
 * receiving events, and one that throws fails the run.
 */
export class ProcessEventStream<Deps = any> extends AbstractCapability<Deps> {
  readonly handler: EventStreamProcessHandler<Deps>;
  /** `handler`, or `{ handler }` (pydantic-ai's keyword form). */
  constructor(handler: EventStreamProcessHandler<Deps> | { handler: EventStreamProcessHandler<Deps> }) {
    super();
    this.handler = typeof handler === 'function' ? handler : handler.handler;
  }
  override wrapRunEventStream(ctx: RunContext<Deps>, args: { stream: AsyncIterable<NodeStreamEvent> }): AsyncIterable<NodeStreamEvent> {
    return processOrObserve(args.stream, (events) => this.handler(ctx, events));
  }
}

/**
 * Resolves deferred calls inline with `handler` (pydantic-ai's `HandleDeferredToolCalls`): the
 * calls it answers run (or are denied) in the same run; the rest end the run as
 * `DeferredToolRequests`.
 */
export type DeferredToolCallsHandler<Deps> = (
  ctx: RunContext<Deps>,
  requests: DeferredToolRequests,
) => DeferredToolResults | undefined | null | Promise<DeferredToolResults | undefined | null>;

export class HandleDeferredToolCalls<Deps = any> extends AbstractCapability<Deps> {
  readonly handler: DeferredToolCallsHandler<Deps>;
  /** `handler`, or `{ handler }` (pydantic-ai's keyword form). */
  constructor(handler: DeferredToolCallsHandler<Deps> | { handler: DeferredToolCallsHandler<Deps> }) {
    super();
    this.handler = typeof handler === 'function' ? handler : handler.handler;
  }
  override async handleDeferredToolCalls(ctx: RunContext<Deps>, args: { requests: DeferredToolRequests }): Promise<DeferredToolResults | undefined> {
    return (await this.handler(ctx, args.requests)) ?? undefined;
  }
}
