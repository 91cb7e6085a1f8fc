/**
 * Tool-call ordering under DBOS, as pydantic-ai's `parallel_execution_mode`:
 * `'parallel_ordered_events'` runs a response's tool calls at once but emits their result
 * events in call order after all have completed; `'sequential'` runs them one at a time.
 * Either way replay after recovery sees the same order.
 */
import pLimit from 'p-limit';
import { AbstractCapability } from '../runtime/index.js';
import type { AgentEvent, FunctionToolResultEvent, RunContext, ToolCallPart, ToolDefinition } from '../runtime/index.js';

/** How a durable agent runs the tool calls of one model response. */
export type DBOSParallelExecutionMode = 'parallel_ordered_events' | 'sequential';

/**
 * Reorders a run's events so each batch of `function_tool_result` events follows the order
 * of the batch's `function_tool_call` events, released once the whole batch has returned.
 */
export async function* orderToolEvents<R>(events: AsyncIterable<AgentEvent<R>>): AsyncGenerator<AgentEvent<R>> {
  let batch: string[] = [];
  let results = new Map<string, FunctionToolResultEvent>();
  const flush = function* (): Generator<FunctionToolResultEvent> {
    for (const id of batch) {
      const r = results.get(id);
      if (r) yield r;
    }
    batch = [];
    results = new Map();
  };
  for await (const ev of events) {
    if (ev.eventKind === 'function_tool_call') {
      if (results.size > 0) yield* flush();
      batch.push(ev.part.toolCallId);
      yield ev;
    } else if (ev.eventKind === 'function_tool_result' && batch.includes(ev.result.toolCallId ?? '')) {
      results.set(ev.result.toolCallId ?? '', ev);
      if (results.size === batch.length) yield* flush();
    } else {
      if (results.size > 0) yield* flush();
      yield ev;
    }
  }
  yield* flush();
}

/**
 * `'sequential'` mode as a capability: every tool execution of the run it is given to goes
 * through one limiter, so calls run one at a time in call order. One instance per run.
 */
export class SequentialToolCalls<Deps = unknown> extends AbstractCapability<Deps> {
  private readonly limit = pLimit(1);

  override wrapToolExecute(
    _ctx: RunContext<Deps>,
    args: { call: ToolCallPart; toolDef: ToolDefinition; args: Record<string, unknown>; handler: (args: Record<string, unknown>) => Promise<unknown> },
  ): Promise<unknown> {
    return this.limit(() => args.handler(args.args));
  }
}
