/**
 * Streaming runs: `agent.runStream` (a `StreamedRunResult` over the final response) and
 * `agent.runStreamEvents` (every event of the run), as pydantic-ai's `run_stream` and
 * `run_stream_events`.
 */
import { PartsManager } from './parts-manager.js';
import { debounced, partialOutputOf, streamTextOf } from './agent-stream.js';
export type { StreamTextOptions } from './agent-stream.js';
import type { StreamTextOptions } from './agent-stream.js';
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
    let streamDone = this.gen === undefined;
    try {
      for (const ev of this.buffered) yield ev;
      if (this.gen) {
        yield this.finalResultEvent;
        let step = await this.gen.next();
        while (!step.done) {
          yield step.value;
          step = await this.gen.next();
        }
        streamDone = true;
        r.advance(step.value);
      }
      yield* this.rest(r);
    } catch (e) {
      r.fail(e);
      throw e;
    } finally {
      // Left early (e.g. `break` out of `streamText()`): close the model's stream now.
      if (!streamDone) await this.gen!.return(undefined as never);
    }
  }

  /**
   * Drives the rest of the run with streamed requests (so a stream-only model works). A later
   * response that produces the final result (after a retry) is yielded from its start, after
   * its `final_result` event; other responses are not yielded.
   */
  private async *rest(r: AgentRun<unknown>): AsyncGenerator<AgentStreamEvent> {
    let node = r.nextNode;
    while (!(node instanceof End)) {
      if (!(node instanceof ModelRequestNode)) {
        node = await r.next(node);
        continue;
      }
      const g = node.streamEvents(r.state);
      const buffered: AgentStreamEvent[] = [];
      let live = false;
      let done = false;
      try {
        let step = await g.next();
        while (!step.done) {
          const ev = step.value;
          if (live) yield ev;
          else if (ev.eventKind === 'final_result') {
            live = true;
            yield ev;
            yield* buffered;
          } else buffered.push(ev);
          step = await g.next();
        }
        done = true;
        node = step.value;
        r.advance(node);
      } finally {
        if (!done) await g.return(undefined as never);
      }
    }
  }

  /**
   * Streams the text of the final response.
   * @throws Error when the final result comes from an output tool (structured output).
   */
  streamText(options: StreamTextOptions = {}): AsyncIterable<string> {
    if (this.finalResultEvent.toolName !== undefined) throw new Error('streamText() is for text output; this run ends with an output tool: use streamOutput()');
    return streamTextOf(this.events(), options);
  }

  /**
   * Streams the output as it forms: for text, the text so far (through a `TextOutput`
   * function); for an output tool or native/prompted output, the JSON parsed leniently (a
   * partial object; a non-object output is given as the value, not its `{ response }`
   * wrapper); the last value is always the validated output of the run. Where pydantic-ai
   * validates each partial value and runs the output validators on it, rehearse yields partial
   * values unvalidated and runs the validators once, on the final output.
   */
  streamOutput(options: { debounceMs?: number } = {}): AsyncIterable<O | Partial<O>> {
    const self = this;
    const toolName = this.finalResultEvent.toolName;
    const state = (this.run as unknown as AgentRun<unknown>).state;
    const source = async function* (): AsyncGenerator<O | Partial<O>> {
      let parts = new PartsManager();
      let lastJson: string | undefined;
      let first = true;
      for await (const ev of self.events()) {
        if (ev.eventKind === 'final_result') {
          // a later response (after a retry) starts the final result again
          if (!first) parts = new PartsManager();
          first = false;
          continue;
        }
        if (ev.eventKind === 'part_start' || ev.eventKind === 'part_delta') parts.applyEvent(ev);
        else continue;
        const p = await partialOutputOf(state, parts.getParts(), toolName);
        if (p === undefined) continue;
        const json = JSON.stringify(p.value);
        if (json === lastJson) continue;
        lastJson = json;
        yield p.value as O;
      }
      // the validated output last, even when it equals the last partial (as pydantic-ai)
      yield self.run.result!.output;
    };
    return debounced(source(), options.debounceMs ?? 0, (_a, b) => b);
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
