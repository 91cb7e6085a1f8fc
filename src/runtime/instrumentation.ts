/**
 * OpenTelemetry spans for agent runs, as pydantic-ai's instrumentation (current version):
 * `invoke_agent {agentName}` around a run, `chat {modelName}` (kind CLIENT) around each model
 * request, `execute_tool {toolName}` around each function tool call, with `gen_ai.*`
 * attributes. Uses `@opentelemetry/api` only: the tracer provider is the application's choice
 * (the global one unless `tracerProvider` is given); with none registered, spans are no-ops.
 */
import type * as otelApi from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import { loadModuleSync } from './load-module.js';
import { VERSION } from './version.js';
import type { ModelMessage, ModelResponse, ToolCallPart, ToolReturnPart, RetryPromptPart } from './messages.js';
import { retryPromptText, toolCallArgsAsJson, toolCallArgsAsObject, toolReturnContentString } from './messages.js';
import type { Model, ModelRequestParameters } from './model.js';
import type { ModelSettings } from './settings.js';
import type { RunUsage } from './usage.js';

/**
 * `@opentelemetry/api`, loaded when a run is first traced. Its global state (tracer provider,
 * context manager) lives on `globalThis`, so any copy of the API sees the application's setup.
 */
let api: typeof otelApi | undefined;
function otel(): typeof otelApi {
  api ??= loadModuleSync<typeof otelApi>('@opentelemetry/api');
  return api;
}

const TRACER_NAME = 'rehearse';
const TRACER_VERSION = VERSION;

/** Options of `InstrumentationSettings`. */
export interface InstrumentationOptions {
  /** Tracer provider to use. Default: the global one (`trace.getTracerProvider()`), looked up per run. */
  tracerProvider?: TracerProvider;
  /** Record prompts, tool arguments, tool results and outputs on spans. Default `true`. */
  includeContent?: boolean;
}

/** How agent runs are traced (pydantic-ai's `InstrumentationSettings`). */
export class InstrumentationSettings {
  readonly tracerProvider: TracerProvider | undefined;
  readonly includeContent: boolean;
  constructor(options: InstrumentationOptions = {}) {
    this.tracerProvider = options.tracerProvider;
    this.includeContent = options.includeContent ?? true;
  }
  /** The tracer to use for a run. */
  tracer(): Tracer {
    return (this.tracerProvider ?? otel().trace.getTracerProvider()).getTracer(TRACER_NAME, TRACER_VERSION);
  }
}

let instrumentAllSetting: InstrumentationSettings | undefined;

/** Sets the default for agents built without `instrument` (`Agent.instrumentAll`). `false` turns it off. */
export function setInstrumentAll(value: boolean | InstrumentationSettings): void {
  instrumentAllSetting = value === false ? undefined : value === true ? new InstrumentationSettings() : value;
}

/** Resolves an agent's `instrument` option against `Agent.instrumentAll`. */
export function resolveInstrumentation(value: boolean | InstrumentationSettings | undefined): InstrumentationSettings | undefined {
  if (value === false) return undefined;
  if (value === true) return new InstrumentationSettings();
  return value ?? instrumentAllSetting;
}

type OtelPart = Record<string, unknown>;
interface OtelMessage { role: string; parts: OtelPart[] }

/**
 * Tool-call arguments as an object, as pydantic-ai's `args_as_dict()` records them; arguments
 * that are not a JSON object are kept as `{ INVALID_JSON: <text> }`.
 */
function argsObject(p: ToolCallPart): Record<string, unknown> {
  try {
    return toolCallArgsAsObject(p);
  } catch {
    return { INVALID_JSON: p.args };
  }
}

/** The instructions of the run's last request that had any, as `gen_ai.system_instructions` (JSON). */
function systemInstructions(messages: readonly ModelMessage[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.kind === 'request' && m.instructions) return JSON.stringify([{ type: 'text', content: m.instructions }]);
  }
  return undefined;
}

/** Messages in OpenTelemetry's gen_ai semantic-convention shape; tool-call `arguments` are objects. */
export function otelMessages(messages: readonly ModelMessage[], includeContent: boolean): OtelMessage[] {
  const out: OtelMessage[] = [];
  const c = <T extends OtelPart>(p: T, content: Record<string, unknown>): T => (includeContent ? { ...p, ...content } : p);
  for (const m of messages) {
    if (m.kind === 'request') {
      for (const p of m.parts) {
        switch (p.partKind) {
          case 'system-prompt':
            out.push({ role: 'system', parts: [c({ type: 'text' }, { content: p.content })] });
            break;
          case 'user-prompt':
            out.push({ role: 'user', parts: [c({ type: 'text' }, { content: typeof p.content === 'string' ? p.content : JSON.stringify(p.content) })] });
            break;
          case 'tool-return':
            out.push({ role: 'user', parts: [c({ type: 'tool_call_response', id: p.toolCallId, name: p.toolName }, { result: p.content })] });
            break;
          case 'retry-prompt':
            out.push({
              role: 'user',
              parts: [
                p.toolName === undefined
                  ? c({ type: 'text' }, { content: retryPromptText(p) })
                  : c({ type: 'tool_call_response', id: p.toolCallId, name: p.toolName }, { result: retryPromptText(p) }),
              ],
            });
            break;
        }
      }
    } else {
      const parts: OtelPart[] = [];
      for (const p of m.parts) {
        if (p.partKind === 'text') parts.push(c({ type: 'text' }, { content: p.content }));
        else if (p.partKind === 'thinking') parts.push(c({ type: 'thinking' }, { content: p.content }));
        else parts.push(c({ type: 'tool_call', id: p.toolCallId, name: p.toolName }, { arguments: argsObject(p) }));
      }
      const msg: OtelMessage & { finish_reason?: string } = { role: 'assistant', parts };
      if (m.finishReason) msg.finish_reason = m.finishReason;
      out.push(msg);
    }
  }
  return out;
}

function settingsAttributes(settings: ModelSettings | undefined): Attributes {
  const a: Attributes = {};
  if (!settings) return a;
  if (settings.temperature !== undefined) a['gen_ai.request.temperature'] = settings.temperature;
  if (settings.maxTokens !== undefined) a['gen_ai.request.max_tokens'] = settings.maxTokens;
  if (settings.topP !== undefined) a['gen_ai.request.top_p'] = settings.topP;
  if (settings.seed !== undefined) a['gen_ai.request.seed'] = settings.seed;
  if (settings.presencePenalty !== undefined) a['gen_ai.request.presence_penalty'] = settings.presencePenalty;
  if (settings.frequencyPenalty !== undefined) a['gen_ai.request.frequency_penalty'] = settings.frequencyPenalty;
  if (settings.stopSequences !== undefined) a['gen_ai.request.stop_sequences'] = settings.stopSequences;
  return a;
}

function recordError(span: Span, error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  span.recordException(e);
  span.setStatus({ code: otel().SpanStatusCode.ERROR, message: `${e.name}: ${e.message}` });
}

/** Per-run tracing; created by the agent when instrumentation is on. @internal */
export class RunInstrumentation {
  private readonly tracer: Tracer;
  private agentSpan: Span | undefined;
  private agentContext: Context | undefined;

  constructor(
    private readonly settings: InstrumentationSettings,
    private readonly agentName: string,
  ) {
    this.tracer = settings.tracer();
  }

  /** Run identity put on every span of the run (`gen_ai.conversation.id`, `pydantic_ai.run_id`). */
  private ids: Attributes = {};

  /** Starts the `invoke_agent` span as a child of the active context. */
  start(model: Model, ids?: { runId: string; conversationId: string }): void {
    if (ids) this.ids = { 'gen_ai.conversation.id': ids.conversationId, 'pydantic_ai.run_id': ids.runId };
    const parent = otel().context.active();
    this.agentSpan = this.tracer.startSpan(
      `invoke_agent ${this.agentName}`,
      {
        kind: otel().SpanKind.INTERNAL,
        attributes: {
          'gen_ai.operation.name': 'invoke_agent',
          'gen_ai.agent.name': this.agentName,
          'gen_ai.system': model.system,
          'gen_ai.request.model': model.modelName,
          agent_name: this.agentName,
          model_name: model.modelName,
          ...this.ids,
        },
      },
      parent,
    );
    this.agentContext = otel().trace.setSpan(parent, this.agentSpan);
  }

  /** Runs `fn` with the agent span active (so user code's spans nest under it). */
  withAgentContext<T>(fn: () => T): T {
    return this.agentContext ? otel().context.with(this.agentContext, fn) : fn();
  }

  /** Starts a `chat {model}` span (for streamed requests; end it with `endChat` or `failChat`). */
  startChat(model: Model, messages: readonly ModelMessage[], settings: ModelSettings | undefined, params: ModelRequestParameters): Span {
    const attributes: Attributes = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': model.system,
      'gen_ai.provider.name': model.system,
      'gen_ai.request.model': model.modelName,
      model_request_parameters: JSON.stringify(params),
      ...settingsAttributes(settings),
      ...this.ids,
    };
    if (model.baseUrl) {
      try {
        const u = new URL(model.baseUrl);
        attributes['server.address'] = u.hostname;
        if (u.port) attributes['server.port'] = Number(u.port);
      } catch {
        /* not a URL: leave out */
      }
    }
    const defs = [...params.functionTools, ...params.outputTools];
    if (defs.length > 0) attributes['gen_ai.tool.definitions'] = JSON.stringify(defs.map((d) => ({ type: 'function', name: d.name, description: d.description, parameters: d.parametersJsonSchema })));
    if (this.settings.includeContent) {
      attributes['gen_ai.input.messages'] = JSON.stringify(otelMessages(messages, true));
      const last = messages[messages.length - 1];
      if (last?.kind === 'request' && last.instructions) attributes['gen_ai.system_instructions'] = systemInstructions([last])!;
    }
    return this.tracer.startSpan(`chat ${model.modelName}`, { kind: otel().SpanKind.CLIENT, attributes }, this.agentContext ?? otel().context.active());
  }

  /** Records a streamed request's error on its span and ends it. */
  failChat(span: Span, error: unknown): void {
    recordError(span, error);
    span.end();
  }

  /** Sets the response attributes on a chat span and ends it. */
  endChat(span: Span, response: ModelResponse): void {
    this.setChatResponse(span, response);
    span.end();
  }

  private setChatResponse(span: Span, response: ModelResponse): void {
    const a: Attributes = {
      'gen_ai.usage.input_tokens': response.usage.inputTokens,
      'gen_ai.usage.output_tokens': response.usage.outputTokens,
    };
    if (response.modelName !== undefined) a['gen_ai.response.model'] = response.modelName;
    if (response.providerResponseId !== undefined) a['gen_ai.response.id'] = response.providerResponseId;
    if (response.finishReason !== undefined) a['gen_ai.response.finish_reasons'] = [response.finishReason];
    if (this.settings.includeContent) a['gen_ai.output.messages'] = JSON.stringify(otelMessages([response], true));
    span.setAttributes(a);
  }

  /** Wraps one model request in a `chat {model}` span. */
  async chat(
    model: Model,
    messages: readonly ModelMessage[],
    settings: ModelSettings | undefined,
    params: ModelRequestParameters,
    fn: () => Promise<ModelResponse>,
  ): Promise<ModelResponse> {
    const span = this.startChat(model, messages, settings, params);
    let r: ModelResponse;
    try {
      r = await otel().context.with(otel().trace.setSpan(otel().context.active(), span), fn);
    } catch (e) {
      this.failChat(span, e);
      throw e;
    }
    this.endChat(span, r);
    return r;
  }

  /** Wraps one function tool call in an `execute_tool {name}` span. */
  async tool<R extends ToolReturnPart | RetryPromptPart | undefined>(call: ToolCallPart, fn: () => Promise<R>): Promise<R> {
    const attributes: Attributes = {
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': call.toolName,
      'gen_ai.tool.call.id': call.toolCallId,
    };
    if (this.settings.includeContent) attributes['gen_ai.tool.call.arguments'] = toolCallArgsAsJson(call);
    const span = this.tracer.startSpan(`execute_tool ${call.toolName}`, { kind: otel().SpanKind.INTERNAL, attributes }, this.agentContext ?? otel().context.active());
    try {
      const r = await otel().context.with(otel().trace.setSpan(otel().context.active(), span), fn);
      if (r === undefined) span.setAttribute('pydantic_ai.tool.deferred', true);
      else if (r.partKind === 'retry-prompt') {
        if (this.settings.includeContent) span.setAttribute('gen_ai.tool.call.result', retryPromptText(r));
        span.setStatus({ code: otel().SpanStatusCode.ERROR, message: typeof r.content === 'string' ? r.content : 'validation failed' });
      } else if (this.settings.includeContent) {
        span.setAttribute('gen_ai.tool.call.result', toolReturnContentString(r));
      }
      return r;
    } catch (e) {
      recordError(span, e);
      throw e;
    } finally {
      span.end();
    }
  }

  /** Ends the agent span with the run's outcome. */
  finish(outcome: { output?: unknown; error?: unknown; messages: readonly ModelMessage[]; usage: RunUsage; metadata?: Record<string, unknown> | undefined }): void {
    const span = this.agentSpan;
    if (!span) return;
    const a: Attributes = {
      ...(outcome.metadata !== undefined ? { metadata: JSON.stringify(outcome.metadata) } : {}),
      'gen_ai.aggregated_usage.input_tokens': outcome.usage.inputTokens,
      'gen_ai.aggregated_usage.output_tokens': outcome.usage.outputTokens,
      'rehearse.usage.requests': outcome.usage.requests,
      'rehearse.usage.tool_calls': outcome.usage.toolCalls,
    };
    if (this.settings.includeContent) {
      a['pydantic_ai.all_messages'] = JSON.stringify(otelMessages(outcome.messages, true));
      const instructions = systemInstructions(outcome.messages);
      if (instructions !== undefined) a['gen_ai.system_instructions'] = instructions;
      if (!('error' in outcome)) a['final_result'] = typeof outcome.output === 'string' ? outcome.output : JSON.stringify(outcome.output);
    }
    span.setAttributes(a);
    if ('error' in outcome) recordError(span, outcome.error);
    span.end();
    this.agentSpan = undefined;
  }
}
