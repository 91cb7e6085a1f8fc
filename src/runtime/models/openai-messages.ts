/**
 * Maps rehearse messages to OpenAI Chat Completions `messages`, as pydantic-ai's
 * `OpenAIChatModel._map_messages` and the helpers it calls (user content, tool returns with
 * files, retry prompts, assistant turns with thinking and tool calls, instructions).
 */
import { loadModuleSync } from '../load-module.js';
import { UserError, assertNever } from '../errors.js';
import type {
  BinaryContent,
  DocumentUrl,
  ImageUrl,
  ModelMessage,
  ModelRequest,
  ModelResponse,
  MultiModalContent,
  ToolReturnPart,
  UserContent,
} from '../messages.js';
import { isMultiModalContent, retryPromptText, toolCallArgsAsJson } from '../messages.js';
import type { ResolvedOpenAIModelProfile } from './openai-profile.js';

/** A Chat Completions message as sent on the wire (plain JSON). */
export type ChatMessageParam = Record<string, unknown> & { role: string };
/** A Chat Completions content part (`text`, `image_url`, `file`). */
export type ChatContentPart = Record<string, unknown> & { type: string };

/** Context the mapping needs: the resolved profile, the provider name, and how to download URLs. */
export interface MapMessagesContext {
  profile: ResolvedOpenAIModelProfile;
  /** Provider name (`'openai'`); thinking parts from this provider may be sent back in their field. */
  system: string;
  /** Fetch used to download `DocumentUrl`s (looked up at call time). */
  fetch: typeof globalThis.fetch;
}

const DOCUMENT_FORMATS: Record<string, string> = {
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'text/csv': 'csv',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'text/html': 'html',
  'text/markdown': 'md',
  'application/msword': 'doc',
  'application/vnd.ms-excel': 'xls',
};

const EXTENSION_MEDIA_TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  csv: 'text/csv',
  html: 'text/html',
  htm: 'text/html',
  md: 'text/markdown',
  json: 'application/json',
  xml: 'application/xml',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/** Whether a media type is text-like and gets inlined (pydantic-ai `is_text_like_media_type`). */
export function isTextLikeMediaType(mediaType: string): boolean {
  return (
    mediaType.startsWith('text/') ||
    mediaType === 'application/json' ||
    mediaType.endsWith('+json') ||
    mediaType === 'application/xml' ||
    mediaType.endsWith('+xml') ||
    mediaType === 'application/x-yaml' ||
    mediaType === 'application/yaml'
  );
}

/** Stable 6-hex-digit identifier of a file: the SHA-1 of its URL or bytes (pydantic-ai's). */
export function multiModalIdentifier(item: MultiModalContent): string {
  if (item.identifier !== undefined) return item.identifier;
  const source = item.kind === 'binary' ? Buffer.from(item.data, 'base64') : Buffer.from(item.url, 'utf8');
  return loadModuleSync<typeof import('node:crypto')>('node:crypto').createHash('sha1').update(new Uint8Array(source)).digest('hex').slice(0, 6);
}

/** Text file content wrapped in BEGIN/END FILE delimiters, as pydantic-ai inlines text documents. */
export function formatInlinedTextFile(text: string, mediaType: string, identifier: string): string {
  return [`-----BEGIN FILE id="${identifier}" type="${mediaType}"-----`, text, `-----END FILE id="${identifier}"-----`].join('\n');
}

function urlMediaType(item: ImageUrl | DocumentUrl): string {
  if (item.mediaType !== undefined) return item.mediaType;
  let path = item.url;
  try {
    path = new URL(item.url).pathname;
  } catch {
    // not an absolute URL: use it as is
  }
  const ext = path.split('.').pop()?.toLowerCase() ?? '';
  const mt = EXTENSION_MEDIA_TYPES[ext];
  if (!mt) throw new UserError(`Could not infer media type from URL: ${item.url}. Explicitly provide a \`mediaType\` instead.`);
  return mt;
}

function documentFormat(mediaType: string): string {
  const f = DOCUMENT_FORMATS[mediaType];
  if (f === undefined) throw new UserError(`Unknown document media type: ${mediaType}`);
  return f;
}

function documentNotSupported(system: string): never {
  throw new UserError(`The '${system}' provider does not support document input via the Chat Completions API.`);
}

async function download(ctx: MapMessagesContext, url: string): Promise<{ bytes: Buffer; contentType: string | undefined }> {
  if (!/^https?:\/\//i.test(url)) throw new UserError(`Only http:// and https:// URLs can be downloaded, got ${url}`);
  const res = await ctx.fetch(url);
  if (!res.ok) throw new UserError(`Downloading ${url} failed with HTTP status ${res.status}`);
  let contentType = res.headers.get('content-type')?.split(';')[0]?.trim();
  if (contentType === 'application/octet-stream' || contentType === '') contentType = undefined;
  return { bytes: Buffer.from(await res.arrayBuffer()), contentType };
}

function mapImageUrl(item: ImageUrl): ChatContentPart {
  return { type: 'image_url', image_url: { url: item.url } };
}

function mapBinary(ctx: MapMessagesContext, item: BinaryContent): ChatContentPart {
  const mt = item.mediaType;
  if (isTextLikeMediaType(mt)) {
    const text = Buffer.from(item.data, 'base64').toString('utf8');
    return { type: 'text', text: formatInlinedTextFile(text, mt, multiModalIdentifier(item)) };
  }
  if (mt.startsWith('image/')) return { type: 'image_url', image_url: { url: `data:${mt};base64,${item.data}` } };
  if (mt.startsWith('audio/')) {
    const format = mt === 'audio/mpeg' ? 'mp3' : mt === 'audio/wav' ? 'wav' : undefined;
    if (format === undefined) throw new UserError(`Unsupported audio media type for OpenAI chat: ${mt} (use audio/wav or audio/mpeg)`);
    return { type: 'input_audio', input_audio: { data: item.data, format } };
  }
  if (mt in DOCUMENT_FORMATS) {
    if (!ctx.profile.chatSupportsDocumentInput) documentNotSupported(ctx.system);
    return { type: 'file', file: { file_data: `data:${mt};base64,${item.data}`, filename: `filename.${documentFormat(mt)}` } };
  }
  if (mt.startsWith('video/')) throw new UserError('Video content is not supported in OpenAI Chat Completions user prompts');
  throw new UserError(`Unsupported binary content type: ${mt}`);
}

async function mapDocumentUrl(ctx: MapMessagesContext, item: DocumentUrl): Promise<ChatContentPart> {
  const mediaType = urlMediaType(item);
  if (ctx.profile.chatSupportsFileUrls) {
    return { type: 'file', file: { file_data: item.url, filename: `filename.${documentFormat(mediaType)}` } };
  }
  if (isTextLikeMediaType(mediaType)) {
    const { bytes } = await download(ctx, item.url);
    return { type: 'text', text: formatInlinedTextFile(bytes.toString('utf8'), mediaType, multiModalIdentifier(item)) };
  }
  if (!ctx.profile.chatSupportsDocumentInput) documentNotSupported(ctx.system);
  const { bytes, contentType } = await download(ctx, item.url);
  const dataMediaType = contentType ?? mediaType;
  return {
    type: 'file',
    file: { file_data: `data:${dataMediaType};base64,${bytes.toString('base64')}`, filename: `filename.${documentFormat(mediaType)}` },
  };
}

async function mapContentItem(ctx: MapMessagesContext, item: UserContent): Promise<ChatContentPart> {
  if (typeof item === 'string') return { type: 'text', text: item };
  switch (item.kind) {
    case 'image-url':
      return mapImageUrl(item);
    case 'binary':
      return mapBinary(ctx, item);
    case 'document-url':
      return mapDocumentUrl(ctx, item);
    default:
      return assertNever(item, 'user content');
  }
}

/** Maps user-prompt content: a string stays a string, a list becomes content parts. */
export async function mapUserPromptContent(ctx: MapMessagesContext, content: string | UserContent[]): Promise<ChatMessageParam> {
  if (typeof content === 'string') return { role: 'user', content };
  const parts: ChatContentPart[] = [];
  for (const item of content) parts.push(await mapContentItem(ctx, item));
  return { role: 'user', content: parts };
}

function jsonOf(value: unknown): string {
  return value === undefined ? '' : (JSON.stringify(value) ?? '');
}

/**
 * The text of a tool return and the files to send after it in a user message, as pydantic-ai's
 * `model_response_str_and_user_content`: each file is referenced as `See file {id}.` in the tool
 * message and sent as `This is file {id}:` followed by the file.
 */
export function toolReturnTextAndFiles(part: ToolReturnPart): { text: string; files: UserContent[] } {
  const c = part.content;
  const wasList = Array.isArray(c);
  const items: unknown[] = wasList ? (c as unknown[]) : [c];
  const hasFiles = items.some(isMultiModalContent);
  if (!hasFiles) {
    // model_response_str: single-item data unwrapped only when content was scalar.
    if (c === undefined || c === null) return { text: '', files: [] };
    return { text: typeof c === 'string' ? c : jsonOf(c), files: [] };
  }
  const texts: string[] = [];
  const files: UserContent[] = [];
  for (const item of items) {
    if (isMultiModalContent(item)) {
      const id = multiModalIdentifier(item);
      texts.push(`See file ${id}.`);
      files.push(`This is file ${id}:`, item);
    } else {
      texts.push(typeof item === 'string' ? item : jsonOf(item));
    }
  }
  return { text: wasList ? JSON.stringify(texts) : (texts[0] ?? ''), files };
}

function systemMessage(role: string, content: string): ChatMessageParam {
  return { role, content };
}

async function mapRequest(ctx: MapMessagesContext, message: ModelRequest, out: ChatMessageParam[]): Promise<void> {
  const fileContent: UserContent[] = [];
  for (const part of message.parts) {
    switch (part.partKind) {
      case 'system-prompt':
        out.push(systemMessage(ctx.profile.systemPromptRole, part.content));
        break;
      case 'user-prompt':
        out.push(await mapUserPromptContent(ctx, part.content));
        break;
      case 'tool-return': {
        const { text, files } = toolReturnTextAndFiles(part);
        fileContent.push(...files);
        out.push({ role: 'tool', tool_call_id: part.toolCallId, content: text });
        break;
      }
      case 'retry-prompt':
        if (part.toolName === undefined) out.push({ role: 'user', content: retryPromptText(part) });
        else out.push({ role: 'tool', tool_call_id: part.toolCallId, content: retryPromptText(part) });
        break;
      default:
        assertNever(part, 'request part');
    }
  }
  if (fileContent.length > 0) out.push(await mapUserPromptContent(ctx, fileContent));
}

function mapResponse(ctx: MapMessagesContext, message: ModelResponse): ChatMessageParam | undefined {
  const texts: string[] = [];
  const thinkings = new Map<string, string[]>();
  const toolCalls: Record<string, unknown>[] = [];
  const [startTag, endTag] = ctx.profile.thinkingTags;
  for (const part of message.parts) {
    switch (part.partKind) {
      case 'text':
        texts.push(part.content);
        break;
      case 'thinking': {
        const mode = ctx.profile.chatSendBackThinkingParts;
        const field = ctx.profile.chatThinkingField;
        if (mode === 'auto') {
          const matchesCustom = field === undefined || part.id === field;
          if (part.id !== undefined && part.id !== '' && part.id !== 'content' && part.providerName === ctx.system && matchesCustom) {
            const list = thinkings.get(part.id) ?? [];
            list.push(part.content);
            thinkings.set(part.id, list);
          } else {
            texts.push([startTag, part.content, endTag].join('\n'));
          }
        } else if (mode === 'tags') {
          texts.push([startTag, part.content, endTag].join('\n'));
        } else if (mode === 'field' && field !== undefined) {
          const list = thinkings.get(field) ?? [];
          list.push(part.content);
          thinkings.set(field, list);
        }
        break;
      }
      case 'tool-call':
        toolCalls.push({ id: part.toolCallId, type: 'function', function: { name: part.toolName, arguments: toolCallArgsAsJson(part) } });
        break;
      default:
        assertNever(part, 'response part');
    }
  }
  if (texts.length === 0 && toolCalls.length === 0) return undefined;
  const msg: ChatMessageParam = { role: 'assistant' };
  for (const [field, contents] of thinkings) msg[field] = contents.join('\n\n');
  msg['content'] = texts.length > 0 ? texts.join('\n\n') : null;
  if (toolCalls.length > 0) msg['tool_calls'] = toolCalls;
  return msg;
}

/**
 * The instructions in force for the next request, as pydantic-ai's `_get_instruction_parts`
 * fallback: the last request's `instructions`; when the last request has none and holds only
 * tool returns / retry prompts, the previous request's.
 */
export function currentInstructions(messages: ModelMessage[]): string | undefined {
  const lastTwo: ModelRequest[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.kind !== 'request') continue;
    lastTwo.push(m);
    if (lastTwo.length === 2) break;
    if (m.instructions !== undefined) return m.instructions;
  }
  if (lastTwo.length === 2) {
    const [recent, second] = lastTwo as [ModelRequest, ModelRequest];
    if (recent.parts.every((p) => p.partKind === 'tool-return' || p.partKind === 'retry-prompt') && second.instructions !== undefined) {
      return second.instructions;
    }
  }
  return undefined;
}

/**
 * Maps a message history to Chat Completions messages. Instructions are inserted as one message
 * in the system-prompt role right after the leading system prompts (pydantic-ai's placement);
 * with `chatSupportsMultipleSystemMessages: false` leading system messages are merged.
 * @throws UserError for content the model cannot take (unknown media types, documents where unsupported).
 */
export async function mapMessages(ctx: MapMessagesContext, messages: ModelMessage[]): Promise<ChatMessageParam[]> {
  let out: ChatMessageParam[] = [];
  const backfillField =
    ctx.profile.chatSendBackThinkingParts === 'field' &&
    messages.some((m) => m.kind === 'response' && m.parts.some((p) => p.partKind === 'thinking'))
      ? ctx.profile.chatThinkingField
      : undefined;
  for (const message of messages) {
    if (message.kind === 'request') {
      await mapRequest(ctx, message, out);
    } else {
      const mapped = mapResponse(ctx, message);
      if (mapped === undefined) continue;
      if (backfillField !== undefined && mapped['tool_calls'] !== undefined && !(backfillField in mapped)) mapped[backfillField] = '';
      out.push(mapped);
    }
  }
  const role = ctx.profile.systemPromptRole;
  const instructions = currentInstructions(messages);
  if (instructions !== undefined) {
    let count = out.findIndex((m) => m.role !== role);
    if (count === -1) count = out.length;
    out.splice(count, 0, systemMessage(role, instructions));
  }
  if (!ctx.profile.chatSupportsMultipleSystemMessages && (role === 'system' || role === 'developer')) {
    let leading = out.findIndex((m) => m.role !== role);
    if (leading === -1) leading = out.length;
    if (leading >= 2) {
      const merged = { ...out[0]!, content: out.slice(0, leading).map((m) => m['content'] as string).join('\n\n') };
      out = [merged, ...out.slice(leading)];
    }
  }
  return out;
}
