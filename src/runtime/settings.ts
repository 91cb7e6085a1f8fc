/**
 * Restricts function tools while keeping output tools and text output available (pydantic-ai's
 * `ToolOrOutput`): the model may call only the named function tools, or end the run with
 * structured output or (when the output type allows it) text.
 */
export interface ToolOrOutput {
  /** Names of the function tools the model may call; empty: none (output tools and text only). */
  functionTools: string[];
}

/** Every value of {@link ModelSettings.toolChoice} (pydantic-ai's `ToolChoice`, without `None`: leave the field unset). */
export type ToolChoice = 'auto' | 'none' | 'required' | string[] | ToolOrOutput;

/**
 * Moderated completions on OpenAI (`moderation` of the Chat Completions request; the shape of
 * the SDK's `ChatCompletionCreateParams.Moderation`).
 */
export interface OpenAIModeration {
  /** Moderation model, e.g. `'omni-moderation-latest'`. */
  model: string;
  /**
   * What happens on flagged input or output: `'score'` (default: generation proceeds and the
   * results only report `flagged`) or `'block'`. `undefined`: the API's default.
   */
  policy?: { input?: { mode: 'score' | 'block' } | null; output?: { mode: 'score' | 'block' } | null } | null;
}

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
  /**
   * Which function tools the model may use (pydantic-ai's `tool_choice`). It governs function
   * tools only; output tools (structured output) are added back as the output type needs them.
   * - `undefined` or `'auto'`: every tool is offered; the model decides (sent as `'auto'`, or
   *   `'required'` when text output is not allowed, i.e. the run must end with an output tool).
   * - `'none'`: no function tools. With output tools, only those may be called (forced when
   *   text output is not allowed: a single output tool is named in `tool_choice`, several are
   *   the only tools sent with `'required'`); with text output allowed and no output tools,
   *   `tool_choice: 'none'`.
   * - `'required'`: the model must call a function tool; output tools are not offered, so the
   *   run cannot end while this is set. Throws `UserError` when there are no function tools.
   * - `string[]`: the model must call one of these tools (one name: that tool is forced; several:
   *   only they are sent, with `'required'`). Unknown names are ignored with a warning; all of
   *   them unknown throws `UserError`.
   * - {@link ToolOrOutput}: only the named function tools, plus every output tool and text
   *   output when allowed.
   * pydantic-ai's agent rejects a static `'required'` or list (in the agent's or a run's
   * settings) because no final response could be produced; set those per request, e.g. when
   * calling a model directly. Models whose profile cannot force tool use send `'auto'` (and, for
   * a forced subset, only the chosen tools); an explicit `'required'` or list then throws `UserError`.
   */
  toolChoice?: ToolChoice;
  /** Extra HTTP headers for the request. */
  extraHeaders?: Record<string, string>;
  /** Extra fields merged into the request body. */
  extraBody?: Record<string, unknown>;
  /** OpenAI: `reasoning_effort` for reasoning models. */
  openaiReasoningEffort?: 'minimal' | 'low' | 'medium' | 'high';
  /** OpenAI: `user` field. */
  openaiUser?: string;
  /**
   * OpenAI: run moderation on the request input and the generated output (pydantic-ai's
   * `openai_moderation`), e.g. `{ model: 'omni-moderation-latest' }`; sent as `moderation`. The
   * results the API returns (the response's `moderation` field, or the choice-less moderation
   * chunk of a stream) land in `ModelResponse.providerDetails.moderation` as received
   * (`{ input, output }`, each moderation results or an error). `undefined`: no moderation.
   */
  openaiModeration?: OpenAIModeration;
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
