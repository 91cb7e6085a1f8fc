/**
 * Messages exchanged with a model, as plain JSON data (pydantic-ai's `messages.py`).
 * `JSON.parse(JSON.stringify(m))` deep-equals `m`; timestamps are ISO-8601 strings.
 * Tags keep pydantic-ai's values so serialized histories line up.
 */
import type * as zod from 'zod';
import { lazySchema, zodModule } from './zod-peer.js';
import type { RequestUsage } from './usage.js';

// ---------------------------------------------------------------- user content

/** An image referenced by URL (pydantic-ai `ImageUrl`). */
export interface ImageUrl { kind: 'image-url'; url: string; mediaType?: string; identifier?: string }
/** A document (PDF, text...) referenced by URL (pydantic-ai `DocumentUrl`). */
export interface DocumentUrl { kind: 'document-url'; url: string; mediaType?: string; identifier?: string }
/** Inline binary data, base64-encoded (pydantic-ai `BinaryContent`). */
export interface BinaryContent { kind: 'binary'; data: string; mediaType: string; identifier?: string }
/** A piece of user content: text or a file. */
export type UserContent = string | ImageUrl | DocumentUrl | BinaryContent;
/** A file-like user content item. */
export type MultiModalContent = ImageUrl | DocumentUrl | BinaryContent;

/** Builds an `ImageUrl` content item. */
export function ImageUrl(url: string, options: { mediaType?: string; identifier?: string } = {}): ImageUrl {
  return { kind: 'image-url', url, ...options };
}
/** Builds a `DocumentUrl` content item. */
export function DocumentUrl(url: string, options: { mediaType?: string; identifier?: string } = {}): DocumentUrl {
  return { kind: 'document-url', url, ...options };
}
/**
 * Builds a `BinaryContent` item. `data` is raw bytes or a base64 string; stored as base64 so
 * the message stays JSON data.
 */
export function BinaryContent(data: Uint8Array | string, mediaType: string, options: { identifier?: string } = {}): BinaryContent {
  const b64 = typeof data === 'string' ? data : Buffer.from(data).toString('base64');
  return { kind: 'binary', data: b64, mediaType, ...options };
}
/** True for `ImageUrl`, `DocumentUrl` and `BinaryContent` values. */
export function isMultiModalContent(value: unknown): value is MultiModalContent {
  if (typeof value !== 'object' || value === null) return false;
  const k = (value as { kind?: unknown }).kind;
  return k === 'image-url' || k === 'document-url' || k === 'binary';
}

// ---------------------------------------------------------------- request parts

/** A system prompt, stored in the history (unlike instructions). */
export interface SystemPromptPart { partKind: 'system-prompt'; content: string; timestamp: string; dynamicRef?: string }
/** The user's prompt. */
export interface UserPromptPart { partKind: 'user-prompt'; content: string | UserContent[]; timestamp: string }
/** A tool's result, sent back to the model. `content` is any JSON value. */
export interface ToolReturnPart {
  partKind: 'tool-return';
  toolName: string;
  content: unknown;
  toolCallId: string;
  timestamp: string;
  /** Data kept in the history but not sent to the model. */
  metadata?: unknown;
  /** `'denied'` when the call was denied (`ToolDenied`); `undefined` for a normal result (pydantic-ai's `outcome`). */
  outcome?: 'success' | 'failed' | 'denied';
}
/**
 * A tool result that keeps apart what the model gets and what stays with the application
 * (pydantic-ai's `ToolReturn`): `returnValue` becomes the tool return's `content`, `metadata`
 * is kept on the part but not sent to the model, and `content` (if any) is sent to the model as
 * a separate user prompt after the batch's tool returns. Return it from a tool, or give it as an
 * external result in `DeferredToolResults.calls`.
 */
export class ToolReturn<T = unknown> {
  readonly kind = 'tool-return' as const;
  readonly returnValue: T;
  readonly content: string | UserContent[] | undefined;
  readonly metadata: unknown;
  /**
   * `new ToolReturn({ returnValue, content?, metadata? })` (pydantic-ai's keyword form), or
   * `new ToolReturn(returnValue, { content?, metadata? })`.
   */
  constructor(init: { returnValue: T; content?: string | UserContent[] | undefined; metadata?: unknown });
  constructor(returnValue: T, options?: { content?: string | UserContent[] | undefined; metadata?: unknown });
  constructor(a: T | { returnValue: T; content?: string | UserContent[] | undefined; metadata?: unknown }, options?: { content?: string | UserContent[] | undefined; metadata?: unknown }) {
    const keyword = options === undefined && typeof a === 'object' && a !== null && !Array.isArray(a) && Object.hasOwn(a, 'returnValue');
    const init = keyword ? (a as { returnValue: T; content?: string | UserContent[]; metadata?: unknown }) : { returnValue: a as T, ...options };
    this.returnValue = init.returnValue;
    this.content = init.content;
    this.metadata = init.metadata;
  }
}

/** One validation problem, shaped as pydantic's `ErrorDetails` (`type`, `loc`, `msg`, `input`). */
export interface ValidationErrorDetail { type: string; loc: (string | number)[]; msg: string; input?: unknown }
/**
 * Asks the model to try again: a validation failure (`content` is a list of details), a
 * `ModelRetry` message, an unknown tool, or text where structured output was required.
 */
export interface RetryPromptPart {
  partKind: 'retry-prompt';
  content: string | ValidationErrorDetail[];
  /** Tool the retry is about; `undefined` for a retry about plain text output. */
  toolName?: string;
  toolCallId: string;
  timestamp: string;
}
export type ModelRequestPart = SystemPromptPart | UserPromptPart | ToolReturnPart | RetryPromptPart;

// ---------------------------------------------------------------- response parts

export interface TextPart { partKind: 'text'; content: string; id?: string }
/** A tool call. `args` is a JSON string (as streamed) or a parsed object. */
export interface ToolCallPart { partKind: 'tool-call'; toolName: string; args: string | Record<string, unknown>; toolCallId: string; id?: string }
export interface ThinkingPart { partKind: 'thinking'; content: string; id?: string; signature?: string; providerName?: string }
export type ModelResponsePart = TextPart | ToolCallPart | ThinkingPart;

/** Why the model stopped, with OpenTelemetry's gen_ai values (pydantic-ai `FinishReason`). */
export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_call' | 'error';

/** A request sent to the model: what rehearse says. */
export interface ModelRequest {
  kind: 'request';
  parts: ModelRequestPart[];
  /** Instructions in force for this request. Sent to the model, never stored as parts. */
  instructions?: string;
  /** Id of the run that made this request (pydantic-ai's `run_id`). */
  runId?: string;
  /** Id of the conversation (pydantic-ai's `conversation_id`). */
  conversationId?: string;
}

/** A model's response. */
export interface ModelResponse {
  kind: 'response';
  parts: ModelResponsePart[];
  usage: RequestUsage;
  modelName?: string;
  /** ISO-8601 time the response was received. */
  timestamp: string;
  finishReason?: FinishReason;
  providerName?: string;
  providerResponseId?: string;
  /** Provider-specific data, e.g. the raw finish reason. */
  providerDetails?: Record<string, unknown>;
  /** Id of the run that received this response (pydantic-ai's `run_id`). */
  runId?: string;
  /** Id of the conversation (pydantic-ai's `conversation_id`). */
  conversationId?: string;
}

export type ModelMessage = ModelRequest | ModelResponse;

// ---------------------------------------------------------------- helpers

let lastMs = -1;
let lastIso = '';
/** Current time as an ISO-8601 string (millisecond precision; formatted once per millisecond). */
export function nowIso(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

let toolCallCounter = 0;
/** A fresh tool-call id in pydantic-ai's style (`pyd_ai_…`). */
export function generateToolCallId(): string {
  toolCallCounter = (toolCallCounter + 1) % 1_000_000_000;
  return `pyd_ai_${Date.now().toString(36)}${toolCallCounter.toString(36).padStart(6, '0')}${Math.random().toString(36).slice(2, 8)}`;
}

/** Tool-call arguments as an object; a JSON string is parsed (empty string → `{}`). */
export function toolCallArgsAsObject(part: ToolCallPart): Record<string, unknown> {
  if (typeof part.args !== 'string') return part.args;
  if (part.args.trim() === '') return {};
  const parsed: unknown = JSON.parse(part.args);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SyntaxError(`tool call arguments must be a JSON object, got ${part.args}`);
  }
  return parsed as Record<string, unknown>;
}

/** Tool-call arguments as a JSON string (`{}` when empty). */
export function toolCallArgsAsJson(part: ToolCallPart): string {
  if (typeof part.args === 'string') return part.args === '' ? '{}' : part.args;
  return JSON.stringify(part.args);
}

/** The text a `ToolReturnPart` sends to the model: strings as they are, anything else as JSON. */
export function toolReturnContentString(part: ToolReturnPart): string {
  const c = part.content;
  if (c === undefined || c === null) return '';
  return typeof c === 'string' ? c : JSON.stringify(c);
}

/**
 * The text a `RetryPromptPart` sends to the model, as pydantic-ai's `model_response()`:
 * validation details as a JSON block, then "Fix the errors and try again.".
 */
export function retryPromptText(part: RetryPromptPart): string {
  let description: string;
  if (typeof part.content === 'string') {
    description = part.toolName === undefined ? `Validation feedback:\n${part.content}` : part.content;
  } else {
    const n = part.content.length;
    description = `${n} validation error${n === 1 ? '' : 's'}:\n\`\`\`json\n${JSON.stringify(part.content, null, 2)}\n\`\`\``;
  }
  return `${description}\n\nFix the errors and try again.`;
}

/** Builds a `ModelRequest` holding one user prompt. */
export function userPromptRequest(content: string | UserContent[], timestamp = nowIso()): ModelRequest {
  return { kind: 'request', parts: [{ partKind: 'user-prompt', content, timestamp }] };
}

/** Builds a text `ModelResponse`. */
export function textResponse(content: string, init: Partial<Omit<ModelResponse, 'kind' | 'parts'>> = {}): ModelResponse {
  return { kind: 'response', parts: [{ partKind: 'text', content }], usage: { inputTokens: 0, outputTokens: 0 }, timestamp: nowIso(), ...init };
}

/** All text parts of a response joined, or `undefined` when it has none. */
export function responseText(response: ModelResponse): string | undefined {
  let text: string | undefined;
  for (const p of response.parts) if (p.partKind === 'text') text = (text ?? '') + p.content;
  return text;
}

/** The tool calls of a response, in order. */
export function responseToolCalls(response: ModelResponse): ToolCallPart[] {
  return response.parts.filter((p): p is ToolCallPart => p.partKind === 'tool-call');
}

const toolResultsFirst = (p: ModelRequestPart): number => (p.partKind === 'tool-return' || p.partKind === 'retry-prompt' ? 0 : 1);
const fromApi = (m: ModelResponse): boolean => m.modelName !== undefined || m.providerName !== undefined || m.providerResponseId !== undefined;

/**
 * A fresh list with consecutive requests merged into one (tool results first; merged only when
 * their instructions agree or one has none) and consecutive responses that did not come from an
 * API (no `modelName`, `providerName`, `providerResponseId`) merged into one, as pydantic-ai's
 * `_clean_message_history`. The agent applies it to a given history at run start and to the
 * messages of each request, so a model never receives the run's live array.
 */
export function cleanMessageHistory(messages: readonly ModelMessage[]): ModelMessage[] {
  // Usually requests and responses alternate: then the copy is a plain slice (exact size, no merging).
  let i = 1;
  while (i < messages.length && messages[i]!.kind !== messages[i - 1]!.kind) i++;
  if (i >= messages.length) return messages.slice();
  const out: ModelMessage[] = [];
  let prev: ModelMessage | undefined;
  for (const m of messages) {
    if (m.kind === 'request' && prev?.kind === 'request' && (!prev.instructions || !m.instructions || prev.instructions === m.instructions)) {
      const parts = [...prev.parts, ...m.parts].sort((a, b) => toolResultsFirst(a) - toolResultsFirst(b));
      const merged: ModelRequest = { kind: 'request', parts };
      const instructions = prev.instructions || m.instructions;
      if (instructions) merged.instructions = instructions;
      // the merged request keeps the first one's run ids, as pydantic-ai's `replace(first, parts=...)`
      if (prev.runId !== undefined) merged.runId = prev.runId;
      if (prev.conversationId !== undefined) merged.conversationId = prev.conversationId;
      prev = out[out.length - 1] = merged;
    } else if (m.kind === 'response' && prev?.kind === 'response' && !fromApi(prev) && !fromApi(m)) {
      prev = out[out.length - 1] = { ...prev, parts: [...prev.parts, ...m.parts] };
    } else {
      out.push(m);
      prev = m;
    }
  }
  return out;
}

// ---------------------------------------------------------------- zod schemas

/** Builds the message schemas on first use (zod loads then, not when rehearse is imported). */
function buildMessageSchemas() {
  const { z } = zodModule();
  const isoTimestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO-8601 timestamp' });
  const UserContentSchema = z.union([
    z.string(),
    z.strictObject({ kind: z.literal('image-url'), url: z.string(), mediaType: z.string().optional(), identifier: z.string().optional() }),
    z.strictObject({ kind: z.literal('document-url'), url: z.string(), mediaType: z.string().optional(), identifier: z.string().optional() }),
    z.strictObject({ kind: z.literal('binary'), data: z.string(), mediaType: z.string(), identifier: z.string().optional() }),
  ]);
  const ValidationErrorDetailSchema = z.object({
    type: z.string(),
    loc: z.array(z.union([z.string(), z.number()])),
    msg: z.string(),
    input: z.unknown().optional(),
  });
  const RequestPartSchema = z.discriminatedUnion('partKind', [
    z.strictObject({ partKind: z.literal('system-prompt'), content: z.string(), timestamp: isoTimestamp, dynamicRef: z.string().optional() }),
    z.strictObject({ partKind: z.literal('user-prompt'), content: z.union([z.string(), z.array(UserContentSchema)]), timestamp: isoTimestamp }),
    z.strictObject({
      partKind: z.literal('tool-return'),
      toolName: z.string(),
      content: z.unknown(),
      toolCallId: z.string(),
      timestamp: isoTimestamp,
      metadata: z.unknown().optional(),
      outcome: z.enum(['success', 'failed', 'denied']).optional(),
    }),
    z.strictObject({
      partKind: z.literal('retry-prompt'),
      content: z.union([z.string(), z.array(ValidationErrorDetailSchema)]),
      toolName: z.string().optional(),
      toolCallId: z.string(),
      timestamp: isoTimestamp,
    }),
  ]);
  const ResponsePartSchema = z.discriminatedUnion('partKind', [
    z.strictObject({ partKind: z.literal('text'), content: z.string(), id: z.string().optional() }),
    z.strictObject({
      partKind: z.literal('tool-call'),
      toolName: z.string(),
      args: z.union([z.string(), z.record(z.string(), z.unknown())]),
      toolCallId: z.string(),
      id: z.string().optional(),
    }),
    z.strictObject({
      partKind: z.literal('thinking'),
      content: z.string(),
      id: z.string().optional(),
      signature: z.string().optional(),
      providerName: z.string().optional(),
    }),
  ]);
  const RequestUsageSchema = z.strictObject({
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
    cacheReadTokens: z.number().int().nonnegative().optional(),
    cacheWriteTokens: z.number().int().nonnegative().optional(),
    details: z.record(z.string(), z.number()).optional(),
  });

  const ModelMessageSchema = z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('request'),
      parts: z.array(RequestPartSchema),
      instructions: z.string().optional(),
      runId: z.string().optional(),
      conversationId: z.string().optional(),
    }),
    z.strictObject({
      kind: z.literal('response'),
      parts: z.array(ResponsePartSchema),
      usage: RequestUsageSchema,
      modelName: z.string().optional(),
      timestamp: isoTimestamp,
      finishReason: z.enum(['stop', 'length', 'content_filter', 'tool_call', 'error']).optional(),
      providerName: z.string().optional(),
      providerResponseId: z.string().optional(),
      providerDetails: z.record(z.string(), z.unknown()).optional(),
      runId: z.string().optional(),
      conversationId: z.string().optional(),
    }),
  ]);

  const ModelMessagesSchema = z.array(ModelMessageSchema);
  return { ModelMessageSchema, ModelMessagesSchema };
}

type MessageSchemas = ReturnType<typeof buildMessageSchemas>;
let messageSchemas: MessageSchemas | undefined;
const schemas = (): MessageSchemas => (messageSchemas ??= buildMessageSchemas());


/** Zod schema of one `ModelMessage` (built on first use). */
export const ModelMessageSchema: MessageSchemas['ModelMessageSchema'] = lazySchema(() => schemas().ModelMessageSchema);

/** Zod schema of a message history (`ModelMessage[]`, built on first use). */
export const ModelMessagesSchema: MessageSchemas['ModelMessagesSchema'] = lazySchema(() => schemas().ModelMessagesSchema);

/**
 * Validates a loaded message history (e.g. from JSON).
 * @throws UserError-like `Error` naming the path of the first bad field, e.g. `[2].parts[0].toolCallId`.
 */
export function parseModelMessages(data: unknown): ModelMessage[] {
  const r = schemas().ModelMessagesSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('');
    throw new InvalidMessageHistory(`Invalid message history at ${path || '(root)'}: ${issue.message}`, path);
  }
  return r.data as ModelMessage[];
}

/** A loaded message history failed validation. `path` is the first bad field, e.g. `[0].parts[1].content`. */
export class InvalidMessageHistory extends Error {
  override readonly name = 'InvalidMessageHistory' as const;
  constructor(message: string, readonly path: string) {
    super(message);
  }
}
