/**
 * The provider seam: everything the agent knows about a model goes through `Model`.
 */
import type { JSONSchema } from 'zod/v4/core';
import type { ModelMessage, ModelResponse } from './messages.js';
import type { ModelSettings } from './settings.js';
import type { RequestUsage } from './usage.js';
import type { ModelResponseStreamEvent } from './stream-events.js';
import type { NativeTool } from './native-tools.js';

/** A JSON Schema object, as produced by `z.toJSONSchema`. */
export type JsonSchema = JSONSchema.BaseSchema & Record<string, unknown>;

/** A tool as the model sees it. `kind: 'output'` marks an output tool (structured output). */
export interface ToolDefinition {
  name: string;
  description?: string;
  parametersJsonSchema: JsonSchema;
  /**
   * `'function'`: run by the agent; `'output'`: ends the run; `'external'`: run outside the agent
   * (its call ends the run in `DeferredToolRequests.calls`); `'unapproved'`: needs approval first
   * (as pydantic-ai's `ToolKind`). Models send every kind but `'output'` as function tools.
   */
  kind: 'function' | 'output' | 'external' | 'unapproved';
  /** Data about the tool kept by the agent and never sent to models (pydantic-ai's `metadata`). */
  metadata?: Record<string, unknown>;
  /** Whether the provider should enforce the schema strictly (OpenAI `strict`); `undefined` lets the provider decide. */
  strict?: boolean;
  /**
   * For output tools whose output type is not an object: the key the value travels under
   * (`'response'`, as pydantic-ai's `outer_typed_dict_key`). `undefined` for object outputs.
   */
  outerTypedDictKey?: string;
}

/** The structured-output object for native/prompted output modes. */
export interface OutputObjectDefinition {
  name?: string;
  description?: string;
  jsonSchema: JsonSchema;
  strict?: boolean;
}

/**
 * How structured output is requested, as pydantic-ai's output modes: `'text'` (plain text),
 * `'tool'` (an output tool), `'native'` (provider JSON-schema response format),
 * `'prompted'` (a schema in the instructions, JSON mode).
 */
export type OutputMode = 'text' | 'tool' | 'native' | 'prompted';

/** What a model needs to know about tools and output for one request. */
export interface ModelRequestParameters {
  functionTools: ToolDefinition[];
  outputTools: ToolDefinition[];
  /** Whether a plain text response ends the run. */
  allowTextOutput: boolean;
  /** Output mode of the run; default `'text'` when there is no structured output, else `'tool'`. */
  outputMode?: OutputMode;
  /** Set for `'native'` and `'prompted'` modes. */
  outputObject?: OutputObjectDefinition;
  /** Tools the provider runs itself (e.g. web search); `undefined` or empty: none. */
  nativeTools?: NativeTool[];
}

/** A model the agent can send requests to. */
export interface Model {
  /** The model's name, e.g. `'gpt-4o'`. */
  readonly modelName: string;
  /** The provider name, e.g. `'openai'`, `'test'`, `'function'`. */
  readonly system: string;
  /** The provider's base URL, if any (for tracing). */
  readonly baseUrl?: string;
  /** Makes one request and returns the whole response. */
  request(messages: ModelMessage[], settings: ModelSettings | undefined, params: ModelRequestParameters): Promise<ModelResponse>;
  /**
   * Makes one streamed request. Yields stream events; `finalResponse()` on the returned stream
   * is not needed: the agent assembles events with a `PartsManager`. The last event may be a
   * `ResponseMetadataEvent` carrying usage, model name and finish reason.
   */
  requestStream(
    messages: ModelMessage[],
    settings: ModelSettings | undefined,
    params: ModelRequestParameters,
  ): AsyncIterable<ModelResponseStreamEvent>;
  /**
   * Optional: adjusts request parameters before a request (e.g. a provider that cannot do
   * native output). Default: unchanged.
   */
  customizeRequestParameters?(params: ModelRequestParameters): ModelRequestParameters;
  /**
   * Optional: counts the input tokens of a request without making it, for
   * `UsageLimits.countTokensBeforeRequest`. Resolves to the counted usage (`outputTokens` 0).
   */
  countTokens?(messages: ModelMessage[], settings: ModelSettings | undefined, params: ModelRequestParameters): Promise<RequestUsage>;
}
