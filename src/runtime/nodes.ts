/**
 * The nodes of an agent run's graph (pydantic-ai's `_agent_graph.py`):
 * `UserPromptNode -> ModelRequestNode -> CallToolsNode -> (ModelRequestNode | End)`.
 * Each node is data plus a step; `AgentRun.next(node)` runs the step and returns the next node.
 */
import { ModelRetry, UnexpectedModelBehavior, UserError } from './errors.js';
import { cleanMessageHistory } from './messages.js';
import type { ModelMessage, ModelRequest, ModelRequestPart, ModelResponse, RetryPromptPart, ToolCallPart, UserContent } from './messages.js';
import type { Model, ModelRequestParameters } from './model.js';
import { PartsManager } from './parts-manager.js';
import { buildRunContext, consumeOutputRetry, rollToolRetries, throwIfAborted } from './run-state.js';
import { AgentStream } from './agent-stream.js';
import type { RequestUsage } from './usage.js';
import type { RunState } from './run-state.js';
import { StreamedResponse } from './streamed-response.js';
import type { AgentStreamEvent, HandleResponseEvent, ModelResponseStreamEvent } from './stream-events.js';
import { processToolCalls, runOutputValidators } from './tool-execution.js';
import { plainTextOutput, renderPromptedInstructions } from './output.js';
import type { FinalResult } from './tool-execution.js';
import { planResume } from './deferred-calls.js';
import type { ResumeResults } from './deferred-calls.js';
import { prepareStepTools } from './tool-manager.js';
import { applyModelRequestHooks, hasRequestHooks, requestThroughHooks, stampMessage, toolsetInstructions } from './node-hooks.js';
import type { ModelSettings } from './settings.js';

const NO_SETTINGS: unique symbol = Symbol('no settings');

export type { FinalResult } from './tool-execution.js';

/** Opaque handle on a run's state, passed to `node.stream(run.ctx)`. */
export interface GraphRunContext {
  /** @internal */
  readonly state: RunState<any>;
}

async function resolvePrompts<Deps>(state: RunState<Deps>, items: RunState<Deps>['instructions']): Promise<string[]> {
  const out: string[] = [];
  let ctx;
  for (const item of items) {
    if (typeof item === 'string') {
      if (item !== '') out.push(item);
    } else {
      ctx ??= buildRunContext(state);
      const v = await item(ctx);
      if (v !== undefined && v !== '') out.push(v);
    }
  }
  return out;
}

/**
 * The agent's instructions for the next request: plain strings first, then those from
 * functions (pydantic-ai's `InstructionPart.sorted`), each stripped of surrounding whitespace,
 * empty ones left out, joined by a blank line.
 */
async function agentInstructions<Deps>(state: RunState<Deps>): Promise<string[]> {
  if (state.instructions.length === 0) return [];
  const fixed = state.instructions.filter((i) => typeof i === 'string');
  const fns = fixed.length === state.instructions.length ? [] : state.instructions.filter((i) => typeof i !== 'string');
  const out: string[] = [];
  for (const v of await resolvePrompts(state, [...fixed, ...fns])) {
    const t = v.trim();
    if (t !== '') out.push(t);
  }
  return out;
}

/** Whether a request can carry instructions at all (agent, toolset or prompted-output ones). */
function hasInstructions(state: RunState<any>): boolean {
  const out = state.output;
  return state.instructions.length > 0 || state.toolset.hasInstructions || out.promptedTemplate !== undefined || out.promptedInstructions !== undefined;
}

/**
 * Instructions for the next request: the agent's (static, then dynamic), then the prompted-output
 * ones rendered from the model's customized output schema (as pydantic-ai renders them after
 * `customize_request_parameters`), joined by a blank line.
 */
async function computeInstructions<Deps>(state: RunState<Deps>, params: ModelRequestParameters): Promise<string | undefined> {
  const out = state.output;
  const toolsetHas = state.toolset.hasInstructions;
  if (!hasInstructions(state)) return undefined;
  const parts = state.instructions.length === 0 ? [] : await agentInstructions(state);
  if (toolsetHas) await toolsetInstructions(state, parts);
  if (out.promptedTemplate !== undefined && params.outputObject !== undefined && params.outputObject !== out.outputObject) {
    parts.push(renderPromptedInstructions(out.promptedTemplate, params.outputObject));
  } else if (out.promptedInstructions !== undefined) parts.push(out.promptedInstructions);
  return parts.length === 0 ? undefined : parts.join('\n\n');
}

/** The first node: builds the first request from the prompt, system prompts and history. */
export class UserPromptNode {
  readonly nodeKind = 'user-prompt' as const;
  constructor(
    /** The user prompt; `undefined` when the run continues a history without a new prompt. */
    readonly userPrompt: string | readonly UserContent[] | undefined,
  ) {}

  /**
   * @internal
   * @throws UserError for a new prompt over a history whose last response has unanswered tool
   *   calls (as pydantic-ai).
   */
  run(state: RunState<any>): Promise<ModelRequestNode | CallToolsNode> {
    // The common start (a text prompt, no history, no system prompts): no async frame.
    if (typeof this.userPrompt === 'string' && state.messages.length === 0 && state.systemPrompts.length === 0 && state.deferredToolResults === undefined) {
      try {
        return Promise.resolve(new ModelRequestNode({ kind: 'request', parts: [{ partKind: 'user-prompt', content: this.userPrompt, timestamp: state.now() }] }));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.runFromHistory(state);
  }

  private async runFromHistory(state: RunState<any>): Promise<ModelRequestNode | CallToolsNode> {
    const history = state.messages;
    if (state.deferredToolResults !== undefined) {
      const plan = planResume(history, state.deferredToolResults);
      state.deferredToolResults = undefined;
      return new CallToolsNode(plan.response, { resume: plan.resume, skip: plan.skip, userPrompt: this.userPrompt });
    }
    const last = history[history.length - 1];
    if (this.userPrompt === undefined) {
      if (last?.kind === 'request') {
        // A history ending in a request is sent again (with current instructions); it is not a new message.
        history.pop();
        state.newMessageIndex = history.length + 1;
        const prompts = last.parts.filter((p) => p.partKind === 'user-prompt');
        if (prompts.length === 1) state.prompt = prompts[0]!.content;
        else if (prompts.length > 1) state.prompt = prompts.flatMap((p) => (typeof p.content === 'string' ? [p.content] : p.content));
        const resumed: ModelRequest = { kind: 'request', parts: [...last.parts] };
        if (last.instructions !== undefined) resumed.instructions = last.instructions;
        return new ModelRequestNode(resumed);
      }
      if (last?.kind === 'response') {
        // Pending tool calls are answered first; with instructions, a new request carries them.
        if (last.parts.some((p) => p.partKind === 'tool-call')) return new CallToolsNode(last);
        if ((await agentInstructions(state)).length === 0) return new CallToolsNode(last);
      }
    } else if (last?.kind === 'response' && last.parts.some((p) => p.partKind === 'tool-call')) {
      throw new UserError('Cannot provide a new user prompt when the message history contains unprocessed tool calls.');
    }
    const parts: ModelRequestPart[] = [];
    const ts = state.now();
    if (history.length === 0 && state.systemPrompts.length > 0) {
      for (const sp of await resolvePrompts(state, state.systemPrompts)) parts.push({ partKind: 'system-prompt', content: sp, timestamp: ts });
    }
    if (this.userPrompt !== undefined) {
      const content = typeof this.userPrompt === 'string' ? this.userPrompt : [...this.userPrompt];
      parts.push({ partKind: 'user-prompt', content, timestamp: ts });
    }
    return new ModelRequestNode({ kind: 'request', parts });
  }
}

function isFinalStart(state: RunState<any>, ev: ModelResponseStreamEvent): AgentStreamEvent | undefined {
  if (ev.eventKind !== 'part_start') return undefined;
  const p = ev.part;
  if (p.partKind === 'text' && state.output.processText !== undefined) return { eventKind: 'final_result' };
  if (p.partKind === 'tool-call' && state.output.tools.has(p.toolName)) {
    return { eventKind: 'final_result', toolName: p.toolName, toolCallId: p.toolCallId };
  }
  return undefined;
}

/** Parameters and messages of one model request. */
interface Prepared {
  params: ModelRequestParameters;
  messages: ModelMessage[];
}

/** The model request inside the instrumentation's chat span. */
function instrumentedRequest(state: RunState<any>, model: Model, messages: ModelMessage[], settings: ModelSettings | undefined, params: ModelRequestParameters): Promise<ModelResponse> {
  return state.instrumentation!.chat(model, messages, settings, params, () => model.request(messages, settings, params));
}

/** The model request through the capabilities' request hooks (and the chat span when instrumented). */
function hookedRequest(state: RunState<any>, messages: ModelMessage[], settings: ModelSettings | undefined, params: ModelRequestParameters): Promise<ModelResponse> {
  return requestThroughHooks(state, { model: state.model, messages, modelSettings: settings, modelRequestParameters: params }, (rc) =>
    state.instrumentation ? instrumentedRequest(state, rc.model, rc.messages, rc.modelSettings, rc.modelRequestParameters) : rc.model.request(rc.messages, rc.modelSettings, rc.modelRequestParameters),
  );
}

/**
 * `UsageLimits.countTokensBeforeRequest`: asks the model to count the request's tokens and checks
 * the limits with them added (pydantic-ai's `count_tokens_before_request`).
 * @throws UserError when the model has no `countTokens`; UsageLimitExceeded.
 */
async function countTokensBeforeRequest(state: RunState<any>, prepared: Prepared, settings: ModelSettings | undefined): Promise<Prepared> {
  const model = state.model;
  if (model.countTokens === undefined) throw new UserError(`Token counting ahead of the request is not supported by ${model.constructor.name}`);
  const counted = await model.countTokens(prepared.messages, settings, prepared.params);
  const limits = state.usageLimits!;
  const usage = state.usage.clone();
  usage.incr(counted);
  limits.checkPerRequestInputTokens(counted.inputTokens);
  limits.checkBeforeRequest(usage);
  return prepared;
}

/** Sends `request` to the model. After it runs, `.response` holds the model's answer. */
export class ModelRequestNode {
  readonly nodeKind = 'model-request' as const;
  private result: ModelResponse | undefined;
  private streamed = false;
  /** Settings a `beforeModelRequest` hook chose for this request. */
  private settings: ModelSettings | undefined | typeof NO_SETTINGS = NO_SETTINGS;
  constructor(readonly request: ModelRequest) {}

  /** The response, once the node has run or been streamed. */
  get response(): ModelResponse | undefined {
    return this.result;
  }

  /**
   * Starts the step: request appended to the history, instructions set, limits checked.
   * Returns the parameters and a fresh, cleaned copy of the messages for the model; synchronously
   * when nothing on the way is asynchronous (static tools, no instructions, no request hooks).
   * @throws UserError when there is nothing to send; UsageLimitExceeded.
   */
  private prepare(state: RunState<any>): Prepared | Promise<Prepared> {
    throwIfAborted(state);
    rollToolRetries(state);
    const preparing = prepareStepTools(state, state.runStep + 1);
    return preparing === undefined ? this.prepareRequest(state) : preparing.then(() => this.prepareRequest(state));
  }

  private prepareRequest(state: RunState<any>): Prepared | Promise<Prepared> {
    const customize = state.model.customizeRequestParameters;
    const params = customize ? customize.call(state.model, state.requestParams) : state.requestParams;
    if (!hasInstructions(state)) return this.appendRequest(state, params, undefined);
    return computeInstructions(state, params).then((instructions) => this.appendRequest(state, params, instructions));
  }

  private appendRequest(state: RunState<any>, params: ModelRequestParameters, instructions: string | undefined): Prepared | Promise<Prepared> {
    if (instructions !== undefined) this.request.instructions = instructions;
    else delete this.request.instructions;
    if (state.messages.length === 0 && this.request.parts.length === 0 && instructions === undefined) {
      throw new UserError('No message history, user prompt, or instructions provided');
    }
    stampMessage(state, this.request);
    state.messages.push(this.request);
    state.runStep += 1;
    state.lastMaxTokens = state.modelSettings?.maxTokens;
    state.usageLimits?.checkBeforeRequest(state.usage);
    let prepared: Prepared | Promise<Prepared>;
    if (state.capability?.has('beforeModelRequest')) {
      prepared = applyModelRequestHooks(state, params).then((rc) => {
        this.settings = rc.modelSettings;
        return { params: rc.modelRequestParameters, messages: cleanMessageHistory(state.messages) };
      });
    } else prepared = { params, messages: cleanMessageHistory(state.messages) };
    if (state.usageLimits?.countTokensBeforeRequest !== true) return prepared;
    return Promise.resolve(prepared).then((p) => countTokensBeforeRequest(state, p, this.settings === NO_SETTINGS ? state.modelSettings : this.settings));
  }

  private finish(state: RunState<any>, response: ModelResponse, counted: boolean): CallToolsNode {
    if (response.modelName === undefined) response.modelName = state.model.modelName;
    stampMessage(state, response);
    if (!counted) state.usage.requests += 1;
    state.usage.incr(response.usage);
    state.messages.push(response);
    const limits = state.usageLimits;
    if (limits !== undefined) {
      limits.checkTokens(state.usage);
      if (limits.perRequestInputTokensLimit !== undefined) limits.checkPerRequestInputTokens(response.usage.inputTokens);
    }
    this.result = response;
    return new CallToolsNode(response);
  }

  /** @internal */
  async run(state: RunState<any>): Promise<CallToolsNode> {
    if (this.result !== undefined) return new CallToolsNode(this.result);
    if (this.streamed) throw new Error('ModelRequestNode: the stream was not consumed to the end');
    const prepared = this.prepare(state);
    const { params, messages } = prepared instanceof Promise ? await prepared : prepared;
    const settings = this.settings === NO_SETTINGS ? state.modelSettings : this.settings;
    const response =
      state.capability !== undefined && hasRequestHooks(state.capability)
        ? await hookedRequest(state, messages, settings, params)
        : state.instrumentation
          ? await instrumentedRequest(state, state.model, messages, settings, params)
          : await state.model.request(messages, settings, params);
    return this.finish(state, response, false);
  }

  /**
   * Streams the model's response as pydantic-ai's `AgentStream`: iterate it for part events
   * (plus one `final_result` event right after the part that starts the final result), or use
   * `streamText()`, `streamOutput()`, `getOutput()`; `usage()` includes the streaming request.
   * Consume it, then call `run.next(node)`.
   */
  stream<O = unknown>(ctx: GraphRunContext): AgentStream<O> {
    return new AgentStream<O>(ctx.state, this.streamEvents(ctx.state), () => this.liveUsage?.());
  }

  /** @internal The stream's current usage (tokens of the response so far), while it is open. */
  liveUsage: (() => RequestUsage) | undefined;

  /** @internal */
  async *streamEvents(state: RunState<any>): AsyncGenerator<AgentStreamEvent, CallToolsNode> {
    if (this.result !== undefined || this.streamed) throw new Error('ModelRequestNode: already run or streamed');
    this.streamed = true;
    const { params, messages } = await this.prepare(state);
    const instr = state.instrumentation;
    const span = instr?.startChat(state.model, messages, state.modelSettings, params);
    let response: ModelResponse | undefined;
    let spanOpen = span !== undefined;
    const limits = state.usageLimits?.hasTokenLimits ? state.usageLimits : undefined;
    try {
      const source = state.model.requestStream(messages, state.modelSettings, params);
      state.usage.requests += 1;
      const streamed = source instanceof StreamedResponse ? source : undefined;
      const manager = streamed ? undefined : new PartsManager();
      if (streamed) this.liveUsage = () => streamed.usage;
      let finalSent = false;
      for await (const ev of source) {
        manager?.applyEvent(ev);
        if (limits && streamed) {
          const u = state.usage.clone();
          u.incr(streamed.usage);
          limits.checkTokens(u);
          limits.checkPerRequestInputTokens(streamed.usage.inputTokens);
        }
        yield ev;
        if (!finalSent) {
          const f = isFinalStart(state, ev);
          if (f) {
            finalSent = true;
            yield f;
          }
        }
      }
      response = streamed
        ? streamed.get()
        : { kind: 'response', parts: manager!.getParts(), usage: { inputTokens: 0, outputTokens: 0 }, modelName: state.model.modelName, timestamp: state.now() };
    } catch (e) {
      if (span) instr!.failChat(span, e);
      spanOpen = false;
      throw e;
    } finally {
      this.liveUsage = undefined;
      // the consumer stopped iterating early: close the span without a response
      if (spanOpen && response === undefined) span!.end();
    }
    if (span) instr!.endChat(span, response);
    return this.finish(state, response, true);
  }
}

/** Handles a model response: runs tools, validates output, decides whether the run ends. */
export class CallToolsNode {
  readonly nodeKind = 'call-tools' as const;
  private next: ModelRequestNode | End<unknown> | undefined;
  constructor(
    readonly modelResponse: ModelResponse,
    /** @internal Deferred results applied to this response's calls (a continued run). */
    private readonly resume?: { resume: ResumeResults; skip: ReadonlySet<string>; userPrompt: string | readonly UserContent[] | undefined },
  ) {}

  /** @internal */
  run(state: RunState<any>): Promise<ModelRequestNode | End<unknown>> {
    if (this.next) return Promise.resolve(this.next);
    // `handle` records the next node itself (one async frame per step, not two)
    return this.handle(state, undefined);
  }

  /** Streams tool events while the tools run: `function_tool_call` / `function_tool_result`, `output_tool_call` / `output_tool_result`. */
  stream(ctx: GraphRunContext): AsyncIterable<HandleResponseEvent> {
    return this.streamEvents(ctx.state);
  }

  /** @internal */
  async *streamEvents(state: RunState<any>): AsyncGenerator<HandleResponseEvent, ModelRequestNode | End<unknown>> {
    if (this.next) return this.next;
    const queue: HandleResponseEvent[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    let error: unknown;
    let hasError = false;
    const p = this.handle(state, (e) => {
      queue.push(e);
      wake?.();
    }).then(
      (n) => {
        this.next = n;
        done = true;
        wake?.();
      },
      (e: unknown) => {
        error = e;
        hasError = true;
        done = true;
        wake?.();
      },
    );
    while (true) {
      while (queue.length > 0) yield queue.shift()!;
      if (done) break;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
    await p;
    if (hasError) throw error;
    return this.next!;
  }

  private retryRequest(part: RetryPromptPart): ModelRequestNode {
    return this.request([part]);
  }

  /** The next request (recorded as this node's next). */
  private request(parts: ModelRequestPart[]): ModelRequestNode {
    const next = new ModelRequestNode({ kind: 'request', parts });
    this.next = next;
    return next;
  }

  /** The run's end (recorded as this node's next). */
  private end(state: RunState<any>, final: FinalResult<unknown>, parts: ModelRequestPart[]): End<unknown> {
    if (parts.length > 0) state.messages.push(stampMessage(state, { kind: 'request', parts }));
    const next = new End(final);
    this.next = next;
    return next;
  }

  /** Turns text into the final output (output function, schema, validators); or the retry part. */
  private async textOutput(state: RunState<any>, text: string): Promise<FinalResult<unknown> | RetryPromptPart> {
    const proc = state.output.processText!;
    let r;
    try {
      // plain text output needs no run context
      const p = proc === plainTextOutput ? plainTextOutput(text) : proc(text, buildRunContext(state, { retry: state.outputRetriesUsed, maxRetries: state.outputRetries }));
      r = p instanceof Promise ? await p : p;
    } catch (e) {
      if (e instanceof ModelRetry) return { partKind: 'retry-prompt', content: e.message, toolCallId: state.newId(), timestamp: state.now() };
      throw e;
    }
    if (!r.ok) return { partKind: 'retry-prompt', content: r.details, toolCallId: state.newId(), timestamp: state.now() };
    if (state.outputValidators.length === 0) return { output: r.value };
    const v = await runOutputValidators(state, r.value, undefined);
    if (!v.ok) return { partKind: 'retry-prompt', content: v.error.message, toolCallId: state.newId(), timestamp: state.now() };
    return { output: v.value };
  }

  private async handle(state: RunState<any>, emit: ((e: HandleResponseEvent) => void) | undefined): Promise<ModelRequestNode | End<unknown>> {
    throwIfAborted(state);
    const response = this.modelResponse;
    let text = '';
    let calls: ToolCallPart[] | undefined;
    for (const p of response.parts) {
      if (p.partKind === 'text') text += p.content;
      else if (p.partKind === 'tool-call') (calls ??= []).push(p);
    }
    if (calls === undefined && text === '' && response.finishReason === 'length') {
      // As pydantic-ai: no retry when the token limit was hit before any output (possibly while thinking).
      throw new UnexpectedModelBehavior(
        `Model token limit (${state.lastMaxTokens ?? 'provider default'}) exceeded before any response was generated. ` +
          'Increase the `maxTokens` model setting, or simplify the prompt to result in a shorter response that will fit within the limit.',
      );
    }
    if (calls !== undefined) {
      // Plain text never pre-empts function tools; under 'early', text validated against a
      // schema (native/prompted output) does, when every call is a function tool.
      let preFinal: FinalResult<unknown> | undefined;
      const out = state.output;
      if (state.endStrategy === 'early' && text !== '' && (out.mode === 'native' || out.mode === 'prompted') && calls.every((c) => !out.tools.has(c.toolName))) {
        const r = await this.textOutput(state, text);
        if (!('partKind' in r)) preFinal = r;
      }
      const r = this.resume;
      if (r !== undefined) calls = calls.filter((c) => !r.skip.has(c.toolCallId));
      if (state.toolsStep === -1) await prepareStepTools(state, state.runStep);
      state.resume = r?.resume;
      let outcome;
      try {
        outcome = await processToolCalls(state, calls, preFinal, emit, (parts) => state.messages.push(stampMessage(state, { kind: 'request', parts: [...parts] })));
      } finally {
        state.resume = undefined;
      }
      if (outcome.finalResult !== undefined) return this.end(state, outcome.finalResult, outcome.parts);
      if (r?.userPrompt !== undefined) {
        outcome.parts.push({ partKind: 'user-prompt', content: typeof r.userPrompt === 'string' ? r.userPrompt : [...r.userPrompt], timestamp: state.now() });
      }
      return this.request(outcome.parts);
    }
    const alternatives: string[] = [];
    if (state.output.tools.size > 0) alternatives.push('include your response in a tool call');
    else if (state.tools.size > 0) alternatives.push('call a tool');
    if (state.output.processText !== undefined) {
      if (text !== '') {
        const r = await this.textOutput(state, text);
        if (!('partKind' in r)) return this.end(state, r, []);
        consumeOutputRetry(state);
        return this.retryRequest(r);
      }
      alternatives.unshift('return text');
    }
    consumeOutputRetry(state);
    return this.retryRequest({ partKind: 'retry-prompt', content: `Please ${alternatives.join(' or ')}.`, toolCallId: state.newId(), timestamp: state.now() });
  }
}

/** The last node: the run's final result. */
export class End<O> {
  readonly nodeKind = 'end' as const;
  constructor(readonly data: FinalResult<O>) {}
}

/** Any node of an agent run. */
export type AgentNode<O = unknown> = UserPromptNode | ModelRequestNode | CallToolsNode | End<O>;

export function isUserPromptNode(node: unknown): node is UserPromptNode {
  return node instanceof UserPromptNode;
}
export function isModelRequestNode(node: unknown): node is ModelRequestNode {
  return node instanceof ModelRequestNode;
}
export function isCallToolsNode(node: unknown): node is CallToolsNode {
  return node instanceof CallToolsNode;
}
export function isEndNode<O = unknown>(node: unknown): node is End<O> {
  return node instanceof End;
}
