// OpenAIChatModel streaming, usage mapping and runs through the Agent (split from openai.test.ts).
import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ModelHTTPError } from '../errors.js';
import { Agent, tool } from '../index.js';
import { withAllowModelRequests } from '../request-guard.js';
import type { ModelResponseStreamEvent } from '../stream-events.js';
import { OpenAIChatModel, mapOpenAIUsage } from './openai.js';
import { URL, allowed, completion, jsonResponse, model, serve, server, textParams, useOpenAIServer, user, weatherTool } from './test-helpers/openai-msw.js';

useOpenAIServer();

function sse(chunks: unknown[]): () => Response {
  const text = chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';
  return () => new Response(text, { headers: { 'content-type': 'text/event-stream' } });
}
const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-s',
  object: 'chat.completion.chunk',
  created: 1704067200,
  model: 'gpt-4o-2024-08-06',
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...extra,
});
const usageChunk = { id: 'chatcmpl-s', object: 'chat.completion.chunk', created: 1704067200, model: 'gpt-4o-2024-08-06', choices: [], usage: { prompt_tokens: 8, completion_tokens: 4, total_tokens: 12, completion_tokens_details: { reasoning_tokens: 0 } } };

async function collect(stream: AsyncIterable<ModelResponseStreamEvent>): Promise<ModelResponseStreamEvent[]> {
  const out: ModelResponseStreamEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

describe('OpenAIChatModel.requestStream', () => {
  it('streams text deltas; usage from the final choice-less chunk', async () => {
    const cap = serve(sse([chunk({ role: 'assistant', content: '' }), chunk({ content: 'The ' }), chunk({ content: 'capital' }), chunk({}, 'stop'), usageChunk]));
    const stream = withAllowModelRequests(true, () => model().requestStream([user('q')], undefined, textParams));
    const events = await allowed(() => collect(stream));
    expect(cap.bodies[0]).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(events).toEqual([
      { eventKind: 'part_start', index: 0, part: { partKind: 'text', content: 'The ' } },
      { eventKind: 'part_delta', index: 0, delta: { partDeltaKind: 'text', contentDelta: 'capital' } },
      { eventKind: 'part_end', index: 0, part: { partKind: 'text', content: 'The capital' } },
    ]);
    expect(stream.get()).toEqual({
      kind: 'response',
      parts: [{ partKind: 'text', content: 'The capital' }],
      usage: { inputTokens: 8, outputTokens: 4, details: { reasoning_tokens: 0 } },
      modelName: 'gpt-4o-2024-08-06',
      timestamp: '2024-01-01T00:00:00.000Z',
      finishReason: 'stop',
      providerName: 'openai',
      providerResponseId: 'chatcmpl-s',
      providerDetails: { finish_reason: 'stop' },
    });
  });

  it('streams parallel tool-call deltas keyed by index', async () => {
    serve(
      sse([
        chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
        chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
        chunk({}, 'tool_calls'),
        usageChunk,
      ]),
    );
    const stream = withAllowModelRequests(true, () => model().requestStream([user('q')], undefined, { ...textParams, functionTools: [weatherTool] }));
    const events = await allowed(() => collect(stream));
    const starts = events.filter((e) => e.eventKind === 'part_start');
    expect(starts.map((e) => [e.index, e.eventKind === 'part_start' && e.part.partKind === 'tool-call' ? e.part.toolCallId : ''])).toEqual([
      [0, 'call_a'],
      [1, 'call_b'],
    ]);
    expect(events.filter((e) => e.eventKind === 'part_delta').map((e) => e.eventKind === 'part_delta' && e.delta)).toEqual([
      { partDeltaKind: 'tool_call', argsDelta: '{"city":', toolCallId: 'call_a' },
      { partDeltaKind: 'tool_call', argsDelta: '"Paris"}', toolCallId: 'call_a' },
    ]);
    const r = stream.get();
    expect(r.parts).toEqual([
      { partKind: 'tool-call', toolName: 'get_weather', args: '{"city":"Paris"}', toolCallId: 'call_a' },
      { partKind: 'tool-call', toolName: 'get_weather', args: '{"city":"Rome"}', toolCallId: 'call_b' },
    ]);
    expect(r.finishReason).toBe('tool_call');
  });

  it('does no HTTP until iterated, and maps HTTP errors during iteration', async () => {
    let calls = 0;
    server.use(http.post(URL, () => (calls++, jsonResponse({ error: { message: 'overloaded' } }, 500))));
    const stream = allowed(async () => model().requestStream([user('q')], undefined, textParams));
    const s = await stream;
    expect(calls).toBe(0);
    const err = await allowed(() => collect(s)).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(err).toBeInstanceOf(ModelHTTPError);
    expect((err as ModelHTTPError).statusCode).toBe(500);
  });
});

describe('mapOpenAIUsage', () => {
  it('maps counts and details as pydantic-ai', () => {
    expect(mapOpenAIUsage(undefined)).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(mapOpenAIUsage({ prompt_tokens: 11, completion_tokens: 809, total_tokens: 820, completion_tokens_details: { reasoning_tokens: 768 } })).toEqual({
      inputTokens: 11,
      outputTokens: 809,
      details: { reasoning_tokens: 768 },
    });
  });
});

describe('OpenAIChatModel through the Agent', () => {
  it('runs a tool round trip and sends the tool result back', async () => {
    const cap = serve(
      completion({ tool_calls: [{ id: 'call_t', type: 'function', function: { name: 'get_temperature', arguments: '{"city":"Tokyo"}' } }] }),
      completion({ content: 'It is 20 degrees in Tokyo.' }),
    );
    const agent = new Agent({
      model: model(),
      instructions: 'You are a helpful assistant.',
      tools: [tool({ name: 'get_temperature', description: 'Temperature of a city.', parameters: z.object({ city: z.string() }), execute: ({ city }) => (city === 'Tokyo' ? 20 : 0) })],
    });
    const result = await allowed(() => agent.run('What is the temperature in Tokyo?'));
    expect(result.output).toBe('It is 20 degrees in Tokyo.');
    expect(cap.bodies).toHaveLength(2);
    expect(cap.bodies[1]!['messages']).toEqual([
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'What is the temperature in Tokyo?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_t', type: 'function', function: { name: 'get_temperature', arguments: '{"city":"Tokyo"}' } }] },
      { role: 'tool', tool_call_id: 'call_t', content: '20' },
    ]);
    expect(cap.bodies[1]!['tools']).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_temperature',
          description: 'Temperature of a city.',
          parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
          strict: true,
        },
      },
    ]);
    expect(result.usage().toJSON()).toMatchObject({ requests: 2, toolCalls: 1, inputTokens: 20, outputTokens: 10, cacheReadTokens: 6 });
  });
});
