/**
 * Base class for a model's streamed response, as pydantic-ai's `StreamedResponse`: the
 * subclass yields events built with `this.parts` (a `PartsManager`) and sets `usage`,
 * `modelName`, `finishReason` as data arrives; this class adds `PartEndEvent`s and builds the
 * final `ModelResponse` with `get()`.
 */
import type { FinishReason, ModelResponse } from './messages.js';
import { nowIso } from './messages.js';
import { PartsManager } from './parts-manager.js';
import type { ModelResponseStreamEvent } from './stream-events.js';
import type { RequestUsage } from './usage.js';

export abstract class StreamedResponse implements AsyncIterable<ModelResponseStreamEvent> {
  /** Assembles the parts; subclasses call its `handle*` methods and yield the events. */
  protected readonly parts = new PartsManager();
  /** Usage so far; subclasses update it (e.g. from OpenAI's final usage chunk). */
  usage: RequestUsage = { inputTokens: 0, outputTokens: 0 };
  modelName: string;
  /** ISO-8601 time the stream started. */
  timestamp: string = nowIso();
  finishReason: FinishReason | undefined;
  providerName: string | undefined;
  providerResponseId: string | undefined;
  providerDetails: Record<string, unknown> | undefined;
  private started = false;
  private done = false;

  constructor(modelName: string) {
    this.modelName = modelName;
  }

  /** Yields the stream's part events (no `PartEndEvent`s: this class adds them). */
  protected abstract iterateEvents(): AsyncIterable<ModelResponseStreamEvent>;

  /** True once the underlying stream has been fully consumed. */
  get isComplete(): boolean {
    return this.done;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ModelResponseStreamEvent> {
    if (this.started) throw new Error('A streamed response can only be iterated once');
    this.started = true;
    // As pydantic-ai: a part ends when the next part starts; parts still open end with the stream.
    let last: number | undefined;
    const ended = new Set<number>();
    const started: number[] = [];
    for await (const event of this.iterateEvents()) {
      if (event.eventKind === 'part_end') continue;
      if (event.eventKind === 'part_start' && event.index !== last) {
        if (last !== undefined) {
          const e = this.partEnd(ended, last);
          if (e) yield e;
        }
        last = event.index;
        started.push(event.index);
      }
      yield event;
    }
    for (const index of started) {
      const e = this.partEnd(ended, index);
      if (e) yield e;
    }
    this.done = true;
  }

  /** The `part_end` event of part `index`, once (`ended` holds the parts already ended). */
  private partEnd(ended: Set<number>, index: number): ModelResponseStreamEvent | undefined {
    if (ended.has(index)) return undefined;
    ended.add(index);
    const part = this.parts.partAt(index);
    return part ? { eventKind: 'part_end', index, part: { ...part } } : undefined;
  }

  /** The response as assembled so far. */
  get(): ModelResponse {
    const r: ModelResponse = {
      kind: 'response',
      parts: this.parts.getParts(),
      usage: { ...this.usage },
      modelName: this.modelName,
      timestamp: this.timestamp,
    };
    if (this.finishReason !== undefined) r.finishReason = this.finishReason;
    if (this.providerName !== undefined) r.providerName = this.providerName;
    if (this.providerResponseId !== undefined) r.providerResponseId = this.providerResponseId;
    if (this.providerDetails !== undefined) r.providerDetails = this.providerDetails;
    return r;
  }
}
