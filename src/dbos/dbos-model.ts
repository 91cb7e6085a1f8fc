/**
 * `DBOSModel`: a model wrapper whose requests run as DBOS steps inside a workflow, as
 * pydantic-ai's `durable_exec/dbos/_model.py`. `request` is the step `{prefix}__model.request`;
 * `requestStream` is `{prefix}__model.request_stream`, which consumes the provider's stream
 * inside the step (live events go to the event-stream handler there) and replays the recorded
 * response's parts as events on the workflow side. Outside a workflow, or inside a step, the
 * wrapped model is called directly.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { PartsManager, StreamedResponse } from '../runtime/index.js';
import type {
  AgentStreamEvent,
  HandleResponseEvent,
  Model,
  ModelMessage,
  ModelRequestParameters,
  ModelResponse,
  ModelResponseStreamEvent,
  ModelSettings,
} from '../runtime/index.js';
import { captureOutcome, unwrapOutcome } from './step-outcome.js';
import type { StepOutcome } from './step-outcome.js';

/**
 * DBOS step settings for model requests (DBOS `StepConfig`). Default: no retries (DBOS's
 * default), as pydantic-ai's `model_step_config`.
 */
export interface StepConfig {
  /** Retry the step when it throws a retryable error (HTTP, network). Default `false`. */
  retriesAllowed?: boolean;
  /** Seconds before the first retry. DBOS default 1. */
  intervalSeconds?: number;
  /** Attempts in all when retries are allowed. DBOS default 3. */
  maxAttempts?: number;
  /** Multiplier of the interval after each retry. DBOS default 2. */
  backoffRate?: number;
}

/** Events an event-stream handler receives. */
export type DurableStreamEvent = AgentStreamEvent | HandleResponseEvent;

/**
 * Receives a run's events: model stream events live inside the request step, tool events from
 * workflow code (pydantic-ai's `EventStreamHandler`). A handler may run again when a workflow
 * recovers before its step was recorded: keep its side effects idempotent.
 */
export type EventStreamHandler<Deps = unknown> = (ctx: { deps: Deps; agentName: string }, events: AsyncIterable<DurableStreamEvent>) => Promise<void>;

/** What a request step needs besides its arguments (not recorded: steps record outputs only). */
interface StepScope {
  model: Model;
  handler: ((events: AsyncIterable<DurableStreamEvent>) => Promise<void>) | undefined;
}

type RequestArgs = [messages: ModelMessage[], settings: ModelSettings | undefined, params: ModelRequestParameters];

/** True in workflow code (not inside a step): where a request must become a step. */
export function inWorkflowCode(): boolean {
  return DBOS.isWithinWorkflow() && !DBOS.isInStep();
}

/** A simple single-consumer async queue (events handed to a handler while a stream runs). */
class EventQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private closed = false;
  private wake: (() => void) | undefined;
  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }
  close(): void {
    this.closed = true;
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      while (this.items.length > 0) yield this.items.shift()!;
      if (this.closed) return;
      await new Promise<void>((r) => (this.wake = r));
      this.wake = undefined;
    }
  }
}

/** Consumes a model stream to its response, handing each event to `onEvent`. */
async function drainStream(model: Model, args: RequestArgs, onEvent: ((e: ModelResponseStreamEvent) => void) | undefined): Promise<ModelResponse> {
  const source = model.requestStream(...args);
  const streamed = source instanceof StreamedResponse ? source : undefined;
  const manager = streamed ? undefined : new PartsManager();
  for await (const ev of source) {
    manager?.applyEvent(ev);
    onEvent?.(ev);
  }
  if (streamed) return streamed.get();
  return { kind: 'response', parts: manager!.getParts(), usage: { inputTokens: 0, outputTokens: 0 }, modelName: model.modelName, timestamp: new Date().toISOString() };
}

/** Replays a recorded response as a stream: one `part_start` per part (ends added by the base class). */
class ReplayedResponse extends StreamedResponse {
  constructor(
    modelName: string,
    private readonly load: () => Promise<ModelResponse>,
  ) {
    super(modelName);
  }
  protected async *iterateEvents(): AsyncIterable<ModelResponseStreamEvent> {
    const r = await this.load();
    this.usage = { ...r.usage };
    if (r.modelName !== undefined) this.modelName = r.modelName;
    this.timestamp = r.timestamp;
    this.finishReason = r.finishReason;
    this.providerName = r.providerName;
    this.providerResponseId = r.providerResponseId;
    this.providerDetails = r.providerDetails;
    for (let index = 0; index < r.parts.length; index++) {
      const ev: ModelResponseStreamEvent = { eventKind: 'part_start', index, part: r.parts[index]! };
      this.parts.applyEvent(ev);
      yield ev;
    }
  }
}

/** The two registered request steps of one durable agent. */
export class ModelSteps {
  private readonly scope = new AsyncLocalStorage<StepScope>();
  private readonly requestStep: (...args: RequestArgs) => Promise<StepOutcome<ModelResponse>>;
  private readonly streamStep: (...args: RequestArgs) => Promise<StepOutcome<ModelResponse>>;

  /**
   * Registers `{prefix}__model.request` and `{prefix}__model.request_stream` with DBOS.
   * Must run before `DBOS.launch()`, as every DBOS registration.
   */
  constructor(prefix: string, config: StepConfig) {
    const retries = config.retriesAllowed === true;
    const current = (): StepScope => {
      const s = this.scope.getStore();
      if (s === undefined) throw new Error('rehearse: a DBOS model step ran outside its agent run');
      return s;
    };
    this.requestStep = DBOS.registerStep(
      async (...args: RequestArgs) => captureOutcome(() => current().model.request(...args), retries),
      { ...config, name: `${prefix}__model.request` },
    );
    this.streamStep = DBOS.registerStep(
      async (...args: RequestArgs) =>
        captureOutcome(async () => {
          const { model, handler } = current();
          if (handler === undefined) return drainStream(model, args, undefined);
          const queue = new EventQueue<DurableStreamEvent>();
          const handled = handler(queue);
          try {
            return await drainStream(model, args, (e) => queue.push(e));
          } finally {
            queue.close();
            await handled;
          }
        }, retries),
      { ...config, name: `${prefix}__model.request_stream` },
    );
  }

  /** Runs the request step for `model`. */
  request(model: Model, handler: StepScope['handler'], args: RequestArgs): Promise<ModelResponse> {
    return this.scope.run({ model, handler }, () => unwrapOutcome(this.requestStep.call(undefined, ...args)));
  }

  /** Runs the streamed-request step for `model`; resolves with the recorded response. */
  requestStream(model: Model, handler: StepScope['handler'], args: RequestArgs): Promise<ModelResponse> {
    return this.scope.run({ model, handler }, () => unwrapOutcome(this.streamStep.call(undefined, ...args)));
  }
}

/**
 * A model whose requests are DBOS steps in workflow code. Built per run by `DBOSAgent` around
 * the run's model (the agent's, the run's or an override's), so `TestModel`, `FunctionModel`
 * and cassette-backed models are checkpointed the same way.
 */
export class DBOSModel implements Model {
  readonly customizeRequestParameters?: (params: ModelRequestParameters) => ModelRequestParameters;
  readonly baseUrl?: string;

  constructor(
    /** The model that really answers. */
    readonly wrapped: Model,
    private readonly steps: ModelSteps,
    private readonly handler?: StepScope['handler'],
  ) {
    const customize = wrapped.customizeRequestParameters;
    if (customize) this.customizeRequestParameters = (p) => customize.call(wrapped, p);
    if (wrapped.baseUrl !== undefined) this.baseUrl = wrapped.baseUrl;
  }

  get modelName(): string {
    return this.wrapped.modelName;
  }
  get system(): string {
    return this.wrapped.system;
  }

  request(messages: ModelMessage[], settings: ModelSettings | undefined, params: ModelRequestParameters): Promise<ModelResponse> {
    if (!inWorkflowCode()) return this.wrapped.request(messages, settings, params);
    return this.steps.request(this.wrapped, this.handler, [messages, settings, params]);
  }

  requestStream(messages: ModelMessage[], settings: ModelSettings | undefined, params: ModelRequestParameters): AsyncIterable<ModelResponseStreamEvent> {
    if (!inWorkflowCode()) return this.wrapped.requestStream(messages, settings, params);
    return new ReplayedResponse(this.wrapped.modelName, () => this.steps.requestStream(this.wrapped, this.handler, [messages, settings, params]));
  }
}
