/**
 * `OpenAIChatModel`: the OpenAI Chat Completions API over the official `openai` SDK, following
 * pydantic-ai's `OpenAIChatModel` for request and response mapping, streaming and errors.
 * Importing this module registers the `openai:` and `openai-chat:` model-name prefixes.
 */
import type { OpenAI } from 'openai';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { ModelAPIError, ModelHTTPError, UnexpectedModelBehavior, UserError } from '../errors.js';
import { registerModelProvider } from '../infer-model.js';
import type { FinishReason, ModelMessage, ModelResponse, ModelResponsePart, TextPart, ThinkingPart } from '../messages.js';
import { generateToolCallId, nowIso } from '../messages.js';
import type { Model, ModelRequestParameters, OutputObjectDefinition, ToolDefinition } from '../model.js';
import { checkAllowModelRequests, interceptedErrorFor } from '../request-guard.js';
import type { ModelSettings } from '../settings.js';
import { mergeModelSettings } from '../settings.js';
import type { ModelResponseStreamEvent } from '../stream-events.js';
import { StreamedResponse } from '../streamed-response.js';
import type { RequestUsage } from '../usage.js';
import { transformOpenAIJsonSchema } from './openai-json-schema.js';
import { mapMessages } from './openai-messages.js';
import { addUsage, mapOpenAIUsage, type WireUsage } from './openai-usage.js';
export { mapOpenAIUsage } from './openai-usage.js';
import { chatWebSearchOptions } from './openai-native-tools.js';
import { resolveToolChoice } from './tool-choice.js';
import type { OpenAIModelProfile, ResolvedOpenAIModelProfile } from './openai-profile.js';
import { openaiModelProfile, resolveOpenAIModelProfile } from './openai-profile.js';

type OpenAISdk = typeof import('openai');
let openaiSdk: OpenAISdk | undefined;

/**
 * Loads the `openai` SDK on first use (it is heavy: importing rehearse stays cheap without it).
 * Resolves to the same module instance the application's own `import 'openai'` gets.
 */
export async function loadOpenAISdk(): Promise<OpenAISdk> {
  openaiSdk ??= await import('openai');
  return openaiSdk;
}

/** Default OpenAI API base URL. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Options of {@link OpenAIChatModel}. */
export interface OpenAIChatModelOptions {
  /** A ready SDK client; when set, `apiKey`, `baseURL`, `fetch` and `maxRetries` are not used. */
  client?: OpenAI;
  /** API key. Default: `OPENAI_API_KEY`. With neither (and no base URL) a request throws `UserError`. */
  apiKey?: string;
  /** API base URL, for any OpenAI-compatible server. Default: `OPENAI_BASE_URL`, else `https://api.openai.com/v1`. */
  baseURL?: string;
  /** Fetch for the default client. Default: `globalThis.fetch`, looked up at request time (so interceptors installed later see it). */
  fetch?: typeof globalThis.fetch;
  /** SDK retries on 408/409/429/5xx and connection errors. Default: the SDK's (2), as pydantic-ai leaves it. */
  maxRetries?: number;
  /** Overrides of the profile picked from the model name by {@link openaiModelProfile}. */
  profile?: OpenAIModelProfile;
  /** Default settings of this model; per-request settings win field by field. */
  settings?: ModelSettings;
}

const FINISH_REASONS: Record<string, FinishReason> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_call',
  content_filter: 'content_filter',
  function_call: 'tool_call',
};

/** Maps an OpenAI chat `finish_reason` to rehearse's (pydantic-ai `_CHAT_FINISH_REASON_MAP`); unknown → `undefined`. */
export function mapOpenAIFinishReason(raw: string | null | undefined): FinishReason | undefined {
  return raw ? FINISH_REASONS[raw] : undefined;
}

const SAMPLING_SETTINGS = ['temperature', 'topP', 'presencePenalty', 'frequencyPenalty', 'logitBias'] as const;
const SAMPLING_WIRE_NAMES: Record<(typeof SAMPLING_SETTINGS)[number], string> = {
  temperature: 'temperature',
  topP: 'top_p',
  presencePenalty: 'presence_penalty',
  frequencyPenalty: 'frequency_penalty',
  logitBias: 'logit_bias',
};

/**
 * Turns an SDK error into rehearse's: an HTTP error status → `ModelHTTPError` (body = the
 * response's `error` object, as pydantic-ai's), a connection failure or timeout → `ModelAPIError`;
 * both keep the SDK error as `cause`. Anything else (including user aborts) is returned unchanged.
 * An error that a registered interception layer claims (a cassette's `CassetteMismatch` or
 * `CassetteEscape`, see `interceptedErrorFor`) is returned as itself.
 */
export function mapOpenAIError(error: unknown, modelName: string): unknown {
  // a test double's own error (a cassette miss or escape) is surfaced as itself, not wrapped
  const intercepted = interceptedErrorFor(error);
  if (intercepted !== undefined) return intercepted;
  if (openaiSdk === undefined) return error; // the SDK never ran, so this is not one of its errors
  const { APIConnectionError, APIError, APIUserAbortError } = openaiSdk;
  if (error instanceof APIUserAbortError) return error;
  if (error instanceof APIConnectionError) return new ModelAPIError({ modelName, message: error.message, cause: error });
  if (error instanceof APIError) {
    if (typeof error.status === 'number' && error.status >= 400) {
      return new ModelHTTPError({ statusCode: error.status, modelName, body: error.error, cause: error });
    }
    return new ModelAPIError({ modelName, message: error.message, cause: error });
  }
  return error;
}

function splitThinkingTags(content: string, [startTag, endTag]: [string, string], system: string): (TextPart | ThinkingPart)[] {
  const parts: (TextPart | ThinkingPart)[] = [];
  let rest = content;
  let start = rest.indexOf(startTag);
  while (start >= 0) {
    const before = rest.slice(0, start);
    rest = rest.slice(start + startTag.length);
    if (before) parts.push({ partKind: 'text', content: before });
    const end = rest.indexOf(endTag);
    if (end >= 0) {
      parts.push({ partKind: 'thinking', content: rest.slice(0, end), id: 'content', providerName: system });
      rest = rest.slice(end + endTag.length);
    } else {
      parts.push({ partKind: 'text', content: rest });
      rest = '';
    }
    start = rest.indexOf(startTag);
  }
  if (rest) parts.push({ partKind: 'text', content: rest });
  return parts;
}

function thinkingFields(profile: ResolvedOpenAIModelProfile): string[] {
  return [...(profile.chatThinkingField ? [profile.chatThinkingField] : []), 'reasoning', 'reasoning_content'];
}

function warn(message: string): void {
  process.emitWarning(message, { type: 'UserWarning', code: 'REHEARSE_OPENAI_SETTINGS' });
}

/**
 * A model using the OpenAI Chat Completions API through the official `openai` SDK. Any
 * OpenAI-compatible server works through `baseURL` or an injected `client`.
 *
 * ```ts
 * const model = new OpenAIChatModel('gpt-4o');                  // OPENAI_API_KEY from the environment
 * const local = new OpenAIChatModel('llama3', { baseURL: 'http://localhost:11434/v1' });
 * ```
 *
 * Requests are blocked by the request guard (`ModelRequestsDisallowed`) before any client or
 * network use. The default client is created at the first request.
 */
export class OpenAIChatModel implements Model {
  readonly modelName: string;
  readonly system = 'openai';
  /** The resolved profile (defaults + name-based profile + `options.profile`). */
  readonly profile: ResolvedOpenAIModelProfile;
  /** Default settings of this model, merged under per-request settings. */
  readonly settings: ModelSettings | undefined;
  private readonly options: OpenAIChatModelOptions;
  private lazyClient: OpenAI | undefined;
  /** Parameters this model returned from `customizeRequestParameters`: already transformed. */
  private readonly customized = new WeakSet<ModelRequestParameters>();

  constructor(modelName: string, options: OpenAIChatModelOptions = {}) {
    this.modelName = modelName;
    this.options = options;
    this.settings = options.settings;
    this.lazyClient = options.client;
    this.profile = resolveOpenAIModelProfile(openaiModelProfile(modelName), options.profile);
    if (this.profile.chatSendBackThinkingParts === 'field' && !this.profile.chatThinkingField) {
      throw new UserError('If `chatSendBackThinkingParts` is "field", `chatThinkingField` must be set.');
    }
  }

  /** The API base URL requests go to. */
  get baseUrl(): string {
    if (this.options.client) return this.options.client.baseURL;
    return this.options.baseURL ?? process.env['OPENAI_BASE_URL'] ?? OPENAI_DEFAULT_BASE_URL;
  }

  /**
   * The SDK client; the default one is created (and the `openai` SDK loaded) on first use.
   * @throws UserError when no API key is configured and no base URL is set (as pydantic-ai's provider).
   */
  async getClient(): Promise<OpenAI> {
    const sdk = await loadOpenAISdk();
    if (this.lazyClient) return this.lazyClient;
    let apiKey = this.options.apiKey ?? process.env['OPENAI_API_KEY'];
    const baseURL = this.options.baseURL ?? process.env['OPENAI_BASE_URL'];
    if (!apiKey) {
      if (baseURL === undefined) {
        throw new UserError(
          'Set the `OPENAI_API_KEY` environment variable or pass it via `new OpenAIChatModel(name, { apiKey })` to use the OpenAI provider. ' +
            "To try rehearse without an API key, use the built-in test model: `new TestModel()` from 'rehearse/testing'.",
        );
      }
      // Local OpenAI-compatible servers often need no key, but the SDK requires a non-empty one.
      apiKey = 'api-key-not-set';
    }
    const userFetch = this.options.fetch;
    this.lazyClient = new sdk.OpenAI({
      apiKey,
      baseURL: baseURL ?? OPENAI_DEFAULT_BASE_URL,
      fetch: userFetch ?? ((...args: Parameters<typeof globalThis.fetch>) => globalThis.fetch(...args)),
      ...(this.options.maxRetries !== undefined ? { maxRetries: this.options.maxRetries } : {}),
    });
    return this.lazyClient;
  }

  /**
   * Applies the OpenAI JSON-schema transformer to tool and output-object schemas and decides
   * `strict` where it is unset (strict exactly when the schema is strict-compatible), as
   * pydantic-ai's `customize_request_parameters`. Given parameters this method returned (the
   * agent customizes once, then hands the result to `request`/`requestStream`, which call
   * `buildRequest`), it returns them unchanged instead of transforming them a second time; so
   * do not mutate a returned object and pass it back expecting a fresh transformation.
   */
  customizeRequestParameters(params: ModelRequestParameters): ModelRequestParameters {
    if (this.customized.has(params)) return params;
    const tool = (t: ToolDefinition): ToolDefinition => {
      const r = transformOpenAIJsonSchema(t.parametersJsonSchema, t.strict);
      return { ...t, parametersJsonSchema: r.schema, strict: t.strict ?? r.isStrictCompatible };
    };
    const out: ModelRequestParameters = { ...params, functionTools: params.functionTools.map(tool), outputTools: params.outputTools.map(tool) };
    if (params.outputObject) {
      const r = transformOpenAIJsonSchema(params.outputObject.jsonSchema, params.outputObject.strict);
      out.outputObject = { ...params.outputObject, jsonSchema: r.schema, strict: params.outputObject.strict ?? r.isStrictCompatible };
    }
    this.customized.add(out);
    return out;
  }

  /**
   * Builds the `chat.completions.create` body and request options (headers, timeout) for a request.
   * Exposed for tests and tooling; `request`/`requestStream` use it. `params` may be raw or
   * already customized by {@link customizeRequestParameters} (then not transformed again).
   * Native tools: `WebSearchTool` becomes `web_search_options` (see {@link chatWebSearchOptions}).
   * @throws UserError for native output on a model without JSON-schema output, unmappable
   *   content, or native tools the model cannot run (web search without `chatSupportsWebSearch`).
   */
  async buildRequest(
    messages: ModelMessage[],
    settings: ModelSettings | undefined,
    params: ModelRequestParameters,
    stream: boolean,
  ): Promise<{ body: Record<string, unknown>; options: { headers?: Record<string, string>; timeout?: number } }> {
    const profile = this.profile;
    const p = this.customizeRequestParameters(params);
    const s: ModelSettings = { ...(mergeModelSettings(this.settings, settings) ?? {}) };
    const outputMode = p.outputMode;
    const outputTools = outputMode === 'native' || outputMode === 'prompted' ? [] : p.outputTools;
    if (outputMode === 'native' && !profile.supportsJsonSchemaOutput) throw new UserError('Native structured output is not supported by this model.');

    const { tools, toolChoice } = this.mapToolChoice(s, { ...p, outputTools });
    const webSearchOptions = this.mapNativeTools(p);

    const openaiMessages = await mapMessages(
      { profile, system: this.system, fetch: this.options.fetch ?? ((...args: Parameters<typeof globalThis.fetch>) => globalThis.fetch(...args)) },
      messages,
    );

    let responseFormat: Record<string, unknown> | undefined;
    if (outputMode === 'native') {
      if (!p.outputObject) throw new UserError("outputMode 'native' needs `outputObject` in the request parameters.");
      responseFormat = this.mapJsonSchema(p.outputObject);
    } else if (outputMode === 'prompted' && profile.supportsJsonObjectOutput) {
      responseFormat = { type: 'json_object' };
    }

    this.dropSamplingSettingsForReasoning(s);
    for (const key of profile.unsupportedModelSettings) delete (s as Record<string, unknown>)[key];

    const body: Record<string, unknown> = { model: this.modelName, messages: openaiMessages };
    if (tools.length > 0 && s.parallelToolCalls !== undefined) body['parallel_tool_calls'] = s.parallelToolCalls;
    if (tools.length > 0) body['tools'] = tools;
    if (toolChoice !== undefined) body['tool_choice'] = toolChoice;
    body['stream'] = stream;
    if (stream) body['stream_options'] = { include_usage: true };
    if (s.stopSequences !== undefined) body['stop'] = s.stopSequences;
    if (s.maxTokens !== undefined) body[profile.chatSupportsMaxCompletionTokens ? 'max_completion_tokens' : 'max_tokens'] = s.maxTokens;
    if (responseFormat) body['response_format'] = responseFormat;
    if (s.seed !== undefined) body['seed'] = s.seed;
    if (s.openaiReasoningEffort !== undefined) body['reasoning_effort'] = s.openaiReasoningEffort;
    if (s.openaiUser !== undefined) body['user'] = s.openaiUser;
    if (webSearchOptions) body['web_search_options'] = webSearchOptions;
    if (s.openaiModeration !== undefined) body['moderation'] = s.openaiModeration;
    for (const key of SAMPLING_SETTINGS) if (s[key] !== undefined) body[SAMPLING_WIRE_NAMES[key]] = s[key];
    if (s.extraBody) Object.assign(body, s.extraBody);

    const options: { headers?: Record<string, string>; timeout?: number } = {};
    if (s.extraHeaders) options.headers = { ...s.extraHeaders };
    if (s.timeoutMs !== undefined) options.timeout = s.timeoutMs;
    return { body, options };
  }

  /**
   * Makes one request and returns the whole response.
   * @throws ModelRequestsDisallowed when requests are blocked (before any network use).
   * @throws ModelHTTPError on an HTTP error status; ModelAPIError on connection errors and timeouts.
   */
  async request(messages: ModelMessage[], settings: ModelSettings | undefined, params: ModelRequestParameters): Promise<ModelResponse> {
    checkAllowModelRequests(this.modelName, { url: this.baseUrl });
    const { body, options } = await this.buildRequest(messages, settings, params, false);
    const client = await this.getClient();
    let completion: ChatCompletion;
    try {
      completion = await client.chat.completions.create(body as unknown as ChatCompletionCreateParamsNonStreaming, options);
    } catch (e) {
      throw mapOpenAIError(e, this.modelName);
    }
    return this.processResponse(completion);
  }

  /**
   * Makes one streamed request. The guard is checked at call time; the HTTP request starts when
   * the returned stream is first iterated. Call `get()` on it afterwards for the assembled response.
   * @throws ModelRequestsDisallowed at call time when requests are blocked.
   * @throws UserError at call time for native tools the model cannot run.
   */
  requestStream(messages: ModelMessage[], settings: ModelSettings | undefined, params: ModelRequestParameters): OpenAIStreamedResponse {
    checkAllowModelRequests(this.modelName, { url: this.baseUrl });
    this.mapNativeTools(params); // unsupported native tools fail at call time, as `request` does
    const open = async (): Promise<AsyncIterable<ChatCompletionChunk>> => {
      const { body, options } = await this.buildRequest(messages, settings, params, true);
      const client = await this.getClient();
      return client.chat.completions.create(body as unknown as ChatCompletionCreateParamsStreaming, options);
    };
    return new OpenAIStreamedResponse({ modelName: this.modelName, profile: this.profile, system: this.system, open });
  }

  /**
   * The `tools` and `tool_choice` to send (pydantic-ai `OpenAIChatModel._get_tool_choice`): the
   * resolved choice ({@link resolveToolChoice}) as `'auto'`/`'none'`/`'required'`; a forced
   * single tool as `{ type: 'function', function: { name } }` (every tool still sent); a subset
   * of several tools by sending only those. A profile without `tool_choice: 'required'` gets
   * `'auto'` (and a forced single tool is then the only tool sent). `toolChoice` is `undefined`
   * (omitted) when no tool is sent.
   * @throws UserError when `settings.toolChoice` is `'required'` or a list and the profile
   *   cannot force tool use, and as {@link resolveToolChoice} throws.
   */
  private mapToolChoice(
    settings: ModelSettings,
    params: ModelRequestParameters,
  ): { tools: Record<string, unknown>[]; toolChoice: string | Record<string, unknown> | undefined } {
    const resolved = resolveToolChoice(settings, params);
    let defs = [...params.functionTools, ...params.outputTools];
    const supportsForcing = (): boolean => {
      if (this.profile.supportsToolChoiceRequired) return true;
      const explicit = settings.toolChoice;
      if (explicit === 'required' || Array.isArray(explicit)) {
        const shown = explicit === 'required' ? "'required'" : `[${explicit.map((n) => `'${n}'`).join(', ')}]`;
        throw new UserError(`tool_choice=${shown} is not supported by model '${this.modelName}'. This model does not support forcing tool use.`);
      }
      return false;
    };
    let toolChoice: string | Record<string, unknown>;
    if (resolved === 'auto' || resolved === 'none') {
      toolChoice = resolved;
    } else if (resolved === 'required') {
      toolChoice = supportsForcing() ? 'required' : 'auto';
    } else {
      const supports = supportsForcing();
      const names = new Set(resolved.toolNames);
      const [only] = resolved.toolNames;
      if (resolved.mode === 'required' && names.size === 1 && only !== undefined && supports) {
        toolChoice = { type: 'function', function: { name: only } };
      } else {
        // Chat Completions cannot limit the tools through `tool_choice`: send only the allowed ones.
        defs = defs.filter((t) => names.has(t.name));
        toolChoice = resolved.mode === 'auto' || !supports ? 'auto' : 'required';
      }
    }
    const tools = defs.map((t) => this.mapToolDefinition(t));
    return { tools, toolChoice: tools.length > 0 ? toolChoice : undefined };
  }

  /** `web_search_options` for the request's native tools (pydantic-ai `_get_web_search_options`); `undefined`: none. */
  private mapNativeTools(params: ModelRequestParameters): Record<string, unknown> | undefined {
    const options = chatWebSearchOptions(params.nativeTools, { modelName: this.modelName, supportsWebSearch: this.profile.chatSupportsWebSearch });
    return options ? { ...options } : undefined;
  }

  /** Maps a tool definition; `strict` is sent only when true and the profile allows it (as pydantic-ai). */
  private mapToolDefinition(t: ToolDefinition): Record<string, unknown> {
    const fn: Record<string, unknown> = { name: t.name, description: t.description ?? '', parameters: t.parametersJsonSchema };
    if (t.strict && this.profile.supportsStrictToolDefinition) fn['strict'] = true;
    return { type: 'function', function: fn };
  }

  private mapJsonSchema(o: OutputObjectDefinition): Record<string, unknown> {
    const js: Record<string, unknown> = { name: o.name ?? 'final_result', schema: o.jsonSchema };
    if (o.description) js['description'] = o.description;
    if (this.profile.supportsStrictToolDefinition) js['strict'] = o.strict ?? false;
    return { type: 'json_schema', json_schema: js };
  }

  /** Drops sampling settings a reasoning model rejects, with a warning (pydantic-ai `_drop_sampling_params_for_reasoning`). */
  private dropSamplingSettingsForReasoning(s: ModelSettings): void {
    const profile = this.profile;
    if (!profile.supportsReasoning) return;
    const effort = s.openaiReasoningEffort as string | undefined;
    const active = effort !== undefined ? effort !== 'none' : profile.reasoningEnabledByDefault;
    if (profile.supportsReasoningEffortNone && !active) return;
    const dropped = SAMPLING_SETTINGS.filter((k) => s[k] !== undefined);
    if (dropped.length > 0) {
      warn(
        `Sampling parameters [${dropped.map((k) => `'${SAMPLING_WIRE_NAMES[k]}'`).join(', ')}] are not supported when reasoning is enabled. ` +
          'These settings will be ignored.',
      );
    }
    for (const k of SAMPLING_SETTINGS) delete s[k];
  }

  /**
   * Maps a non-streamed completion to a `ModelResponse`.
   * @throws UnexpectedModelBehavior when the body is not a chat completion.
   */
  processResponse(completion: ChatCompletion): ModelResponse {
    if (typeof completion !== 'object' || completion === null || !Array.isArray(completion.choices)) {
      throw new UnexpectedModelBehavior(`Invalid response from ${this.system} chat completions endpoint, expected JSON data`);
    }
    const choice = completion.choices[0];
    if (!choice) throw new UnexpectedModelBehavior(`Invalid response from ${this.system} chat completions endpoint: no choices`);
    const rawFinish = choice.finish_reason ?? 'stop';
    const timestamp = completion.created ? new Date(completion.created * 1000).toISOString() : nowIso();
    const base = {
      kind: 'response' as const,
      usage: mapOpenAIUsage(completion.usage as WireUsage | undefined),
      modelName: completion.model,
      timestamp,
      providerName: this.system,
      providerResponseId: completion.id,
    };
    // Moderation results are top-level, so they ride along with a refusal too (as pydantic-ai).
    const moderation = completion.moderation ? { moderation: completion.moderation as unknown } : {};
    const message = choice.message as ChatCompletion.Choice['message'] & Record<string, unknown>;
    if (message.refusal) {
      return { ...base, parts: [], finishReason: 'content_filter', providerDetails: { ...moderation, refusal: message.refusal } };
    }
    const parts: ModelResponsePart[] = [];
    for (const field of thinkingFields(this.profile)) {
      const value = message[field];
      if (!value) continue;
      if (typeof value !== 'string') {
        warn(`Unexpected non-string value for '${field}': ${typeof value}.`);
        continue;
      }
      parts.push({ partKind: 'thinking', content: value, id: field, providerName: this.system });
      break;
    }
    if (message.content) parts.push(...splitThinkingTags(message.content, this.profile.thinkingTags, this.system));
    for (const call of message.tool_calls ?? []) {
      if (call.type !== 'function') throw new UnexpectedModelBehavior(`Custom tool calls are not supported (got type '${call.type}')`);
      parts.push({ partKind: 'tool-call', toolName: call.function.name, args: call.function.arguments, toolCallId: call.id || generateToolCallId() });
    }
    const response: ModelResponse = { ...base, parts, providerDetails: { finish_reason: rawFinish, ...moderation } };
    const finishReason = mapOpenAIFinishReason(rawFinish);
    if (finishReason !== undefined) response.finishReason = finishReason;
    return response;
  }
}

/** Construction arguments of {@link OpenAIStreamedResponse}. */
export interface OpenAIStreamedResponseInit {
  modelName: string;
  profile: ResolvedOpenAIModelProfile;
  system: string;
  /** Starts the HTTP request; called on first iteration. */
  open: () => Promise<AsyncIterable<ChatCompletionChunk>>;
}

/**
 * A streamed chat completion (pydantic-ai `OpenAIStreamedResponse`): content deltas become a
 * text part (vendor id `'content'`), tool-call deltas tool-call parts keyed by their `index`,
 * reasoning fields thinking parts; usage, model name, response id and finish reason come from
 * the chunks (usage from the final, choice-less chunk).
 */
export class OpenAIStreamedResponse extends StreamedResponse {
  private readonly init: OpenAIStreamedResponseInit;
  private sawCreated = false;

  constructor(init: OpenAIStreamedResponseInit) {
    super(init.modelName);
    this.init = init;
    this.providerName = init.system;
  }

  protected async *iterateEvents(): AsyncIterable<ModelResponseStreamEvent> {
    const modelName = this.init.modelName;
    let stream: AsyncIterable<ChatCompletionChunk>;
    try {
      stream = await this.init.open();
    } catch (e) {
      throw mapOpenAIError(e, modelName);
    }
    const iterator = stream[Symbol.asyncIterator]();
    let any = false;
    let refusal = '';
    while (true) {
      let next: IteratorResult<ChatCompletionChunk>;
      try {
        next = await iterator.next();
      } catch (e) {
        throw mapOpenAIError(e, modelName);
      }
      if (next.done) break;
      any = true;
      const chunk = next.value;
      if (!this.sawCreated && chunk.created) {
        this.sawCreated = true;
        this.timestamp = new Date(chunk.created * 1000).toISOString();
      }
      this.usage = addUsage(this.usage, mapOpenAIUsage(chunk.usage as WireUsage | undefined));
      if (chunk.id) this.providerResponseId = chunk.id;
      if (chunk.model) this.modelName = chunk.model;
      // The moderation chunk has no choices: read it before skipping choice-less chunks.
      if (chunk.moderation) this.providerDetails = { ...(this.providerDetails ?? {}), moderation: chunk.moderation as unknown };
      const choice = chunk.choices?.[0];
      if (!choice || !choice.delta) continue;
      const delta = choice.delta as ChatCompletionChunk.Choice['delta'] & Record<string, unknown>;
      if (delta.refusal) {
        refusal += delta.refusal;
        this.finishReason = 'content_filter';
        continue;
      }
      if (choice.finish_reason && !refusal) {
        const fr = mapOpenAIFinishReason(choice.finish_reason);
        if (fr !== undefined) this.finishReason = fr;
        this.providerDetails = { ...(this.providerDetails ?? {}), finish_reason: choice.finish_reason };
      }
      for (const field of thinkingFields(this.init.profile)) {
        const value = delta[field];
        if (!value || typeof value !== 'string') continue;
        yield this.parts.handleThinkingDelta({ vendorPartId: field, id: field, content: value });
        break;
      }
      if (delta.content) yield this.parts.handleTextDelta({ vendorPartId: 'content', content: delta.content });
      for (const tc of delta.tool_calls ?? []) {
        const args: { vendorPartId: number; toolName?: string; args?: string; toolCallId?: string } = { vendorPartId: tc.index };
        if (tc.function?.name) args.toolName = tc.function.name;
        if (tc.function?.arguments) args.args = tc.function.arguments;
        if (tc.id) args.toolCallId = tc.id;
        const event = this.parts.handleToolCallDelta(args);
        if (event) yield event;
      }
    }
    if (!any) throw new UnexpectedModelBehavior('Streamed response ended without content or tool calls');
    if (refusal) this.providerDetails = { ...(this.providerDetails ?? {}), refusal };
  }

  /** The response so far; thinking parts read from a reasoning field carry the provider name. */
  override get(): ModelResponse {
    const r = super.get();
    const fields = thinkingFields(this.init.profile);
    r.parts = r.parts.map((p) => (p.partKind === 'thinking' && p.id !== undefined && fields.includes(p.id) ? { ...p, providerName: this.init.system } : p));
    return r;
  }
}

registerModelProvider('openai', (name) => new OpenAIChatModel(name));
registerModelProvider('openai-chat', (name) => new OpenAIChatModel(name));

export type { OpenAIModelProfile, OpenAISystemPromptRole, ResolvedOpenAIModelProfile } from './openai-profile.js';
export { openaiModelProfile } from './openai-profile.js';
export { transformOpenAIJsonSchema } from './openai-json-schema.js';
export type { OpenAIJsonSchemaResult } from './openai-json-schema.js';
