/**
 * `FunctionModel`: a model whose responses come from your function (pydantic-ai's
 * `models/function.py`). For tests that script exactly what the model says.
 */
import type {
  Model,
  ModelMessage,
  ModelRequestParameters,
  ModelResponse,
  ModelResponsePart,
  ModelResponseStreamEvent,
  ModelSettings,
  ToolDefinition,
} from '../runtime/index.js';
import { StreamedResponse, UserError, nowIso } from '../runtime/index.js';
import { estimateStringTokens, estimateUsage, ESTIMATED_REQUEST_OVERHEAD_TOKENS } from './estimate-usage.js';

/** What the function learns about the agent for this request (pydantic-ai's `AgentInfo`). */
export interface AgentInfo {
  /** Function tools the model may call. */
  functionTools: ToolDefinition[];
  /** Output tools (structured output), if any. */
  outputTools: ToolDefinition[];
  /** Whether plain text ends the run. */
  allowTextOutput: boolean;
  modelSettings: ModelSettings | undefined;
  modelRequestParameters: ModelRequestParameters;
  /** Instructions of this request (from the last `ModelRequest`), if any. */
  instructions: string | undefined;
}

/** An incremental change to a tool call in a stream (pydantic-ai's `DeltaToolCall`). */
export interface DeltaToolCall { deltaKind?: 'tool-call'; name?: string; jsonArgs?: string; toolCallId?: string }
/** An incremental change to a thinking part in a stream (pydantic-ai's `DeltaThinkingPart`). */
export interface DeltaThinkingPart { deltaKind?: 'thinking'; content?: string; signature?: string }

/** Tags a tool-call delta explicitly. */
export function DeltaToolCall(delta: Omit<DeltaToolCall, 'deltaKind'>): DeltaToolCall {
  return { deltaKind: 'tool-call', ...delta };
}
/** Tags a thinking delta explicitly. */
export function DeltaThinkingPart(delta: Omit<DeltaThinkingPart, 'deltaKind'>): DeltaThinkingPart {
  return { deltaKind: 'thinking', ...delta };
}

/** What a stream function yields: text deltas, or deltas keyed by part index. */
export type StreamItem = string | Record<number, DeltaToolCall | DeltaThinkingPart>;

/**
 * What a response function returns: the parts alone, or a response whose `kind`, `usage` and
 * `timestamp` may be left out (filled in: usage estimated, timestamp now).
 */
export type FunctionResponse = ModelResponsePart[] | (Partial<Omit<ModelResponse, 'parts'>> & { parts: ModelResponsePart[] });
/** A response function: returns a `FunctionResponse`, sync or async. */
export type FunctionDef = (messages: ModelMessage[], info: AgentInfo) => FunctionResponse | Promise<FunctionResponse>;
/** A stream function: an async iterable of `StreamItem`s. */
export type StreamFunctionDef = (messages: ModelMessage[], info: AgentInfo) => AsyncIterable<StreamItem>;

/** Options of `FunctionModel`. */
export interface FunctionModelOptions {
  /** Function for streamed requests. */
  stream?: StreamFunctionDef;
  /** Model name. Default `function:{fn name}:{stream fn name}`, as pydantic-ai (a bound method gives its method name, without `bound `). */
  modelName?: string;
  /** Clock for response timestamps. Default: the system clock. */
  now?: () => Date;
}

function isThinking(d: DeltaToolCall | DeltaThinkingPart): d is DeltaThinkingPart {
  if (d.deltaKind !== undefined) return d.deltaKind === 'thinking';
  return 'content' in d || 'signature' in d;
}

class FunctionStreamedResponse extends StreamedResponse {
  constructor(
    modelName: string,
    private readonly source: AsyncIterable<StreamItem>,
  ) {
    super(modelName);
    this.usage = { inputTokens: ESTIMATED_REQUEST_OVERHEAD_TOKENS, outputTokens: 0 };
  }

  protected async *iterateEvents(): AsyncIterable<ModelResponseStreamEvent> {
    let any = false;
    for await (const item of this.source) {
      any = true;
      if (typeof item === 'string') {
        this.usage.outputTokens += estimateStringTokens(item);
        yield this.parts.handleTextDelta({ vendorPartId: 'content', content: item });
        continue;
      }
      for (const [key, delta] of Object.entries(item)) {
        const index = Number(key);
        if (isThinking(delta)) {
          if (delta.content) this.usage.outputTokens += estimateStringTokens(delta.content);
          const args: { vendorPartId: number; content?: string; signature?: string } = { vendorPartId: index };
          if (delta.content !== undefined) args.content = delta.content;
          if (delta.signature !== undefined) args.signature = delta.signature;
          yield this.parts.handleThinkingDelta(args);
        } else {
          if (delta.jsonArgs) this.usage.outputTokens += estimateStringTokens(delta.jsonArgs);
          const args: { vendorPartId: number; toolName?: string; args?: string; toolCallId?: string } = { vendorPartId: index };
          if (delta.name !== undefined) args.toolName = delta.name;
          if (delta.jsonArgs !== undefined) args.args = delta.jsonArgs;
          if (delta.toolCallId !== undefined) args.toolCallId = delta.toolCallId;
          const ev = this.parts.handleToolCallDelta(args);
          if (ev) yield ev;
        }
      }
    }
    if (!any) throw new UserError('FunctionModel stream function must yield at least one item');
  }
}

/**
 * A function's name as pydantic-ai's model name uses it: a bound method (`obj.respond.bind(obj)`)
 * keeps its method name, as a Python bound method does; an anonymous function gives `''`.
 */
function functionName(fn: ((...args: never[]) => unknown) | undefined): string {
  const name = fn?.name ?? '';
  return name.startsWith('bound ') ? name.slice(6) : name;
}

/**
 * A model that calls your function for each request. Every call is recorded in `calls`.
 * Exempt from the real-request guard.
 */
export class FunctionModel implements Model {
  readonly system = 'function';
  readonly modelName: string;
  /** Every request made, in order: the messages sent and the agent info. */
  readonly calls: { messages: ModelMessage[]; info: AgentInfo; streamed: boolean }[] = [];
  private readonly fn: FunctionDef | undefined;
  private readonly streamFn: StreamFunctionDef | undefined;
  private readonly now: () => string;

  /**
   * @param fn - response function for `request`; may be left out when `options.stream` is given.
   * @throws UserError when neither a function nor a stream function is given.
   */
  constructor(fn?: FunctionDef, options: FunctionModelOptions = {}) {
    if (fn === undefined && options.stream === undefined) throw new UserError('FunctionModel needs a function, a stream function ({ stream }), or both.');
    this.fn = fn;
    this.streamFn = options.stream;
    const now = options.now;
    this.now = now === undefined ? nowIso : () => now().toISOString();
    this.modelName = options.modelName ?? `function:${functionName(fn)}:${functionName(options.stream)}`;
  }

  private info(messages: ModelMessage[], settings: ModelSettings | undefined, params: ModelRequestParameters): AgentInfo {
    const last = messages[messages.length - 1];
    return {
      functionTools: params.functionTools,
      outputTools: params.outputTools,
      allowTextOutput: params.allowTextOutput,
      modelSettings: settings,
      modelRequestParameters: params,
      instructions: last?.kind === 'request' ? last.instructions : undefined,
    };
  }

  /**
   * Calls the function. A returned parts array becomes a response with `timestamp` and
   * `modelName` filled; usage, when the response has none (all zero), is estimated as pydantic-ai does.
   * @throws UserError when the model has no non-streaming function.
   */
  async request(messages: ModelMessage[], settings: ModelSettings | undefined, params: ModelRequestParameters): Promise<ModelResponse> {
    if (this.fn === undefined) throw new UserError('This FunctionModel has only a stream function: use runStream / runStreamEvents, or pass a function.');
    const info = this.info(messages, settings, params);
    // the agent sends a fresh list per request (as pydantic-ai), so it is kept as it is
    this.calls.push({ messages, info, streamed: false });
    const returned = this.fn(messages, info);
    // a plain (not promised) response is taken as is: no extra await per request
    const out = typeof (returned as { then?: unknown } | undefined)?.then === 'function' ? await returned : (returned as FunctionResponse);
    const response: ModelResponse = Array.isArray(out)
      ? { kind: 'response', parts: out, usage: { inputTokens: 0, outputTokens: 0 }, modelName: this.modelName, timestamp: this.now() }
      : { ...out, kind: 'response', usage: out.usage ?? { inputTokens: 0, outputTokens: 0 }, timestamp: out.timestamp ?? this.now(), modelName: this.modelName };
    if (response.usage.inputTokens === 0 && response.usage.outputTokens === 0) {
      response.usage = estimateUsage([...messages, response]);
    }
    return response;
  }

  /**
   * Calls the stream function.
   * @throws UserError when the model has no stream function, or the stream yields nothing.
   */
  requestStream(messages: ModelMessage[], settings: ModelSettings | undefined, params: ModelRequestParameters): StreamedResponse {
    if (this.streamFn === undefined) throw new UserError('This FunctionModel has no stream function: pass new FunctionModel(fn, { stream }) to stream.');
    const info = this.info(messages, settings, params);
    this.calls.push({ messages, info, streamed: true });
    const r = new FunctionStreamedResponse(this.modelName, this.streamFn(messages, info));
    r.timestamp = this.now();
    return r;
  }
}
