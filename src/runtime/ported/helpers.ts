/**
 * Helpers for the tests ported from pydantic-ai's own suite (test-only; not part of the build).
 */
import { z } from 'zod';
import { tool } from '../index.js';
import type { ModelMessage, ModelRequestPart, ModelResponsePart, Tool } from '../index.js';

/** A tool call part; `args` given as an object is sent as JSON text. */
export const call = (toolName: string, args: unknown = {}, toolCallId = `pyd_${toolName}_${Math.random().toString(36).slice(2, 8)}`): ModelResponsePart => ({
  partKind: 'tool-call',
  toolName,
  args: typeof args === 'string' ? args : JSON.stringify(args),
  toolCallId,
});

/** A text part. */
export const text = (content: string): ModelResponsePart => ({ partKind: 'text', content });

/** pydantic-ai's `OutputType` used across its strategy tests. */
export const OutputType = z.object({ value: z.string() });
/** pydantic-ai's `OutputTypeWithCount`. */
export const OutputTypeWithCount = z.object({ value: z.string(), count: z.number().int() });

/** The parts of the last request in `messages`. */
export function lastRequestParts(messages: readonly ModelMessage[]): ModelRequestPart[] {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.kind === 'request') return m.parts;
  }
  return [];
}

/** `[toolName, content]` of each tool-return / retry-prompt part of a request. */
export function returns(parts: readonly ModelRequestPart[]): [string | undefined, unknown][] {
  return parts.filter((p) => p.partKind === 'tool-return' || p.partKind === 'retry-prompt').map((p) => [(p as { toolName?: string }).toolName, p.content]);
}

/** A tool taking `{ [arg]: number }` that records its name in `log` and returns the value. */
export function recordingTool(name: string, log: string[], arg = 'x'): Tool {
  return tool({
    name,
    parameters: z.object({ [arg]: z.number() }),
    execute: (a: Record<string, number>) => {
      log.push(name);
      return a[arg];
    },
  });
}

/** Number of messages sent in the request a `FunctionModel` function received. */
export const nMessages = (messages: readonly ModelMessage[]): number => messages.length;
