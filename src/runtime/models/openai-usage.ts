/** Token usage from OpenAI chat completions, mapped as pydantic-ai maps it. */
import type { RequestUsage } from '../usage.js';

/** The `usage` object of a chat completion or chunk. */
export interface WireUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } & Record<string, unknown>;
  completion_tokens_details?: Record<string, unknown>;
  [k: string]: unknown;
}

/**
 * Maps OpenAI `usage` to a `RequestUsage` as pydantic-ai does: `prompt_tokens` → `inputTokens`,
 * `completion_tokens` → `outputTokens`, `prompt_tokens_details.cached_tokens` → `cacheReadTokens`
 * (only when non-zero), and `completion_tokens_details` counts (`reasoning_tokens`, ...) plus
 * other top-level integer counts into `details`.
 */
export function mapOpenAIUsage(usage: WireUsage | null | undefined): RequestUsage {
  if (!usage) return { inputTokens: 0, outputTokens: 0 };
  const out: RequestUsage = { inputTokens: usage.prompt_tokens ?? 0, outputTokens: usage.completion_tokens ?? 0 };
  const details: Record<string, number> = {};
  for (const [k, v] of Object.entries(usage)) {
    if (['prompt_tokens', 'completion_tokens', 'total_tokens', 'input_tokens', 'output_tokens'].includes(k)) continue;
    if (Number.isInteger(v)) details[k] = v as number;
  }
  for (const [k, v] of Object.entries(usage.completion_tokens_details ?? {})) if (Number.isInteger(v)) details[k] = v as number;
  if (Object.keys(details).length > 0) out.details = details;
  const cached = usage.prompt_tokens_details?.cached_tokens;
  if (typeof cached === 'number' && cached > 0) out.cacheReadTokens = cached;
  const written = usage.prompt_tokens_details?.cache_write_tokens;
  if (typeof written === 'number' && written > 0) out.cacheWriteTokens = written;
  return out;
}

/** Sums two request usages (streamed chunks carry partial counts). */
export function addUsage(a: RequestUsage, b: RequestUsage): RequestUsage {
  const out: RequestUsage = { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
  const cr = (a.cacheReadTokens ?? 0) + (b.cacheReadTokens ?? 0);
  if (cr > 0) out.cacheReadTokens = cr;
  const cw = (a.cacheWriteTokens ?? 0) + (b.cacheWriteTokens ?? 0);
  if (cw > 0) out.cacheWriteTokens = cw;
  if (a.details || b.details) {
    const d: Record<string, number> = { ...(a.details ?? {}) };
    for (const [k, v] of Object.entries(b.details ?? {})) d[k] = (d[k] ?? 0) + v;
    out.details = d;
  }
  return out;
}
