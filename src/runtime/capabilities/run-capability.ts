/**
 * The capabilities of one run combined (pydantic-ai's `CombinedCapability`): `before*` hooks run
 * in order, `after*` and `on*Error` hooks in reverse order, `wrap*` hooks nest with the first
 * capability outermost. Only hooks a capability overrides are called.
 */
import type { DeferredToolRequests } from '../deferred.js';
import { DeferredToolResults } from '../deferred.js';
import type { ModelResponse, ToolCallPart } from '../messages.js';
import type { ToolDefinition } from '../model.js';
import type { RunContext } from '../run-context.js';
import { AbstractCapability, HOOK_NAMES } from './abstract.js';
import type { AnyNode, HookName, ModelRequestContext, NodeStreamEvent } from './abstract.js';

const BASE = AbstractCapability.prototype as unknown as Record<HookName, unknown>;

type ToolArgs = { call: ToolCallPart; toolDef: ToolDefinition; args: Record<string, unknown> };

/** @internal */
export class RunCapability<Deps = any> {
  private readonly by: Record<HookName, AbstractCapability<Deps>[]>;
  constructor(readonly capabilities: readonly AbstractCapability<Deps>[]) {
    this.by = {} as Record<HookName, AbstractCapability<Deps>[]>;
    for (const h of HOOK_NAMES) this.by[h] = capabilities.filter((c) => (c as unknown as Record<HookName, unknown>)[h] !== BASE[h]);
  }

  /** Whether any capability overrides `hook`. */
  has(hook: HookName): boolean {
    return this.by[hook].length > 0;
  }

  async prepareTools(ctx: RunContext<Deps>, defs: ToolDefinition[]): Promise<ToolDefinition[]> {
    for (const c of this.by.prepareTools) defs = await c.prepareTools(ctx, defs);
    return defs;
  }

  async beforeRun(ctx: RunContext<Deps>): Promise<void> {
    for (const c of this.by.beforeRun) await c.beforeRun(ctx);
  }
  async afterRun(ctx: RunContext<Deps>, result: unknown): Promise<unknown> {
    const cs = this.by.afterRun;
    for (let i = cs.length - 1; i >= 0; i--) result = await cs[i]!.afterRun(ctx, { result });
    return result;
  }
  wrapRun(ctx: RunContext<Deps>, handler: () => Promise<unknown>): Promise<unknown> {
    return nest(this.by.wrapRun, (_: undefined) => handler(), (c, _, next) => c.wrapRun(ctx, { handler: () => next(undefined) }))(undefined);
  }
  /** @throws the (possibly replaced) error when no capability recovers. */
  async onRunError(ctx: RunContext<Deps>, error: unknown): Promise<unknown> {
    return recoverChain(this.by.onRunError, error, (c, e) => c.onRunError(ctx, { error: e }));
  }

  async beforeNodeRun(ctx: RunContext<Deps>, node: AnyNode): Promise<AnyNode> {
    for (const c of this.by.beforeNodeRun) node = await c.beforeNodeRun(ctx, { node });
    return node;
  }
  async afterNodeRun(ctx: RunContext<Deps>, node: AnyNode, result: AnyNode): Promise<AnyNode> {
    const cs = this.by.afterNodeRun;
    for (let i = cs.length - 1; i >= 0; i--) result = await cs[i]!.afterNodeRun(ctx, { node, result });
    return result;
  }
  wrapNodeRun(ctx: RunContext<Deps>, node: AnyNode, handler: (node: AnyNode) => Promise<AnyNode>): Promise<AnyNode> {
    return nest(this.by.wrapNodeRun, handler, (c, n, next) => c.wrapNodeRun(ctx, { node: n, handler: next }))(node);
  }
  async onNodeRunError(ctx: RunContext<Deps>, node: AnyNode, error: unknown): Promise<AnyNode> {
    return recoverChain(this.by.onNodeRunError, error, (c, e) => c.onNodeRunError(ctx, { node, error: e }));
  }

  wrapRunEventStream(ctx: RunContext<Deps>, stream: AsyncIterable<NodeStreamEvent>): AsyncIterable<NodeStreamEvent> {
    const cs = this.by.wrapRunEventStream;
    for (let i = cs.length - 1; i >= 0; i--) stream = cs[i]!.wrapRunEventStream(ctx, { stream });
    return stream;
  }

  async beforeModelRequest(ctx: RunContext<Deps>, rc: ModelRequestContext): Promise<ModelRequestContext> {
    for (const c of this.by.beforeModelRequest) rc = await c.beforeModelRequest(ctx, rc);
    return rc;
  }
  async afterModelRequest(ctx: RunContext<Deps>, rc: ModelRequestContext, response: ModelResponse): Promise<ModelResponse> {
    const cs = this.by.afterModelRequest;
    for (let i = cs.length - 1; i >= 0; i--) response = await cs[i]!.afterModelRequest(ctx, { requestContext: rc, response });
    return response;
  }
  wrapModelRequest(ctx: RunContext<Deps>, rc: ModelRequestContext, handler: (rc: ModelRequestContext) => Promise<ModelResponse>): Promise<ModelResponse> {
    return nest(this.by.wrapModelRequest, handler, (c, r, next) => c.wrapModelRequest(ctx, { requestContext: r, handler: next }))(rc);
  }
  async onModelRequestError(ctx: RunContext<Deps>, rc: ModelRequestContext, error: unknown): Promise<ModelResponse> {
    return recoverChain(this.by.onModelRequestError, error, (c, e) => c.onModelRequestError(ctx, { requestContext: rc, error: e }));
  }

  /** Runs `execute` through the tool hooks (before → wrap → after; errors through `onToolExecuteError`). */
  async executeTool(ctx: RunContext<Deps>, t: ToolArgs, execute: (args: Record<string, unknown>) => Promise<unknown>, isControlFlow: (e: unknown) => boolean): Promise<unknown> {
    let args = t.args;
    for (const c of this.by.beforeToolExecute) args = await c.beforeToolExecute(ctx, { ...t, args });
    let result: unknown;
    try {
      result = await nest(this.by.wrapToolExecute, execute, (c, a, next) => c.wrapToolExecute(ctx, { ...t, args: a, handler: next }))(args);
    } catch (e) {
      if (isControlFlow(e) || this.by.onToolExecuteError.length === 0) throw e;
      result = await recoverChain(this.by.onToolExecuteError, e, (c, err) => c.onToolExecuteError(ctx, { ...t, args, error: err }));
    }
    const cs = this.by.afterToolExecute;
    for (let i = cs.length - 1; i >= 0; i--) result = await cs[i]!.afterToolExecute(ctx, { ...t, args, result });
    return result;
  }

  /**
   * Offers `requests` to each `handleDeferredToolCalls` in turn (accumulating: each sees what
   * the earlier ones left). Returns the merged results, or `undefined` when none resolved anything.
   */
  async handleDeferredToolCalls(ctx: RunContext<Deps>, requests: DeferredToolRequests): Promise<DeferredToolResults | undefined> {
    let merged: DeferredToolResults | undefined;
    let remaining: DeferredToolRequests | undefined = requests;
    for (const c of this.by.handleDeferredToolCalls) {
      if (remaining === undefined) break;
      const r = await c.handleDeferredToolCalls(ctx, { requests: remaining });
      if (r === undefined) continue;
      (merged ??= new DeferredToolResults()).update(r);
      remaining = remaining.remaining(r);
    }
    return merged;
  }
}

/** `handler` wrapped by each of `cs`, the first outermost. */
function nest<C, A, R>(cs: readonly C[], handler: (a: A) => Promise<R>, wrap: (c: C, a: A, next: (a: A) => Promise<R>) => Promise<R>): (a: A) => Promise<R> {
  let chain = handler;
  for (let i = cs.length - 1; i >= 0; i--) {
    const next = chain;
    const c = cs[i]!;
    chain = (a) => wrap(c, a, next);
  }
  return chain;
}

async function recoverChain<C, R>(cs: readonly C[], error: unknown, call: (c: C, e: unknown) => Promise<R>): Promise<R> {
  let err = error;
  for (let i = cs.length - 1; i >= 0; i--) {
    try {
      return await call(cs[i]!, err);
    } catch (e) {
      err = e;
    }
  }
  throw err;
}
