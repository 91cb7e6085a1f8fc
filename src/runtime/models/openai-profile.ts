/**
 * What `OpenAIChatModel` needs to know about a model family, as pydantic-ai's
 * `OpenAIModelProfile` and `openai_model_profile()` (profiles/openai.py), in camelCase.
 */

/** Role used to send system prompts and instructions. */
export type OpenAISystemPromptRole = 'system' | 'developer' | 'user';

/** Per-model behaviour of the OpenAI Chat Completions mapping. Every field is optional; defaults in brackets. */
export interface OpenAIModelProfile {
  /** Role for system prompts and instructions [`'system'`]; `'user'` for o1-mini, which rejects `system`. */
  systemPromptRole?: OpenAISystemPromptRole;
  /** Whether tool definitions and `json_schema` response formats may carry `strict` [true]. */
  supportsStrictToolDefinition?: boolean;
  /** Whether `tool_choice: 'required'` is accepted; if not, `'auto'` is sent instead [true]. */
  supportsToolChoiceRequired?: boolean;
  /** Whether `response_format: json_schema` (native output) is supported [true]. */
  supportsJsonSchemaOutput?: boolean;
  /** Whether `response_format: json_object` (JSON mode, used by prompted output) is supported [true]. */
  supportsJsonObjectOutput?: boolean;
  /** Whether the model reasons (o-series, GPT-5): sampling settings may then be dropped [false]. */
  supportsReasoning?: boolean;
  /** Whether reasoning is on when `reasoning_effort` is not set [false]. */
  reasoningEnabledByDefault?: boolean;
  /** Whether `reasoning_effort: 'none'` turns reasoning off (and allows sampling settings) [false]. */
  supportsReasoningEffortNone?: boolean;
  /** Whether `maxTokens` is sent as `max_completion_tokens` (else `max_tokens`) [true]. */
  chatSupportsMaxCompletionTokens?: boolean;
  /** Whether `file` content parts (PDFs) are accepted [true]. */
  chatSupportsDocumentInput?: boolean;
  /** Whether a `DocumentUrl` may be sent as a URL in `file_data` instead of downloaded [false]. */
  chatSupportsFileUrls?: boolean;
  /** Extra response field holding thinking text, besides `reasoning` and `reasoning_content` [none]. */
  chatThinkingField?: string;
  /** How thinking parts are sent back: `'auto'` (field if it came from one, else tags), `'tags'`, `'field'`, or `false` ['auto']. */
  chatSendBackThinkingParts?: 'auto' | 'tags' | 'field' | false;
  /** Tags that delimit thinking inside text content [`['<think>', '</think>']`]. */
  thinkingTags?: [string, string];
  /** Whether several leading system messages are accepted; if not they are merged with blank lines [true]. */
  chatSupportsMultipleSystemMessages?: boolean;
  /** `ModelSettings` keys the model does not accept; they are dropped silently [none]. */
  unsupportedModelSettings?: string[];
  /**
   * Whether Chat Completions can run `WebSearchTool` (sent as `web_search_options`) [false];
   * {@link openaiModelProfile} sets it for names containing `-search-preview`, as pydantic-ai's
   * `openai_chat_supports_web_search`.
   */
  chatSupportsWebSearch?: boolean;
}

/** The profile with every default filled in. */
export type ResolvedOpenAIModelProfile = Required<Omit<OpenAIModelProfile, 'chatThinkingField'>> & { chatThinkingField: string | undefined };

const DEFAULTS: ResolvedOpenAIModelProfile = {
  systemPromptRole: 'system',
  supportsStrictToolDefinition: true,
  supportsToolChoiceRequired: true,
  supportsJsonSchemaOutput: true,
  supportsJsonObjectOutput: true,
  supportsReasoning: false,
  reasoningEnabledByDefault: false,
  supportsReasoningEffortNone: false,
  chatSupportsMaxCompletionTokens: true,
  chatSupportsDocumentInput: true,
  chatSupportsFileUrls: false,
  chatThinkingField: undefined,
  chatSendBackThinkingParts: 'auto',
  thinkingTags: ['<think>', '</think>'],
  chatSupportsMultipleSystemMessages: true,
  unsupportedModelSettings: [],
  chatSupportsWebSearch: false,
};

interface ReasoningSupport { enabledByDefault: boolean; canBeDisabled: boolean }
const NO_REASONING: ReasoningSupport = { enabledByDefault: false, canBeDisabled: false };
const OPT_IN: ReasoningSupport = { enabledByDefault: false, canBeDisabled: true };
const ALWAYS_ON: ReasoningSupport = { enabledByDefault: true, canBeDisabled: false };

/** pydantic-ai's `_REASONING_SUPPORT_BY_PREFIX`: first matching prefix wins. */
const REASONING_BY_PREFIX: [string, ReasoningSupport][] = [
  ['gpt-5.6', { enabledByDefault: true, canBeDisabled: true }],
  ['gpt-5.5-pro', ALWAYS_ON],
  ['gpt-5.5', { enabledByDefault: true, canBeDisabled: true }],
  ['gpt-5.4-pro', ALWAYS_ON],
  ['gpt-5.4', OPT_IN],
  ['gpt-5.3-chat', ALWAYS_ON],
  ['gpt-5.3', OPT_IN],
  ['gpt-5.2-pro', ALWAYS_ON],
  ['gpt-5.2-chat', ALWAYS_ON],
  ['gpt-5.2', OPT_IN],
  ['gpt-5.1-codex', ALWAYS_ON],
  ['gpt-5.1-chat', ALWAYS_ON],
  ['gpt-5.1', OPT_IN],
  ['gpt-5-chat', NO_REASONING],
  ['gpt-5', ALWAYS_ON],
  ['o', ALWAYS_ON],
];

/**
 * The profile pydantic-ai picks for an OpenAI model name: reasoning support by name prefix
 * (o-series and GPT-5 reason; sampling settings are then dropped), the `user` role for
 * system prompts on `o1-mini`, and web search for `-search-preview` models.
 */
export function openaiModelProfile(modelName: string): OpenAIModelProfile {
  const reasoning = REASONING_BY_PREFIX.find(([prefix]) => modelName.startsWith(prefix))?.[1] ?? NO_REASONING;
  const profile: OpenAIModelProfile = {
    supportsReasoning: reasoning.enabledByDefault || reasoning.canBeDisabled,
    reasoningEnabledByDefault: reasoning.enabledByDefault,
    supportsReasoningEffortNone: reasoning.canBeDisabled,
  };
  if (modelName.startsWith('o1-mini')) profile.systemPromptRole = 'user';
  // Only the search-preview models take `web_search_options` in Chat Completions.
  if (modelName.includes('-search-preview')) profile.chatSupportsWebSearch = true;
  return profile;
}

/** Fills in defaults: `base` (usually {@link openaiModelProfile}), then `overrides` field by field. */
export function resolveOpenAIModelProfile(base: OpenAIModelProfile, overrides?: OpenAIModelProfile): ResolvedOpenAIModelProfile {
  const out: ResolvedOpenAIModelProfile = { ...DEFAULTS };
  for (const src of [base, overrides]) {
    if (!src) continue;
    for (const [k, v] of Object.entries(src)) if (v !== undefined) (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}
