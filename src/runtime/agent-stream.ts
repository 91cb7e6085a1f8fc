/**
 * `AgentStream`: what `ModelRequestNode.stream(run.ctx)` returns, as pydantic-ai's
 * `result.AgentStream` — the events of one model response, plus its text, partial and
 * validated output, and usage while it streams.
 */
import { loadModuleSync } from './load-module.js';
import { ModelRetry, UnexpectedModelBehavior, UserError } from './errors.js';
import type { ModelResponse, ModelResponsePart } from './messages.js';
import { parseJsonArgs, validateWithSchema } from './output.js';
import { PartsManager } from './parts-manager.js';
import { buildRunContext } from './run-state.js';
import type { RunState } from './run-state.js';
import type { AgentStreamEvent } from './stream-events.js';
import { runOutputValidators } from './tool-execution.js';
import type { RunUsage } from './usage.js';

/** Options of `streamText`. */
export interface StreamTextOptions {
  /** Yield each new piece of text (`true`) or the whole text so far (`false`, default, as pydantic-ai). */
  delta?: boolean;
  /** Group updates arriving within this many milliseconds into one. Default 0: every delta is yielded. */
  debounceMs?: number;
}

const isEmptyObject = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;

/** Text of a response's text parts, concatenated. */
function textOf(parts: readonly ModelResponsePart[]): string {
  let t = '';
  for (const p of parts) if (p.partKind === 'text') t += p.content;
  return t;
}

/**
 * The output as far as `parts` (a response still streaming) allows, as pydantic-ai's
 * `validate_response_output(allow_partial=True)`: for an output tool, its arguments parsed
 * leniently (a non-object output is given as the value, not its `{ response }` wrapper); for
 * native/prompted output, the partial JSON object; for text, the text so far, passed through a
 * `TextOutput` function. `undefined` when nothing usable is there yet (or the function asked
 * for a retry).
 * @throws whatever a `TextOutput` function throws other than `ModelRetry`.
 */
export async function partialOutputOf(state: RunState<any>, parts: readonly ModelResponsePart[], toolName: string | undefined): Promise<{ value: unknown } | undefined> {
  if (toolName !== undefined) {
    const call = parts.find((p) => p.partKind === 'tool-call' && p.toolName === toolName);
    if (call?.partKind !== 'tool-call') return undefined;
    let args: unknown = call.args;
    if (typeof args === 'string') {
      if (args.trim() === '') return undefined;
      try {
        args = loadModuleSync<typeof import('partial-json')>('partial-json').parse(args);
      } catch {
        return undefined;
      }
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args)) return undefined;
    if (state.output.tools.get(toolName)?.wrapped) return 'response' in args ? { value: (args as { response: unknown }).response } : undefined;
    return isEmptyObject(args) ? undefined : { value: args };
  }
  const text = textOf(parts);
  if (text === '') return undefined;
  const out = state.output;
  if (out.partialFromText !== undefined) {
    const v = out.partialFromText(text);
    return v === undefined || isEmptyObject(v) ? undefined : { value: v };
  }
  if (out.processText === undefined) return undefined;
  try {
    const r = await out.processText(text, buildRunContext(state, { retry: state.outputRetriesUsed, maxRetries: state.outputRetries }));
    return r.ok ? { value: r.value } : undefined;
  } catch (e) {
    if (e instanceof ModelRetry) return undefined;
    throw e;
  }
}

/**
 * Validates a complete response's output (output tool named `toolName`, else the text) and
 * runs the output validators, as pydantic-ai's `validate_response_output`.
 * @throws UnexpectedModelBehavior naming the problem when the output is not valid.
 */
export async function finalOutputOf(state: RunState<any>, response: ModelResponse, toolName: string | undefined): Promise<unknown> {
  let value: unknown;
  if (toolName !== undefined) {
    const call = response.parts.find((p) => p.partKind === 'tool-call' && p.toolName === toolName);
    const entry = state.output.tools.get(toolName);
    if (call?.partKind !== 'tool-call' || entry === undefined) throw new UnexpectedModelBehavior(`Invalid response, unable to find tool call for '${toolName}'`);
    const parsed = parseJsonArgs(call.args);
    const v = parsed.ok ? validateWithSchema(entry.schema, entry.wrapped ? (parsed.value as { response?: unknown })?.response : parsed.value) : parsed;
    if (!v.ok) throw new UnexpectedModelBehavior(`Invalid output for '${toolName}': ${JSON.stringify(v.details)}`);
    value = v.value;
  } else {
    const proc = state.output.processText;
    if (proc === undefined) throw new UnexpectedModelBehavior('Invalid response, unable to process text output');
    let r;
    try {
      r = await proc(textOf(response.parts), buildRunContext(state, { retry: state.outputRetriesUsed, maxRetries: state.outputRetries }));
    } catch (e) {
      if (e instanceof ModelRetry) throw new UnexpectedModelBehavior(`Invalid output: ${e.message}`, { cause: e });
      throw e;
    }
    if (!r.ok) throw new UnexpectedModelBehavior(`Invalid output: ${JSON.stringify(r.details)}`);
    value = r.value;
  }
  const validated = await runOutputValidators(state, value, undefined);
  if (!validated.ok) throw new UnexpectedModelBehavior(`Invalid output: ${validated.error.message}`, { cause: validated.error });
  return validated.value;
}

/** Groups values arriving within `debounceMs` into one (`merge`); 0 passes every value through. */
export async function* debounced<T>(source: AsyncIterable<T>, debounceMs: number, merge: (a: T, b: T) => T): AsyncGenerator<T> {
  if (debounceMs <= 0) {
    yield* source;
    return;
  }
  let pending: T | undefined;
  let has = false;
  let last = 0;
  for await (const v of source) {
    pending = has ? merge(pending as T, v) : v;
    has = true;
    const now = performance.now();
    if (now - last >= debounceMs) {
      yield pending;
      has = false;
      last = now;
    }
  }
  if (has) yield pending as T;
}

/**
 * The text of the final response in `events`: the whole text so far, or each new piece
 * (`delta`). A second `final_result` event (a later response, after a retry) starts the text
 * again.
 */
export function streamTextOf(events: AsyncIterable<AgentStreamEvent>, options: StreamTextOptions): AsyncIterable<string> {
  let restarted = false;
  const deltas = async function* () {
    let first = true;
    for await (const ev of events) {
      if (ev.eventKind === 'final_result') {
        if (!first) restarted = true;
        first = false;
      } else if (ev.eventKind === 'part_start' && ev.part.partKind === 'text' && ev.part.content !== '') yield ev.part.content;
      else if (ev.eventKind === 'part_delta' && ev.delta.partDeltaKind === 'text' && ev.delta.contentDelta !== '') yield ev.delta.contentDelta;
    }
  };
  const merged = debounced(deltas(), options.debounceMs ?? 0, (a, b) => a + b);
  if (options.delta) return merged;
  return (async function* () {
    let text = '';
    for await (const d of merged) {
      if (restarted) {
        // the final text after a retry replaces the invalid one
        text = '';
        restarted = false;
      }
      text += d;
      yield text;
    }
  })();
}

/**
 * One model response as it streams (pydantic-ai's `AgentStream`). An `AsyncIterable` of the
 * response's events, iterable once; or use one of `streamText()`, `streamOutput()`,
 * `getOutput()`. Leaving an iteration early closes the model's stream. Once the stream is
 * consumed, `run.next(node)` handles the response (tools, output) as `run` does.
 *
 * @typeParam O - the run's output type.
 */
export class AgentStream<O = unknown> implements AsyncIterable<AgentStreamEvent> {
  private started = false;
  private readonly parts = new PartsManager();
  private finalToolName: string | undefined;
  private finalSeen = false;
  private cachedOutput: { value: O } | undefined;
  private lastUsage: { inputTokens: number; outputTokens: number } | undefined;

  /** @internal */
  constructor(
    private readonly state: RunState<any>,
    private readonly gen: AsyncGenerator<AgentStreamEvent, unknown>,
    private readonly liveUsage?: () => { inputTokens: number; outputTokens: number } | undefined,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<AgentStreamEvent> {
    if (this.started) throw new Error('This stream has already been consumed');
    this.started = true;
    let done = false;
    try {
      let step = await this.gen.next();
      while (!step.done) {
        const ev = step.value;
        if (ev.eventKind === 'final_result') {
          this.finalSeen = true;
          this.finalToolName = ev.toolName;
        } else if (ev.eventKind !== 'part_end') this.parts.applyEvent(ev);
        const live = this.liveUsage?.();
        if (live) this.lastUsage = { ...live };
        yield ev;
        step = await this.gen.next();
      }
      done = true;
    } finally {
      // Left early: close the model's stream now, not at garbage collection.
      if (!done) await this.gen.return(undefined);
    }
  }

  /** The response as received so far; `usage` as far as the stream has reported it. */
  get response(): ModelResponse {
    const live = this.liveUsage?.() ?? this.lastUsage;
    return { kind: 'response', parts: this.parts.getParts(), usage: live ? { ...live } : { inputTokens: 0, outputTokens: 0 }, modelName: this.state.model.modelName, timestamp: this.state.now() };
  }

  /**
   * Usage of the whole run so far, the request being streamed included (its tokens as far as
   * the stream has reported them).
   */
  usage(): RunUsage {
    const u = this.state.usage.clone();
    const live = this.liveUsage?.();
    if (live) u.incr(live);
    return u;
  }

  /**
   * Streams the response's text: the whole text so far (default), or each new piece (`delta`).
   * `TextOutput` functions and output validators are not applied (use `streamOutput()`).
   * @throws UserError when the run's output is not text.
   */
  streamText(options: StreamTextOptions = {}): AsyncIterable<string> {
    if (this.state.output.mode !== 'text' || this.state.output.processText === undefined) throw new UserError('streamText() can only be used with text responses');
    return streamTextOf(this, options);
  }

  /**
   * Streams the output as it forms (partial objects, text so far through `TextOutput`), then
   * the validated output last, as pydantic-ai's `stream_output`. Unlike pydantic-ai, partial
   * values are not validated and output validators run only on the final value.
   * @throws UnexpectedModelBehavior when the complete output is not valid.
   */
  streamOutput(options: { debounceMs?: number } = {}): AsyncIterable<O> {
    const self = this;
    const source = async function* (): AsyncGenerator<O> {
      if (self.cachedOutput) {
        yield self.cachedOutput.value;
        return;
      }
      let lastJson: string | undefined;
      for await (const ev of self) {
        if (!self.finalSeen || ev.eventKind === 'final_result' || ev.eventKind === 'part_end') continue;
        const p = await partialOutputOf(self.state, self.parts.getParts(), self.finalToolName);
        if (p === undefined) continue;
        const json = JSON.stringify(p.value);
        if (json === lastJson) continue;
        lastJson = json;
        yield p.value as O;
      }
      if (self.finalSeen) yield await self.getOutput();
    };
    return debounced(source(), options.debounceMs ?? 0, (_a, b) => b);
  }

  /**
   * Consumes the rest of the stream and returns the validated output of this response.
   * @throws UnexpectedModelBehavior when the output is not valid.
   */
  async getOutput(): Promise<O> {
    if (this.cachedOutput) return this.cachedOutput.value;
    if (!this.started) for await (const _ of this) void _;
    const value = (await finalOutputOf(this.state, this.response, this.finalToolName)) as O;
    this.cachedOutput = { value };
    return value;
  }
}
