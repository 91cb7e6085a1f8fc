/**
 * Handling the tool calls of one model response: output tools, function tools and unknown
 * names, under the agent's `endStrategy` (pydantic-ai's `_tool_execution.py`).
 */
import { ModelRetry } from './errors.js';
import type { ModelRequestPart, RetryPromptPart, ToolCallPart, ToolReturnPart } from './messages.js';
import { parseJsonArgs, validateWithSchema } from './output.js';
import type { OutputToolEntry } from './output.js';
import { buildRunContext, consumeToolRetry } from './run-state.js';
import { executeToolCall, validateToolCall } from './function-calls.js';
import { finalizeDeferred } from './deferred-calls.js';
import type { RunState } from './run-state.js';
import type { HandleResponseEvent } from './stream-events.js';

/** pydantic-ai's status texts for tool returns that are not real results. */
export const FINAL_RESULT_PROCESSED = 'Final result processed.';
export const OUTPUT_TOOL_NOT_USED = 'Output tool not used - a final result was already processed.';
export const TOOL_NOT_EXECUTED = 'Tool not executed - a final result was already processed.';

/** The final result of a run (pydantic-ai's `FinalResult`). */
export interface FinalResult<O> {
  output: O;
  /** Output tool that produced it; `undefined` for text output. */
  toolName?: string;
  toolCallId?: string;
}

function toolReturn(state: RunState<any>, call: ToolCallPart, content: unknown): ToolReturnPart {
  return { partKind: 'tool-return', toolName: call.toolName, content, toolCallId: call.toolCallId, timestamp: state.now() };
}

function retryPart(state: RunState<any>, call: ToolCallPart, content: RetryPromptPart['content']): RetryPromptPart {
  const p: RetryPromptPart = { partKind: 'retry-prompt', content, toolCallId: call.toolCallId, timestamp: state.now() };
  if (call) p.toolName = call.toolName;
  return p;
}

/** Result of running the output validators. */
export type Validated<O> = { ok: true; value: O } | { ok: false; error: ModelRetry };

/**
 * Runs the agent's output validators in order.
 * @throws whatever a validator throws other than `ModelRetry`.
 */
export async function runOutputValidators<Deps>(
  state: RunState<Deps>,
  output: unknown,
  call: ToolCallPart | undefined,
): Promise<Validated<unknown>> {
  if (state.outputValidators.length === 0) return { ok: true, value: output };
  const extra: { retry: number; maxRetries: number; toolName?: string; toolCallId?: string } = { retry: state.outputRetriesUsed, maxRetries: state.outputRetries };
  if (call) {
    extra.toolName = call.toolName;
    extra.toolCallId = call.toolCallId;
  }
  const ctx = buildRunContext(state, extra);
  let value = output;
  for (const v of state.outputValidators) {
    try {
      value = await v(value, ctx);
    } catch (e) {
      if (e instanceof ModelRetry) return { ok: false, error: e };
      throw e;
    }
  }
  return { ok: true, value };
}

/** Validates an output tool call; returns the output or the retry part (retry counted). */
async function handleOutputCall<Deps>(
  state: RunState<Deps>,
  call: ToolCallPart,
  entry: OutputToolEntry,
): Promise<{ ok: true; output: unknown } | { ok: false; part: RetryPromptPart }> {
  const maxRetries = entry.maxRetries ?? state.outputRetries;
  const parsed = parseJsonArgs(call.args);
  let result = parsed.ok ? validateWithSchema(entry.schema, entry.wrapped ? (parsed.value as { response?: unknown })?.response : parsed.value) : parsed;
  if (!result.ok && entry.wrapped && parsed.ok) {
    result = { ok: false, details: result.details.map((d) => ({ ...d, loc: ['response', ...d.loc] })) };
  }
  if (!result.ok) {
    consumeToolRetry(state, call.toolName, maxRetries);
    return { ok: false, part: retryPart(state, call, result.details) };
  }
  const validated = await runOutputValidators(state, result.value, call);
  if (!validated.ok) {
    consumeToolRetry(state, call.toolName, maxRetries, validated.error);
    return { ok: false, part: retryPart(state, call, validated.error.message) };
  }
  state.toolRetries.delete(call.toolName);
  return { ok: true, output: validated.value };
}

/** Runs one function tool call (or answers an unknown name); `undefined` when the call was deferred. */
async function runFunctionCall<Deps>(state: RunState<Deps>, call: ToolCallPart): Promise<ToolReturnPart | RetryPromptPart | undefined> {
  const v = validateToolCall(state, call);
  if ('part' in v) return v.part;
  if ('deferred' in v) return undefined;
  return executeToolCall(state, v, (name) => state.toolRetries.delete(name));
}

/** Runs re-processing calls a `handleDeferredToolCalls` hook resolved (their deferrals are finalized by the caller). */
const reprocessing = new WeakSet<RunState<any>>();

/** Outcome of handling one response's tool calls. */
export interface ToolCallsOutcome<O> {
  /** Parts for the next request, in call order. */
  parts: ModelRequestPart[];
  finalResult: FinalResult<O> | undefined;
}

/**
 * Handles the tool calls of a response. `textResult` is a final result already produced by the
 * response's text (end strategy `early`): every function tool is then skipped.
 * `emit` receives `function_tool_call` / `function_tool_result` events (streaming).
 * @throws UnexpectedModelBehavior when a tool's retries are exhausted; any non-`ModelRetry`
 *   error a tool throws.
 */
export async function processToolCalls<Deps>(
  state: RunState<Deps>,
  calls: readonly ToolCallPart[],
  textResult: FinalResult<unknown> | undefined,
  emit: ((e: HandleResponseEvent) => void) | undefined,
): Promise<ToolCallsOutcome<unknown>> {
  const slots: (ModelRequestPart | undefined)[] = new Array(calls.length);
  let final = textResult;
  // 1. output tools, sequentially in emission order; the first valid one wins.
  for (let i = 0; i < calls.length; i++) {
    const call = calls[i]!;
    const entry = state.output.tools.get(call.toolName);
    if (entry === undefined) continue;
    if (final !== undefined) {
      slots[i] = toolReturn(state, call, OUTPUT_TOOL_NOT_USED);
      continue;
    }
    const r = await handleOutputCall(state, call, entry);
    if (r.ok) {
      final = { output: r.output, toolName: call.toolName, toolCallId: call.toolCallId };
      slots[i] = toolReturn(state, call, FINAL_RESULT_PROCESSED);
    } else {
      slots[i] = r.part;
    }
  }
  // 2. function tools (and unknown names): skipped under 'early' once there is a final result.
  const pending: number[] = [];
  for (let i = 0; i < calls.length; i++) {
    if (slots[i] !== undefined) continue;
    if (final !== undefined && state.endStrategy === 'early') slots[i] = toolReturn(state, calls[i]!, TOOL_NOT_EXECUTED);
    else pending.push(i);
  }
  if (pending.length > 0) {
    const known = pending.filter((i) => state.tools.has(calls[i]!.toolName)).length;
    state.usageLimits?.checkBeforeToolCalls(state.usage, known);
    if (emit) for (const i of pending) emit({ eventKind: 'function_tool_call', part: calls[i]! });
    if (pending.length === 1) {
      const i = pending[0]!;
      slots[i] = await runFunctionCall(state, calls[i]!);
      if (emit && slots[i] !== undefined) emit({ eventKind: 'function_tool_result', result: slots[i] as ToolReturnPart | RetryPromptPart });
    } else {
      const results = await Promise.all(
        pending.map(async (i) => {
          const r = await runFunctionCall(state, calls[i]!);
          if (emit && r !== undefined) emit({ eventKind: 'function_tool_result', result: r });
          return r;
        }),
      );
      pending.forEach((i, k) => (slots[i] = results[k]));
    }
    // Retry wins (exhaustive): a function tool asking for a retry suppresses the final result.
    if (final !== undefined && state.endStrategy === 'exhaustive' && textResult === undefined) {
      if (pending.some((i) => slots[i]?.partKind === 'retry-prompt')) {
        final = undefined;
        for (let i = 0; i < calls.length; i++) {
          const s = slots[i];
          if (s?.partKind === 'tool-return' && s.content === FINAL_RESULT_PROCESSED) slots[i] = toolReturn(state, calls[i]!, OUTPUT_TOOL_NOT_USED);
        }
      }
    }
  }
  const outcome = { parts: slots.filter((p): p is ModelRequestPart => p !== undefined), finalResult: final };
  if (state.deferred !== undefined && !reprocessing.has(state)) {
    await finalizeDeferred(state, outcome, (c) => toolReturn(state, c, TOOL_NOT_EXECUTED), async (resolved, resume) => {
      const outer = state.resume;
      state.resume = resume;
      reprocessing.add(state);
      try {
        return await processToolCalls(state, resolved, undefined, emit);
      } finally {
        state.resume = outer;
        reprocessing.delete(state);
      }
    });
  }
  return outcome;
}
