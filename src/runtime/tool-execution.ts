/**
 * Handling the tool calls of one model response: output tools, function tools and unknown
 * names, under the agent's `endStrategy` (pydantic-ai's `_tool_execution.py`).
 */
import { ModelRetry, UnexpectedModelBehavior } from './errors.js';
import type { ModelRequestPart, RetryPromptPart, ToolCallPart, ToolReturnPart } from './messages.js';
import { parseJsonArgs, validateWithSchema } from './output.js';
import type { OutputToolEntry } from './output.js';
import { buildRunContext, checkIncompleteToolCall, consumeToolRetry, recordToolSuccess, toolRetriesOf } from './run-state.js';
import type { RunState } from './run-state.js';
import type { HandleResponseEvent } from './stream-events.js';
import { executeToolCall, toolUserContent, toolUserContentSeen, validateToolCall } from './function-calls.js';
import type { ValidatedCall } from './function-calls.js';
import { finalizeDeferred } from './deferred-calls.js';

/** pydantic-ai's status texts for tool returns that are not real results. */
export const FINAL_RESULT_PROCESSED = 'Final result processed.';
export const OUTPUT_TOOL_NOT_USED = 'Output tool not used - a final result was already processed.';
export const TOOL_NOT_EXECUTED = 'Tool not executed - a final result was already processed.';
/** A function tool of the same round asked for a retry, so the valid output is not used (retry wins). */
export const RETRY_WINS = 'Output not used as the final result - addressing tool retries from this round first.';
/** A valid output tool call under `'exhaustive'` that is not the first one. */
export const OUTPUT_NOT_FINAL_RESULT = 'Output tool processed, but its value will not be the final result of the agent run.';
/** An output tool call whose arguments failed validation with no retries left, while another output won. */
export const OUTPUT_VALIDATION_FAILED = 'Output tool not used - output failed validation.';
/** An output tool call whose output validators failed with no retries left, while another output won. */
export const OUTPUT_EXECUTION_FAILED = 'Output tool not used - output function execution failed.';

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
  return { partKind: 'retry-prompt', content, toolName: call.toolName, toolCallId: call.toolCallId, timestamp: state.now() };
}

/** Result of running the output validators. */
export type Validated<O> = { ok: true; value: O } | { ok: false; error: ModelRetry };

/**
 * Runs the agent's output validators in order. Their context carries the run's output-retry
 * count (`ctx.retry`: 0, 1, 2 … across retries) and `outputRetries` as `maxRetries`.
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

/** Outcome of one output tool call: exactly one of `final`, `part`, `error` is set. */
interface OutputCallResult {
  call: ToolCallPart;
  argsValid: boolean;
  final?: FinalResult<unknown>;
  part?: RetryPromptPart;
  /** Retries exhausted ("Exceeded maximum output retries (n)"); thrown unless another output won. */
  error?: UnexpectedModelBehavior;
}

/** A function (or unknown) tool call after argument validation. */

type Kind = 'output' | 'function' | 'unknown';

/** Outcome of handling one response's tool calls. */
export interface ToolCallsOutcome<O> {
  /** Parts for the next request. */
  parts: ModelRequestPart[];
  finalResult: FinalResult<O> | undefined;
}

/**
 * Executes one response's tool calls for a step, as pydantic-ai's `_ToolCallProcessor`.
 * `parts` is appended to in place so completed work survives a thrown error.
 */
class ToolCallProcessor {
  readonly kinds: Kind[];
  readonly parts: ModelRequestPart[] = [];
  final: FinalResult<unknown> | undefined;
  private readonly external: boolean;
  private retryWins = false;
  private outputRetriesIncrement = 0;
  private winningPart: ToolReturnPart | undefined;

  constructor(
    private readonly state: RunState<any>,
    private readonly calls: readonly ToolCallPart[],
    preFinal: FinalResult<unknown> | undefined,
    private readonly emit: ((e: HandleResponseEvent) => void) | undefined,
  ) {
    this.final = preFinal;
    this.external = preFinal !== undefined;
    this.kinds = calls.map((c) => (state.output.tools.has(c.toolName) ? 'output' : state.tools.has(c.toolName) ? 'function' : 'unknown'));
  }

  /**
   * Runs the calls; may throw synchronously (the caller awaits it inside its `try`).
   * `undefined` when everything finished synchronously (one output call, no output function or
   * validators).
   */
  run(): Promise<void> | undefined {
    let fnCount = 0;
    for (const k of this.kinds) if (k !== 'output') fnCount++;
    if (fnCount > 0) this.state.usageLimits?.checkBeforeToolCalls(this.state.usage, fnCount);
    // Without output tools every strategy runs the function calls alike (validated in order, run together).
    if (fnCount === this.calls.length && this.final === undefined) return this.runFunctionCalls(this.calls);
    // A lone output call: every strategy does the same (run it, count its retry); no function
    // call means no retry can win over it.
    if (this.calls.length === 1 && this.final === undefined) {
      const pending = this.runOutput(this.calls[0]!);
      if (pending !== undefined) return pending.then(() => void (this.state.outputRetriesUsed += this.outputRetriesIncrement));
      this.state.outputRetriesUsed += this.outputRetriesIncrement;
      return undefined;
    }
    return this.runByStrategy();
  }

  private async runByStrategy(): Promise<void> {
    switch (this.state.endStrategy) {
      case 'early':
        await this.early();
        break;
      case 'graceful':
        await this.graceful();
        break;
      case 'exhaustive':
        await this.exhaustive();
        break;
    }
    this.applyRetryWins();
  }

  private applyRetryWins(): void {
    if (this.retryWins && this.final !== undefined && !this.external && this.winningPart !== undefined) {
      const i = this.parts.indexOf(this.winningPart);
      this.parts[i] = { ...this.winningPart, content: RETRY_WINS };
      this.final = undefined;
    }
  }

  private indices(pred: (k: Kind) => boolean): number[] {
    const out: number[] = [];
    this.kinds.forEach((k, i) => pred(k) && out.push(i));
    return out;
  }

  private async early(): Promise<void> {
    for (const i of this.indices((k) => k === 'output')) await this.runOutput(this.calls[i]!);
    this.state.outputRetriesUsed += this.outputRetriesIncrement;
    const fns = this.indices((k) => k !== 'output').map((i) => this.calls[i]!);
    if (this.final !== undefined) for (const c of fns) this.parts.push(toolReturn(this.state, c, TOOL_NOT_EXECUTED));
    else await this.runFunctionCalls(fns);
  }

  private async graceful(): Promise<void> {
    let pending: ToolCallPart[] = [];
    for (let i = 0; i < this.calls.length; i++) {
      if (this.kinds[i] === 'output') {
        if (pending.length > 0) await this.runFunctionCalls(pending);
        pending = [];
        await this.runOutput(this.calls[i]!);
      } else pending.push(this.calls[i]!);
    }
    if (pending.length > 0) await this.runFunctionCalls(pending);
    this.state.outputRetriesUsed += this.outputRetriesIncrement;
  }

  private async exhaustive(): Promise<void> {
    const fnIdx = this.indices((k) => k !== 'output');
    const validated = this.validateCalls(fnIdx.map((i) => this.calls[i]!));
    const outputs = new Map<number, OutputCallResult>();
    const fnParts = new Map<number, ToolReturnPart | RetryPromptPart | undefined>();
    const externalId = this.final?.toolCallId;
    const tasks: Promise<void>[] = [];
    let v = 0;
    for (let i = 0; i < this.calls.length; i++) {
      const call = this.calls[i]!;
      if (this.kinds[i] === 'output') {
        if (externalId !== undefined && call.toolCallId === externalId) outputs.set(i, { call, argsValid: true, final: this.final! });
        else tasks.push(settled(() => this.runOutputCall(call)).then((r) => void outputs.set(i, r)));
      } else {
        const vc = validated[v++]!;
        tasks.push(
          this.execute(vc).then((p) => {
            fnParts.set(i, p);
            if (p === undefined) return;
            if (this.kinds[i] === 'function' && p.partKind === 'retry-prompt') this.retryWins = true;
            this.emit?.({ eventKind: 'function_tool_result', result: p });
          }),
        );
      }
    }
    try {
      await Promise.all(tasks);
    } catch (e) {
      for (let i = 0; i < this.calls.length; i++) if (fnParts.get(i) !== undefined) this.parts.push(fnParts.get(i)!);
      throw e;
    }
    if (this.final === undefined) {
      for (let i = 0; i < this.calls.length; i++) {
        const r = outputs.get(i);
        if (r?.final !== undefined) {
          this.final = r.final;
          break;
        }
      }
    }
    if (this.final === undefined) {
      for (let i = 0; i < this.calls.length; i++) {
        const r = outputs.get(i);
        if (r?.error !== undefined) {
          this.state.outputRetriesUsed += this.outputRetriesIncrement;
          checkIncompleteToolCall(this.state);
          throw r.error;
        }
      }
    }
    for (let i = 0; i < this.calls.length; i++) {
      const r = outputs.get(i);
      if (r !== undefined) this.settleOutput(r, this.final !== undefined && r.call.toolCallId === this.final.toolCallId);
      else if (fnParts.get(i) !== undefined) this.parts.push(fnParts.get(i)!);
    }
    this.state.outputRetriesUsed += this.outputRetriesIncrement;
  }

  // ------------------------------------------------------------- output tools

  private recordOutput(call: ToolCallPart, part: ToolReturnPart | RetryPromptPart, argsValid: boolean | undefined): void {
    this.parts.push(part);
    if (this.emit) {
      this.emit(argsValid === undefined ? { eventKind: 'output_tool_call', part: call } : { eventKind: 'output_tool_call', part: call, argsValid });
      this.emit({ eventKind: 'output_tool_result', result: part });
    }
  }

  private recordWinner(call: ToolCallPart): void {
    this.winningPart = toolReturn(this.state, call, FINAL_RESULT_PROCESSED);
    this.recordOutput(call, this.winningPart, true);
  }

  private settleOutput(r: OutputCallResult, isWinner: boolean): void {
    if (r.final !== undefined) {
      if (isWinner) this.recordWinner(r.call);
      else this.recordOutput(r.call, toolReturn(this.state, r.call, OUTPUT_NOT_FINAL_RESULT), true);
    } else if (r.part !== undefined) this.recordOutput(r.call, r.part, r.argsValid);
    else this.recordOutput(r.call, toolReturn(this.state, r.call, r.argsValid ? OUTPUT_EXECUTION_FAILED : OUTPUT_VALIDATION_FAILED), r.argsValid);
  }

  /** Runs one output call: `undefined` when it completed synchronously, else its promise. */
  private runOutput(call: ToolCallPart): Promise<void> | undefined {
    if (this.final !== undefined) {
      if (this.final.toolCallId === call.toolCallId) this.recordWinner(call);
      else this.recordOutput(call, toolReturn(this.state, call, OUTPUT_TOOL_NOT_USED), undefined);
      return undefined;
    }
    const r = this.runOutputCall(call);
    if (r instanceof Promise) return r.then((x) => this.afterOutputCall(x));
    this.afterOutputCall(r);
    return undefined;
  }

  private afterOutputCall(r: OutputCallResult): void {
    if (r.error !== undefined) {
      this.state.outputRetriesUsed += this.outputRetriesIncrement;
      checkIncompleteToolCall(this.state);
      throw r.error;
    }
    if (r.final !== undefined) this.final = r.final;
    this.settleOutput(r, r.final !== undefined);
  }

  /**
   * Validates an output tool call and runs the output function and validators; synchronous when
   * there are neither.
   */
  private runOutputCall(call: ToolCallPart): OutputCallResult | Promise<OutputCallResult> {
    const state = this.state;
    const entry = state.output.tools.get(call.toolName) as OutputToolEntry;
    const maxRetries = entry.maxRetries ?? state.outputRetries;
    const fail = (argsValid: boolean, content: RetryPromptPart['content'], cause: unknown): OutputCallResult => {
      try {
        consumeToolRetry(state, call.toolName, maxRetries, cause, `Exceeded maximum output retries (${maxRetries})`);
      } catch (e) {
        return { call, argsValid, error: e as UnexpectedModelBehavior };
      }
      this.outputRetriesIncrement += 1;
      return { call, argsValid, part: retryPart(state, call, content) };
    };
    const parsed = parseJsonArgs(call.args);
    let result = parsed.ok ? validateWithSchema(entry.schema, entry.wrapped ? (parsed.value as { response?: unknown })?.response : parsed.value) : parsed;
    if (!result.ok && entry.wrapped && parsed.ok) {
      result = { ok: false, details: result.details.map((d) => ({ ...d, loc: ['response', ...d.loc] })) };
    }
    if (!result.ok) return fail(false, result.details, undefined);
    if (entry.fn === undefined && state.outputValidators.length === 0) {
      recordToolSuccess(state, call.toolName);
      return { call, argsValid: true, final: { output: result.value, toolName: call.toolName, toolCallId: call.toolCallId } };
    }
    return this.finishOutputCall(call, entry, maxRetries, result.value, fail);
  }

  private async finishOutputCall(
    call: ToolCallPart,
    entry: OutputToolEntry,
    maxRetries: number,
    parsedValue: unknown,
    fail: (argsValid: boolean, content: RetryPromptPart['content'], cause: unknown) => OutputCallResult,
  ): Promise<OutputCallResult> {
    const state = this.state;
    let value: unknown = parsedValue;
    if (entry.fn !== undefined) {
      // Output function (pydantic-ai's output functions): its result is the output; ModelRetry retries.
      const ctx = buildRunContext(state, { retry: toolRetriesOf(state, call.toolName), maxRetries, toolName: call.toolName, toolCallId: call.toolCallId });
      try {
        value = await entry.fn(value, ctx);
      } catch (e) {
        if (e instanceof ModelRetry) return fail(true, e.message, e);
        throw e;
      }
    }
    const validated = await runOutputValidators(state, value, call);
    if (!validated.ok) return fail(true, validated.error.message, validated.error);
    recordToolSuccess(state, call.toolName);
    return { call, argsValid: true, final: { output: validated.value, toolName: call.toolName, toolCallId: call.toolCallId } };
  }

  // ----------------------------------------------------------- function tools

  /**
   * Validates calls in order, emitting `function_tool_call` for each (pydantic-ai validates
   * every call of a batch before running any).
   * @throws UnexpectedModelBehavior when a tool (or unknown name) is out of retries.
   */
  private validateCalls(calls: readonly ToolCallPart[]): ValidatedCall[] {
    const out: ValidatedCall[] = [];
    for (const call of calls) {
      let v: ValidatedCall;
      try {
        v = validateToolCall(this.state, call);
      } catch (e) {
        checkIncompleteToolCall(this.state);
        this.emit?.({ eventKind: 'function_tool_call', part: call, argsValid: false });
        throw e;
      }
      out.push(v);
      this.emit?.({ eventKind: 'function_tool_call', part: call, argsValid: !('part' in v) });
    }
    return out;
  }

  /** Runs a validated call; `undefined` when it was deferred (approval or external result). */
  private execute(v: ValidatedCall): Promise<ToolReturnPart | RetryPromptPart | undefined> {
    if ('part' in v) return Promise.resolve(v.part);
    if ('deferred' in v) return Promise.resolve(undefined);
    return executeToolCall(this.state, v);
  }

  private async runFunctionCalls(calls: readonly ToolCallPart[]): Promise<void> {
    const validated = this.validateCalls(calls);
    const results: (ToolReturnPart | RetryPromptPart | undefined)[] = new Array(validated.length);
    try {
      if (validated.length === 1) this.settle(results, 0, await this.execute(validated[0]!));
      else await Promise.all(validated.map((v, k) => this.execute(v).then((p) => this.settle(results, k, p))));
    } finally {
      for (const p of results) if (p !== undefined) this.parts.push(p);
    }
    for (const p of results) {
      if (p?.partKind === 'retry-prompt' && this.state.tools.has(p.toolName!)) this.retryWins = true;
    }
  }

  private settle(results: (ToolReturnPart | RetryPromptPart | undefined)[], k: number, p: ToolReturnPart | RetryPromptPart | undefined): void {
    results[k] = p;
    if (p !== undefined) this.emit?.({ eventKind: 'function_tool_result', result: p });
  }
}

/** `f()` as a promise, a synchronous throw included (a rejection, as from an async function). */
function settled<T>(f: () => T | Promise<T>): Promise<T> {
  try {
    return Promise.resolve(f());
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * Handles the tool calls of a response under the agent's end strategy. `preFinal` is a final
 * result the response already produced (schema-validated text under `'early'`): output tools
 * are then answered "not used" and function tools "not executed".
 * `emit` receives `function_tool_call` / `function_tool_result` / `output_tool_call` /
 * `output_tool_result` events (streaming). On a thrown error, `partial` receives the parts of
 * the calls that completed.
 * @throws UnexpectedModelBehavior when a tool's retries (or the output retries) are exhausted;
 *   `IncompleteToolCall` when that happened on a tool call cut off by the token limit; any
 *   non-`ModelRetry` error a tool throws.
 */
export async function processToolCalls<Deps>(
  state: RunState<Deps>,
  calls: readonly ToolCallPart[],
  preFinal: FinalResult<unknown> | undefined,
  emit: ((e: HandleResponseEvent) => void) | undefined,
  partial?: (parts: ModelRequestPart[]) => void,
): Promise<ToolCallsOutcome<unknown>> {
  const p = new ToolCallProcessor(state, calls, preFinal, emit);
  try {
    const pending = p.run();
    if (pending !== undefined) await pending;
  } catch (e) {
    if (p.parts.length > 0) partial?.(p.parts);
    throw e;
  }
  // an exact-size copy: the parts go into a message that outlives the run (`parts` grew by push)
  const outcome = { parts: p.parts.slice(), finalResult: p.final };
  // user content of `ToolReturn`s goes after the batch's tool returns, in call order (as pydantic-ai)
  if (toolUserContentSeen.any) for (const part of p.parts) {
    const content = part.partKind === 'tool-return' ? toolUserContent.get(part) : undefined;
    if (content !== undefined) outcome.parts.push({ partKind: 'user-prompt', content, timestamp: state.now() });
  }
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

/** States re-processing calls a `handleDeferredToolCalls` hook resolved (their deferrals are finalized by the caller). */
const reprocessing = new WeakSet<RunState<any>>();
