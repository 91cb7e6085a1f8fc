/**
 * Driving a run through the capabilities' node and run hooks and the `eventStreamHandler`
 * (pydantic-ai's `agent/__init__.py` `_run_lifecycle_hooks` and `CombinedCapability` node hooks).
 * Used only when a run has capabilities or a handler, so plain runs pay nothing.
 */
import type { AnyNode } from './capabilities/abstract.js';
import type { AgentRun, AgentRunResult } from './agent-run.js';
import { CallToolsNode, End, ModelRequestNode } from './nodes.js';
import type { AgentNode } from './nodes.js';
import { buildRunContext } from './run-state.js';
import type { RunState } from './run-state.js';
import type { AgentStreamEvent, HandleResponseEvent } from './stream-events.js';

/** Runs one node through `beforeNodeRun`, `wrapNodeRun`, `afterNodeRun` and `onNodeRunError`. */
export async function runNodeWithHooks(state: RunState<any>, node: AnyNode, run: (n: AnyNode) => Promise<AnyNode>): Promise<AnyNode> {
  const cap = state.capability!;
  const ctx = buildRunContext(state);
  let n = node;
  try {
    n = await cap.beforeNodeRun(ctx, n);
    const next = await cap.wrapNodeRun(ctx, n, run);
    return await cap.afterNodeRun(ctx, n, next);
  } catch (e) {
    if (!cap.has('onNodeRunError')) throw e;
    return cap.onNodeRunError(ctx, n, e);
  }
}

/**
 * Consumes `source` through `handler`, then drains what the handler left unread so the node
 * finishes (the run waits for the handler).
 */
async function feed(source: AsyncIterable<AgentStreamEvent | HandleResponseEvent>, handler: (events: AsyncIterable<AgentStreamEvent | HandleResponseEvent>) => Promise<void> | void): Promise<void> {
  const it = source[Symbol.asyncIterator]();
  let done = false;
  const shared: AsyncIterable<AgentStreamEvent | HandleResponseEvent> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        const r = await it.next();
        if (r.done) done = true;
        return r;
      },
    }),
  };
  await handler(shared);
  while (!done) if ((await it.next()).done) done = true;
}

/** Drives `run` to its end through `wrapRun` / `afterRun` / `onRunError` and the event handler. */
export async function driveWithHooks(run: AgentRun<unknown>, state: RunState<any>): Promise<AgentRunResult<unknown>> {
  const cap = state.capability;
  const handler = state.eventStreamHandler;
  const wrapsEvents = cap?.has('wrapRunEventStream') ?? false;
  const body = async (): Promise<AgentRunResult<unknown>> => {
    let node = run.nextNode as AgentNode<unknown>;
    while (!(node instanceof End)) {
      if ((handler !== undefined || wrapsEvents) && (node instanceof ModelRequestNode || node instanceof CallToolsNode)) {
        const ctx = buildRunContext(state);
        let events: AsyncIterable<AgentStreamEvent | HandleResponseEvent> = node.stream(run.ctx);
        if (wrapsEvents) events = cap!.wrapRunEventStream(ctx, events) as AsyncIterable<AgentStreamEvent | HandleResponseEvent>;
        await feed(events, (ev) => (handler ? handler(ctx, ev) : undefined));
      }
      node = await run.next(node);
    }
    return run.result!;
  };
  if (cap === undefined) return body();
  const ctx = () => buildRunContext(state);
  let result: unknown;
  try {
    result = await cap.wrapRun(ctx(), body);
  } catch (e) {
    if (!cap.has('onRunError')) throw e;
    result = await cap.onRunError(ctx(), e);
  }
  return (await cap.afterRun(ctx(), result)) as AgentRunResult<unknown>;
}
