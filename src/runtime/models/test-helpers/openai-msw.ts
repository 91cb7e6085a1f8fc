/**
 * Shared by the OpenAIChatModel tests (test-only, not built): an msw server answering the chat
 * completions endpoint, with lifecycle hooks registered in the calling test file.
 */
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { ModelMessage } from '../../messages.js';
import type { ModelRequestParameters, ToolDefinition } from '../../model.js';
import { withAllowModelRequests } from '../../request-guard.js';
import { OpenAIChatModel } from '../openai.js';

export const URL = 'https://api.openai.com/v1/chat/completions';
export const T = '2025-01-01T00:00:00.000Z';


export const server = setupServer();

/** Starts the server for the calling test file (call at its top level). */
export function useOpenAIServer(): void {
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());
}

export interface Captured { bodies: Record<string, unknown>[]; headers: Headers[] }

/** Serves the given JSON responses in order and records request bodies. */
export function serve(...responses: (Record<string, unknown> | (() => Response | Promise<Response>))[]): Captured {
  const captured: Captured = { bodies: [], headers: [] };
  let i = 0;
  server.use(
    http.post(URL, async ({ request }) => {
      captured.bodies.push((await request.json()) as Record<string, unknown>);
      captured.headers.push(request.headers);
      const r = responses[Math.min(i++, responses.length - 1)]!;
      return typeof r === 'function' ? r() : HttpResponse.json(r);
    }),
  );
  return captured;
}

/** A JSON `Response` with a status (msw's HttpResponse init type does not see `status` under this TS setup). */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

export function completion(message: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-123',
    object: 'chat.completion',
    created: 1704067200,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, finish_reason: message['tool_calls'] ? 'tool_calls' : 'stop', message: { role: 'assistant', content: null, ...message } }],
    usage: {
      prompt_tokens: 10,
      completion_tokens: 5,
      total_tokens: 15,
      prompt_tokens_details: { cached_tokens: 3, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    },
    ...extra,
  };
}

export const user = (content: string): ModelMessage => ({ kind: 'request', parts: [{ partKind: 'user-prompt', content, timestamp: T }] });
export const textParams: ModelRequestParameters = { functionTools: [], outputTools: [], allowTextOutput: true };
export const weatherTool: ToolDefinition = {
  name: 'get_weather',
  description: 'Weather for a city.',
  parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  kind: 'function',
};
export const model = () => new OpenAIChatModel('gpt-4o', { apiKey: 'sk-test', maxRetries: 0 });
export const allowed = <T>(fn: () => Promise<T>) => withAllowModelRequests(true, fn);
