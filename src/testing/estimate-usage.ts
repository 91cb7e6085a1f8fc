/**
 * A rough, deterministic token-usage estimate for fake models, as pydantic-ai's
 * `_estimate_usage` in `models/function.py`. Meant only to give plausible numbers in tests.
 */
import type { ModelMessage, RequestUsage, UserContent } from '../runtime/index.js';
import { assertNever, retryPromptText, toolCallArgsAsJson, toolReturnContentString } from '../runtime/index.js';

/** Tokens of fixed overhead added to every request (pydantic-ai: "about 50 for Gemini and OpenAI"). */
export const ESTIMATED_REQUEST_OVERHEAD_TOKENS = 50;

/** 1 for ASCII separators: whitespace, `"`, `,`, `.`, `:` (pydantic-ai's `[\s",.:]+`). */
const ASCII_SEPARATOR = new Uint8Array(128);
for (const c of [9, 10, 11, 12, 13, 32, 34, 44, 46, 58]) ASCII_SEPARATOR[c] = 1;
const NON_ASCII_SPACE = /\s/;

/**
 * `text.trim().split(/[\s",.:]+/).length` without building the pieces: one plus the number of
 * separator runs in the trimmed text.
 */
export function countTokenPieces(text: string): number {
  const s = text.trim();
  let count = 1;
  let inSeparator = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const sep = c < 128 ? ASCII_SEPARATOR[c] === 1 : NON_ASCII_SPACE.test(s[i]!);
    if (sep) {
      if (!inSeparator) count++;
      inSeparator = true;
    } else inSeparator = false;
  }
  return count;
}

/**
 * Estimated tokens of a string or user content list, as pydantic-ai's `_estimate_string_tokens`:
 * empty content counts 0; otherwise the trimmed text is split on whitespace, `"`, `,`, `.` and
 * `:` and the pieces are counted (empty edge pieces included, so `'"a"'` counts 3). In a content
 * list, strings count that way, `BinaryContent` counts its byte length, URLs count 0.
 */
export function estimateStringTokens(content: string | readonly UserContent[]): number {
  if (content.length === 0) return 0;
  if (typeof content === 'string') return countTokenPieces(content);
  let tokens = 0;
  for (const item of content) {
    if (typeof item === 'string') tokens += countTokenPieces(item);
    else if (item.kind === 'binary') tokens += Buffer.from(item.data, 'base64').length;
  }
  return tokens;
}

/**
 * Estimates the usage of a conversation, as pydantic-ai's `_estimate_usage`: input tokens are
 * 50 plus the tokens of every system prompt, user prompt, tool return and retry prompt of every
 * request; output tokens are the tokens of every text and thinking part of every response, plus
 * `1 + tokens(args JSON)` per tool call. Counts are cumulative over all `messages` (previous
 * responses included); request `instructions` are not counted (as pydantic-ai).
 * Fake models pass `[...messages, response]`.
 */
export function estimateUsage(messages: readonly ModelMessage[]): RequestUsage {
  let inputTokens = ESTIMATED_REQUEST_OVERHEAD_TOKENS;
  let outputTokens = 0;
  for (const message of messages) {
    if (message.kind === 'request') {
      for (const part of message.parts) {
        switch (part.partKind) {
          case 'system-prompt':
          case 'user-prompt':
            inputTokens += estimateStringTokens(part.content);
            break;
          case 'tool-return':
            inputTokens += estimateStringTokens(toolReturnContentString(part));
            break;
          case 'retry-prompt':
            inputTokens += estimateStringTokens(retryPromptText(part));
            break;
          default:
            assertNever(part, 'request part');
        }
      }
    } else {
      for (const part of message.parts) {
        switch (part.partKind) {
          case 'text':
          case 'thinking':
            outputTokens += estimateStringTokens(part.content);
            break;
          case 'tool-call':
            outputTokens += 1 + estimateStringTokens(toolCallArgsAsJson(part));
            break;
          default:
            assertNever(part, 'response part');
        }
      }
    }
  }
  return { inputTokens, outputTokens };
}
