/**
 * Streaming runs: `agent.runStream` (a `StreamedRunResult` over the final response) and
 * `agent.runStreamEvents` (every event of the run), as pydantic-ai's `run_stream` and
 * `run_stream_events`.
 */
import type { AgentRun, AgentRunResult } from './agent-run.js';
import type { ModelMessage } from './messages.js';
import { CallToolsNode, End, ModelRequestNode } from './nodes.js';
import type { AgentNode } from './nodes.js';
import type { AgentEvent, AgentStreamEvent, FinalResultEvent, HandleResponseEvent } from './stream-events.js';
import type { RunUsage } from './usage.js';

type StepGen = AsyncGenerator<AgentStreamEvent | HandleResponseEvent, AgentNode<unknown>>;

function stepGenerator(run: AgentRun<unknown>, node: AgentNode<unknown>): StepGen | undefined {
  if (node instanceof ModelRequestNode) return node.streamEvents(run.state) as StepGen;
  if (node instanceof CallToolsNode) return node.streamEvents(run.state) as StepGen;
  return undefined;
}

/** Yields every event of a run; last an `agent_run_result` event. */
export async function* runStreamEventsImpl<O>(run: AgentRun<O>): AsyncGenerator<AgentEvent<AgentRunResult<O>>> {
  const r = run as unknown as AgentRun<unknown>;
  let node = r.nextNode;
  try {
    while (!(node instanceof End)) {
      const gen = stepGenerator(r, node);
      if (gen === undefined) {
        node = await r.next(node);
        continue;
      }
      let step = await gen.next();
      while (!step.done) {
        yield step.value;
        step = await gen.next();
      }
      node = step.value;
      r.advance(node);
    }
  } catch (e) {
    r.fail(e);
    throw e;
  }
  yield { eventKind: 'agent_run_result', result: run.result! };
}

/**
 * Drives `run` until a model response starts producing the final result, then returns a
 * `StreamedRunResult` over the rest of that response.
 */
export async function runStreamImpl<O>(run: AgentRun<O>): Promise<StreamedRunResult<O>> {
  const r = run as unknown as AgentRun<unknown>;
  let node = r.nextNode;
  try {
    while (!(node instanceof End)) {
      if (node instanceof ModelRequestNode) {
        const gen = node.streamEvents(r.state);
        const buffered: AgentStreamEvent[] = [];
        let step = await gen.next();
        while (!step.done) {
          const ev = step.value;
          if (ev.eventKind === 'final_result') return new StreamedRunResult<O>(run, gen, buffered, ev);
          buffered.push(ev);
          step = await gen.next();
        }
        node = step.value;
        r.advance(node);
      } else {
        node = await r.next(node);
      }
    }
  } catch (e) {
    r.fail(e);
    throw e;
  }
  // The run ended without streaming a final result (e.g. history continuation): nothing left to stream.
  return new StreamedRunResult<O>(run, undefined, [], { eventKind: 'final_result' });
}

/** Options of `streamText`. */
export interface StreamTextOptions {
  /** Yield each new piece of text (`true`) or the whole text so far (`false`, default, as pydantic-ai). */
  delta?: boolean;
  /** Group updates arriving within this many milliseconds into one. Default 0: every delta is yielded. */
  debounceMs?: number;
}

/**
 * The result of `agent.runStream`: the final response as it streams. Once the stream is
 * consumed, the response is handled as `run` would handle it (remaining tool calls under the
 * end strategy, output validation). Where pydantic-ai's `run_stream` raises when the streamed
 * output fails validation, rehearse goes on with the retry as `run` does, and `getOutput()`
 * returns the output the run finally produced.
 */
export class StreamedRunResult<O> {
  private consumed = false;
  private finished: Promise<void> | undefined;

  /** @internal */
  constructor(
    private readonly run: AgentRun<O>,
    private readonly gen: AsyncGenerator<AgentStreamEvent, CallToolsNode> | undefined,
    private readonly buffered: AgentStreamEvent[],
    /** The event that marked the final result: `toolName` set for an output tool. */
    readonly finalResultEvent: FinalResultEvent,
  ) {}

  /** Whether the stream has been consumed and the run has ended. */
  get isComplete(): boolean {
    return this.run.result !== undefined;
  }

  /** Yields the response's part events (those already seen first), once. */
  private async *events(): AsyncGenerator<AgentStreamEvent> {
    if (this.consumed) throw new Error('This stream has already been consumed');
    this.consumed = true;
    const r = this.run as unknown as AgentRun<unknown>;
    try {
      for (const ev of this.buffered) yield ev;
      if (this.gen) {
        let step = await this.gen.next();
        while (!step.done) {
          yield step.value;
          step = await this.gen.next();
        }
        r.advance(step.value);
      }
      await this.run.drive();
    } catch (e) {
      r.fail(e);
      throw e;
    }
  }

  private async *debounced<T>(source: AsyncIterable<T>, debounceMs: number, merge: (a: T, b: T) => T): AsyncGenerator<T> {
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
   * Streams the text of the final response.
   * @throws Error when the final result comes from an output tool (structured output).
   */
  streamText(options: StreamTextOptions = {}): AsyncIterable<string> {
    if (this.finalResultEvent.toolName !== undefined) throw new Error('streamText() is for text output; this run ends with an output tool: use streamOutput()');
    const self = this;
    const deltas = async function* () {
      for await (const ev of self.events()) {
        if (ev.eventKind === 'part_start' && ev.part.partKind === 'text' && ev.part.content !== '') yield ev.part.content;
        else if (ev.eventKind === 'part_delta' && ev.delta.partDeltaKind === 'text' && ev.delta.contentDelta !== '') yield ev.delta.contentDelta;
      }
    };
    const merged = this.debounced(deltas(), options.debounceMs ?? 0, (a, b) => a + b);
    if (options.delta) return merged;
    return (async function* () {
      let text = '';
      for await (const d of merged) {
        text += d;
        yield text;
      }
    })();
  }

  /**
   * Streams the output as it forms: for text, the text so far; for an output tool, the
   * arguments parsed leniently from partial JSON (a partial object), validated strictly at the
   * end — the last value is the validated output.
   */
  streamOutput(options: { debounceMs?: number } = {}): AsyncIterable<O | Partial<O>> {
    const self = this;
    const toolName = this.finalResultEvent.toolName;
    const source = async function* (): AsyncGenerator<O | Partial<O>> {
      // partial-json loads on first use, so importing rehearse does not pay for it
      const partialJson = toolName === undefined ? undefined : await import('partial-json');
      let text = '';
      let args = '';
      let index: number | undefined;
      let lastJson = '';
      for await (const ev of self.events()) {
        if (toolName === undefined) {
          if (ev.eventKind === 'part_start' && ev.part.partKind === 'text') text += ev.part.content;
          else if (ev.eventKind === 'part_delta' && ev.delta.partDeltaKind === 'text') text += ev.delta.contentDelta;
          else continue;
          if (text !== '' && text !== lastJson) {
            lastJson = text;
            yield text as O;
          }
        } else {
          if (ev.eventKind === 'part_start' && ev.part.partKind === 'tool-call' && ev.part.toolName === toolName && index === undefined) {
            index = ev.index;
            args = typeof ev.part.args === 'string' ? ev.part.args : JSON.stringify(ev.part.args);
          } else if (ev.eventKind === 'part_delta' && ev.index === index && ev.delta.partDeltaKind === 'tool_call' && ev.delta.argsDelta !== undefined) {
            const d = ev.delta.argsDelta;
            args = typeof d === 'string' ? args + d : JSON.stringify(d);
          } else continue;
          let partial: unknown;
          try {
            partial = args.trim() === '' ? undefined : partialJson!.parse(args);
          } catch {
            continue;
          }
          if (typeof partial !== 'object' || partial === null) continue;
          const json = JSON.stringify(partial);
          if (json === lastJson) continue;
          lastJson = json;
          yield partial as Awaited<Partial<O>>;
        }
      }
      const result = self.run.result!;
      if (JSON.stringify(result.output) !== lastJson) yield result.output;
    };
    return this.debounced(source(), options.debounceMs ?? 0, (_a, b) => b);
  }

  /** Consumes the rest of the stream, finishes the run and returns its output. */
  async getOutput(): Promise<O> {
    if (!this.consumed) {
      for await (const _ of this.events()) {
        /* drain */
      }
    } else {
      this.finished ??= this.run.drive().then(() => undefined);
      await this.finished;
    }
    return this.run.result!.output;
  }

  /** Usage so far (all of it once the stream is complete). */
  usage(): RunUsage {
    return this.run.usage();
  }
  /** Messages so far; complete once the stream is. */
  allMessages(): ModelMessage[] {
    return this.run.allMessages();
  }
  /** Messages added by this run so far. */
  newMessages(): ModelMessage[] {
    return this.run.newMessages();
  }
  /** The run result, once the stream is complete. */
  get result(): AgentRunResult<O> | undefined {
    return this.run.result;
  }
}
