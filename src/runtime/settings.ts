/**
 * Settings passed to a model for a request (pydantic-ai's `ModelSettings`, camelCase).
 * Every field is optional; `undefined` means the provider's default. Providers ignore
 * settings they do not support.
 */
export interface ModelSettings {
  /** Maximum tokens to generate. OpenAI: `max_completion_tokens` (`max_tokens` for older models). */
  maxTokens?: number;
  /** Sampling temperature. */
  temperature?: number;
  /** Nucleus sampling. */
  topP?: number;
  /** Request timeout in milliseconds. */
  timeoutMs?: number;
  /** Whether the model may call several tools in one response. */
  parallelToolCalls?: boolean;
  /** Random seed for providers that support it. */
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  logitBias?: Record<string, number>;
  /** Sequences at which generation stops. */
  stopSequences?: string[];
  /** Extra HTTP headers for the request. */
  extraHeaders?: Record<string, string>;
  /** Extra fields merged into the request body. */
  extraBody?: Record<string, unknown>;
  /** OpenAI: `reasoning_effort` for reasoning models. */
  openaiReasoningEffort?: 'minimal' | 'low' | 'medium' | 'high';
  /** OpenAI: `user` field. */
  openaiUser?: string;
}

/** Merges settings; later ones win field by field. `undefined` inputs are skipped. */
export function mergeModelSettings(...settings: (ModelSettings | undefined)[]): ModelSettings | undefined {
  let out: ModelSettings | undefined;
  for (const s of settings) {
    if (s === undefined) continue;
    out = out === undefined ? { ...s } : { ...out, ...s };
  }
  return out;
}
