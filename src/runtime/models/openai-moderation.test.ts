/**
 * `openaiModeration` (pydantic-ai's `openai_moderation`): sent as `moderation`, and the results
 * surfaced in `providerDetails.moderation`, for whole and streamed responses, through the real
 * `openai` SDK with msw.
 */
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { serveJson as serveJsonOn, serveSse as serveSseOn } from './openai-test-server.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ModelMessage } from '../messages.js';
import type { ModelRequestParameters } from '../model.js';
import { withAllowModelRequests } from '../request-guard.js';
import { Agent } from '../index.js';
import { OpenAIChatModel } from './openai.js';

const URL = 'https://api.openai.com/v1/chat/completions';
const server = setupServer();
const serveJson = (body: Record<string, unknown>) => serveJsonOn(server, body);
const serveSse = (chunks: Record<string, unknown>[]) => serveSseOn(server, chunks);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const results = (flagged: boolean) => ({
  type: 'moderation_results',
  model: 'omni-moderation-latest',
  results: [{ type: 'moderation_result', model: 'omni-moderation-latest', flagged, categories: { violence: flagged }, category_scores: { violence: flagged ? 0.9 : 0.001 } }],
});
const MODERATION = { input: results(true), output: results(false) };
const SETTINGS = { openaiModeration: { model: 'omni-moderation-latest' } };
const params: ModelRequestParameters = { functionTools: [], outputTools: [], allowTextOutput: true };
const user: ModelMessage = { kind: 'request', parts: [{ partKind: 'user-prompt', content: 'hi', timestamp: '2025-01-01T00:00:00.000Z' }] };
const model = () => new OpenAIChatModel('gpt-5', { apiKey: 'sk-test', maxRetries: 0 });

function completion(message: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1704067200,
    model: 'gpt-5-2025-08-07',
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: null, ...message } }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    ...extra,
  };
}



const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1704067200,
  model: 'gpt-5-2025-08-07',
  choices,
  ...extra,
});

describe('OpenAIChatModel openaiModeration', () => {
  it('sends `moderation` and maps the response field into providerDetails', async () => {
    const bodies = serveJson(completion({ content: 'Paris.' }, { moderation: MODERATION }));
    const r = await withAllowModelRequests(true, () => model().request([user], SETTINGS, params));
    expect(bodies[0]!['moderation']).toEqual({ model: 'omni-moderation-latest' });
    expect(r.providerDetails).toEqual({ finish_reason: 'stop', moderation: MODERATION });
  });

  it('leaves the request and providerDetails alone when unset', async () => {
    const bodies = serveJson(completion({ content: 'Paris.' }));
    const r = await withAllowModelRequests(true, () => model().request([user], undefined, params));
    expect(bodies[0]).not.toHaveProperty('moderation');
    expect(r.providerDetails).toEqual({ finish_reason: 'stop' });
  });

  it('keeps moderation results on a refusal', async () => {
    serveJson(completion({ refusal: 'I cannot help with that.' }, { moderation: MODERATION }));
    const r = await withAllowModelRequests(true, () => model().request([user], SETTINGS, params));
    expect(r.finishReason).toBe('content_filter');
    expect(r.providerDetails).toEqual({ moderation: MODERATION, refusal: 'I cannot help with that.' });
  });

  it('reads the choice-less moderation chunk of a stream', async () => {
    const bodies = serveSse([
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: 'Paris.' }, finish_reason: null }]),
      chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]),
      chunk([], { usage: { prompt_tokens: 13, completion_tokens: 11, total_tokens: 24 } }),
      chunk([], { moderation: MODERATION }),
    ]);
    const agent = new Agent({ model: model(), modelSettings: SETTINGS });
    const stream = await withAllowModelRequests(true, () => agent.runStream('What is the capital of France?'));
    expect(await stream.getOutput()).toBe('Paris.');
    const last = stream.allMessages().at(-1);
    expect(last?.kind === 'response' ? last.providerDetails : undefined).toEqual({ finish_reason: 'stop', moderation: MODERATION });
    expect(bodies[0]).toMatchObject({ moderation: { model: 'omni-moderation-latest' }, stream: true });
  });
});
