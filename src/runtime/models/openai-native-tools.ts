/**
 * Native tools (provider-run tools) on the OpenAI Chat Completions API, as pydantic-ai's
 * `OpenAIChatModel`: only `WebSearchTool`, sent as the request's `web_search_options`, and only
 * to models whose profile allows it (`chatSupportsWebSearch`, the `-search-preview` models).
 */
import { UserError } from '../errors.js';
import type { NativeTool, WebSearchTool } from '../native-tools.js';

/** The Chat Completions `web_search_options` request field. */
export interface ChatWebSearchOptions {
  search_context_size: 'low' | 'medium' | 'high';
  /** Present only when the tool's `userLocation` has at least one key. */
  user_location?: { type: 'approximate'; approximate: { city?: string; country?: string; region?: string; timezone?: string } };
}

/** Class names pydantic-ai uses in its messages, by native tool kind. */
const NATIVE_TOOL_NAMES: Record<string, string> = { web_search: 'WebSearchTool' };
/** Native tool kinds Chat Completions can run at all. */
const CHAT_NATIVE_KINDS = new Set(['web_search']);

function nativeToolName(tool: { kind: string }): string {
  return NATIVE_TOOL_NAMES[tool.kind] ?? tool.kind;
}

/**
 * Checks a request's native tools against Chat Completions and a model, and returns the
 * `web_search_options` to send (`undefined`: send none). As pydantic-ai's `OpenAIChatModel`:
 * - native tools are deduplicated by kind, the last of a kind winning (pydantic-ai dedups by
 *   `unique_id`, which is the kind for these tools);
 * - `WebSearchTool` maps to `{ search_context_size, user_location? }`, `user_location` as
 *   `{ type: 'approximate', approximate: userLocation }` when `userLocation` has any defined key;
 *   `blockedDomains`, `allowedDomains` and `maxUses` are not supported by Chat Completions and
 *   are ignored silently (pydantic-ai ignores them too).
 * @param options.modelName - Named in error messages.
 * @param options.supportsWebSearch - The profile's `chatSupportsWebSearch`.
 * @throws UserError when a `WebSearchTool` is given and the model does not support web search
 *   (checked first, as pydantic-ai), or when a native tool of another kind is given.
 */
export function chatWebSearchOptions(
  nativeTools: readonly NativeTool[] | undefined,
  options: { modelName: string; supportsWebSearch: boolean },
): ChatWebSearchOptions | undefined {
  if (!nativeTools || nativeTools.length === 0) return undefined;
  const byKind = new Map<string, NativeTool>();
  for (const tool of nativeTools) byKind.set(tool.kind, tool);
  const tools = [...byKind.values()];

  if (tools.some((t) => t.kind === 'web_search') && !options.supportsWebSearch) {
    throw new UserError(
      `WebSearchTool is not supported with \`OpenAIChatModel\` and model '${options.modelName}'. ` +
        "Chat Completions searches the web only with the `-search-preview` models (e.g. 'gpt-4o-search-preview'); " +
        'set `profile: { chatSupportsWebSearch: true }` if this model supports `web_search_options`.',
    );
  }
  const unsupported = tools.filter((t) => !CHAT_NATIVE_KINDS.has((t as { kind: string }).kind));
  if (unsupported.length > 0) {
    const supported = options.supportsWebSearch ? ['WebSearchTool'] : [];
    const list = (names: string[]): string => `[${names.map((n) => `'${n}'`).join(', ')}]`;
    throw new UserError(
      `Native tool(s) ${list(unsupported.map(nativeToolName))} not supported by this model. Supported: ${list(supported)}.`,
    );
  }

  const search = tools.find((t): t is WebSearchTool => t.kind === 'web_search');
  if (!search) return undefined;
  const out: ChatWebSearchOptions = { search_context_size: search.searchContextSize };
  const approximate = Object.fromEntries(Object.entries(search.userLocation ?? {}).filter(([, v]) => v !== undefined));
  if (Object.keys(approximate).length > 0) out.user_location = { type: 'approximate', approximate };
  return out;
}
