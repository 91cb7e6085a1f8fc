/**
 * `TestModel`: a fake model that needs no script, as pydantic-ai's `models/test.py`. It calls
 * every selected tool once with arguments generated from the tool's JSON schema, then returns
 * a final output (text summarising the tool results, or an output-tool call with generated
 * arguments). Deterministic for a seed.
 */
import type {
  Model,
  ModelMessage,
  ModelRequest,
  ModelRequestParameters,
  ModelResponse,
  ModelResponsePart,
  ModelResponseStreamEvent,
  ModelSettings,
  OutputMode,
  ToolCallPart,
  ToolDefinition,
} from '../runtime/index.js';
import { StreamedResponse, UserError, generateToolCallId, nowIso } from '../runtime/index.js';
import { estimateStringTokens, estimateUsage } from './estimate-usage.js';
import { JsonSchemaTestData } from './json-schema-data.js';

/** Options of `TestModel`. */
export interface TestModelOptions {
  /**
   * Function tools to call on the first request: `'all'` (default) or a list of names.
   * A name the request does not offer makes the request throw `UserError`.
   */
  callTools?: 'all' | string[];
  /** If set, the final response is this text. Not allowed when output must go through a tool. */
  customOutputText?: string;
  /**
   * If set, the final response calls the output tool with these arguments (wrapped under the
   * tool's `outerTypedDictKey`, if it has one). In `'native'`/`'prompted'` output modes, the
   * final response is their JSON as text (an extension: pydantic-ai has no such mode here).
   */
  customOutputArgs?: unknown;
  /** Seed for the generated data and for choosing among output tools. Default 0. */
  seed?: number;
  /** Model name reported on responses. Default `'test'`. */
  modelName?: string;
  /** Clock for response timestamps. Default: the system clock. */
  now?: () => Date;
}

/** Text output to give: `undefined` value means "summarise tool returns" (pydantic-ai `_WrappedTextOutput`). */
interface WrappedText {
  kind: 'text';
  value: string | undefined;
}
/** Output-tool arguments to give: `undefined` means "generate" (pydantic-ai `_WrappedToolOutput`). */
interface WrappedTool {
  kind: 'tool';
  value: unknown;
}

/** An output tool definition that wraps a non-object output under a key (e.g. `{response: ...}`). */
type MaybeWrappedTool = ToolDefinition & { outerTypedDictKey?: string };

function effectiveOutputMode(params: ModelRequestParameters): OutputMode {
  return params.outputMode ?? (params.outputTools.length > 0 ? 'tool' : 'text');
}

function asArgs(value: unknown): string | Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  return JSON.stringify(value ?? null);
}

/**
 * A model for tests that needs no script, following pydantic-ai's `TestModel` step by step:
 *
 * 1. First request (no response in the history yet) with tools to call: one response calling
 *    each selected function tool once, ids `pyd_ai_tool_call_id__{name}`, args generated from
 *    the tool's JSON schema.
 * 2. Retry prompts in the last request: call those tools again (function tools with fresh ids,
 *    output tools with `pyd_ai_tool_call_id__{name}`). A retry not about a tool gives an empty
 *    response, as pydantic-ai.
 * 3. Final output: `customOutputText`; else `customOutputArgs` through the first output tool;
 *    else, when text is allowed, the JSON of `{toolName: returnContent}` over the tool returns of
 *    all requests (`'success (no tool calls)'` when there are none) — or, in `'native'`/
 *    `'prompted'` output modes, the JSON of data generated for `params.outputObject.jsonSchema`;
 *    else a call of output tool `seed % n` with generated args.
 *
 * Usage is estimated as pydantic-ai does (see `estimateUsage`) over `[...messages, response]`.
 * Exempt from `setAllowModelRequests(false)`.
 */
export class TestModel implements Model {
  readonly system = 'test';
  readonly modelName: string;
  private readonly now: () => string;
  readonly callTools: 'all' | string[];
  readonly customOutputText: string | undefined;
  readonly customOutputArgs: unknown;
  readonly seed: number;
  /** The parameters of the most recent request (set on every `request`/`requestStream`); `undefined` before any. */
  lastModelRequestParameters: ModelRequestParameters | undefined;

  constructor(options: TestModelOptions = {}) {
    this.callTools = options.callTools ?? 'all';
    this.customOutputText = options.customOutputText;
    this.customOutputArgs = options.customOutputArgs;
    this.seed = options.seed ?? 0;
    this.modelName = options.modelName ?? 'test';
    const now = options.now;
    this.now = now === undefined ? nowIso : () => now().toISOString();
    if (this.customOutputText !== undefined && this.customOutputArgs !== undefined) {
      throw new UserError('Cannot set both `customOutputText` and `customOutputArgs`.');
    }
  }

  /**
   * @throws UserError when the request has native tools (`nativeTools`, e.g. `WebSearchTool`:
   *   TestModel cannot emulate provider-run tools; pydantic-ai's TestModel refuses them the same
   *   way, after recording `lastModelRequestParameters`), when `callTools` names a tool the request does not offer, when
   *   `customOutputText` is set but output must be a tool call, or when `customOutputArgs` is
   *   set but there is no output tool.
   */
  async request(messages: ModelMessage[], _settings: ModelSettings | undefined, params: ModelRequestParameters): Promise<ModelResponse> {
    this.lastModelRequestParameters = params;
    const response = this.buildResponse(messages, params);
    response.usage = estimateUsage([...messages, response]);
    return response;
  }

  /**
   * Streams the same response `request` would give: text word by word (after an empty first
   * delta), tool calls whole. Usage: the estimate over `messages`, plus each word's tokens.
   * @throws UserError as `request` does.
   */
  requestStream(messages: ModelMessage[], _settings: ModelSettings | undefined, params: ModelRequestParameters): TestStreamedResponse {
    this.lastModelRequestParameters = params;
    const response = this.buildResponse(messages, params);
    const stream = new TestStreamedResponse({ modelName: this.modelName, response, messages });
    stream.timestamp = response.timestamp;
    return stream;
  }

  /** Arguments generated for a tool from its JSON schema with this model's seed. */
  genToolArgs(tool: ToolDefinition): string | Record<string, unknown> {
    return asArgs(new JsonSchemaTestData(tool.parametersJsonSchema, this.seed).generate());
  }

  private getToolCalls(params: ModelRequestParameters): ToolDefinition[] {
    if (this.callTools === 'all') return [...params.functionTools];
    const byName = new Map(params.functionTools.map((t) => [t.name, t]));
    return this.callTools.map((name) => {
      const tool = byName.get(name);
      if (!tool) {
        const available = params.functionTools.map((t) => `'${t.name}'`).join(', ') || '(none)';
        throw new UserError(`TestModel was configured to call unknown tool '${name}'. Available function tools: ${available}.`);
      }
      return tool;
    });
  }

  private getOutput(params: ModelRequestParameters): WrappedText | WrappedTool {
    const mode = effectiveOutputMode(params);
    if (this.customOutputText !== undefined) {
      if (mode === 'tool') throw new UserError('Plain response not allowed, but `customOutputText` is set.');
      return { kind: 'text', value: this.customOutputText };
    }
    if (this.customOutputArgs !== undefined) {
      if (mode === 'native' || mode === 'prompted') return { kind: 'text', value: JSON.stringify(this.customOutputArgs) };
      const first = params.outputTools[0] as MaybeWrappedTool | undefined;
      if (!first) throw new UserError('No output tools provided, but `customOutputArgs` is set.');
      const key = first.outerTypedDictKey;
      return { kind: 'tool', value: key ? { [key]: this.customOutputArgs } : this.customOutputArgs };
    }
    if (params.allowTextOutput) return { kind: 'text', value: undefined };
    if (params.outputTools.length > 0) return { kind: 'tool', value: undefined };
    return { kind: 'text', value: undefined };
  }

  private response(parts: ModelResponsePart[]): ModelResponse {
    return { kind: 'response', parts, usage: { inputTokens: 0, outputTokens: 0 }, modelName: this.modelName, timestamp: this.now(), providerName: this.system };
  }

  private buildResponse(messages: ModelMessage[], params: ModelRequestParameters): ModelResponse {
    // As pydantic-ai: the parameters are recorded first, then native tools are refused.
    if (params.nativeTools && params.nativeTools.length > 0) throw new UserError('TestModel does not support built-in tools');
    const toolCalls = this.getToolCalls(params);
    const output = this.getOutput(params);
    const outputTools = params.outputTools;

    // the first thing to do, if there are tools: call all of them
    if (toolCalls.length > 0 && !messages.some((m) => m.kind === 'response')) {
      return this.response(
        toolCalls.map((t): ToolCallPart => ({ partKind: 'tool-call', toolName: t.name, args: this.genToolArgs(t), toolCallId: `pyd_ai_tool_call_id__${t.name}` })),
      );
    }

    const last = messages[messages.length - 1];
    if (last !== undefined) {
      if (last.kind !== 'request') throw new UserError('Expected last message to be a `ModelRequest`.');
      const retryNames = new Set((last as ModelRequest).parts.filter((p) => p.partKind === 'retry-prompt').map((p) => p.toolName));
      if (retryNames.size > 0) {
        const parts: ModelResponsePart[] = toolCalls
          .filter((t) => retryNames.has(t.name))
          .map((t): ToolCallPart => ({ partKind: 'tool-call', toolName: t.name, args: this.genToolArgs(t), toolCallId: generateToolCallId() }));
        for (const tool of outputTools) {
          if (!retryNames.has(tool.name)) continue;
          const args = output.kind === 'tool' && output.value !== undefined && output.value !== null ? asArgs(output.value) : this.genToolArgs(tool);
          parts.push({ partKind: 'tool-call', toolName: tool.name, args, toolCallId: `pyd_ai_tool_call_id__${tool.name}` });
        }
        return this.response(parts);
      }
    }

    if (output.kind === 'text') {
      if (output.value !== undefined) return this.response([{ partKind: 'text', content: output.value }]);
      const mode = effectiveOutputMode(params);
      if ((mode === 'native' || mode === 'prompted') && params.outputObject) {
        const data = new JsonSchemaTestData(params.outputObject.jsonSchema, this.seed).generate();
        return this.response([{ partKind: 'text', content: JSON.stringify(data) }]);
      }
      // summarise the tool returns of every request
      const summary: Record<string, unknown> = {};
      let any = false;
      for (const m of messages) {
        if (m.kind !== 'request') continue;
        for (const p of m.parts) {
          if (p.partKind === 'tool-return') {
            summary[p.toolName] = p.content === undefined ? null : p.content;
            any = true;
          }
        }
      }
      return this.response([{ partKind: 'text', content: any ? JSON.stringify(summary) : 'success (no tool calls)' }]);
    }

    const tool = outputTools[this.seed % outputTools.length];
    if (!tool) throw new UserError('No output tools provided');
    const args = output.value !== undefined && output.value !== null ? asArgs(output.value) : this.genToolArgs(tool);
    return this.response([{ partKind: 'tool-call', toolName: tool.name, args, toolCallId: `pyd_ai_tool_call_id__${tool.name}` }]);
  }
}

/**
 * Streams a prepared `TestModel` response, as pydantic-ai's `TestStreamedResponse`: each text
 * part is split on spaces (words keep their trailing space; a single word longer than two
 * characters is split in half), preceded by an empty delta; tool calls are emitted whole.
 * `usage` starts as the estimate over the request messages and grows by each word's tokens.
 */
export class TestStreamedResponse extends StreamedResponse {
  private readonly response: ModelResponse;

  constructor(args: { modelName: string; response: ModelResponse; messages: readonly ModelMessage[] }) {
    super(args.modelName);
    this.response = args.response;
    this.providerName = 'test';
    this.usage = estimateUsage(args.messages);
  }

  private addOutputTokens(text: string): void {
    this.usage.outputTokens += estimateStringTokens(text);
  }

  protected async *iterateEvents(): AsyncIterable<ModelResponseStreamEvent> {
    for (const [i, part] of this.response.parts.entries()) {
      switch (part.partKind) {
        case 'text': {
          const text = part.content;
          const pieces = text.split(' ');
          const lastWord = pieces.pop()!;
          let words = pieces.map((w) => `${w} `);
          words.push(lastWord);
          const chars = [...text];
          if (words.length === 1 && chars.length > 2) {
            const mid = Math.floor(chars.length / 2);
            words = [chars.slice(0, mid).join(''), chars.slice(mid).join('')];
          }
          this.addOutputTokens('');
          yield this.parts.handleTextDelta({ vendorPartId: i, content: '' });
          for (const word of words) {
            this.addOutputTokens(word);
            yield this.parts.handleTextDelta({ vendorPartId: i, content: word });
          }
          break;
        }
        case 'tool-call':
          yield this.parts.handleToolCallPart({ vendorPartId: i, toolName: part.toolName, args: part.args, toolCallId: part.toolCallId });
          break;
        case 'thinking':
          throw new Error('unreachable: TestModel does not generate thinking parts');
      }
    }
  }
}
