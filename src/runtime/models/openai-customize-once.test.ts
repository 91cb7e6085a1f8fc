/**
 * The agent customizes request parameters (`model.customizeRequestParameters`) and passes the
 * result to `request`/`requestStream`, whose `buildRequest` customizes again: the model must
 * recognise its own result and run the JSON-schema transformer once per schema per request.
 * The transformer is wrapped with a counter through `vi.mock`.
 */
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { serveJson } from './openai-test-server.js';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ModelMessage } from '../messages.js';
import type { ModelRequestParameters, ToolDefinition } from '../model.js';
import { withAllowModelRequests } from '../request-guard.js';
import { Agent, tool } from '../index.js';
import { OpenAIChatModel } from './openai.js';

const transforms = vi.hoisted(() => ({ count: 0 }));
vi.mock('./openai-json-schema.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./openai-json-schema.js')>();
  return {
    ...original,
    transformOpenAIJsonSchema: (...args: Parameters<typeof original.transformOpenAIJsonSchema>) => {
      transforms.count += 1;
      return original.transformOpenAIJsonSchema(...args);
    },
  };
});

const URL = 'https://api.openai.com/v1/chat/completions';
const server = setupServer();
const serve = (...responses: Record<string, unknown>[]) => serveJson(server, ...responses);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());
beforeEach(() => {
  transforms.count = 0;
});

const toolCall = (id: string, name: string, args: string) => ({ id, type: 'function', function: { name, arguments: args } });
function completion(message: Record<string, unknown>): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1704067200,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, ...message } }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}

const model = () => new OpenAIChatModel('gpt-4o', { apiKey: 'sk-test', maxRetries: 0 });
const weather = tool({ name: 'get_weather', description: 'Weather.', parameters: z.object({ city: z.string() }), execute: () => 'sunny' });

describe('OpenAIChatModel customizes request parameters once per agent request', () => {
  it('agent.run: one transformation per schema per request, not two', async () => {
    const bodies = serve(
      completion({ tool_calls: [toolCall('call_1', 'get_weather', '{"city":"Paris"}')] }),
      completion({ tool_calls: [toolCall('call_2', 'final_result', '{"city":"Paris"}')] }),
    );
    const m = model();
    const customize = vi.spyOn(m, 'customizeRequestParameters');
    const agent = new Agent({ model: m, outputType: z.object({ city: z.string() }), tools: [weather] });
    const r = await withAllowModelRequests(true, () => agent.run('Weather in Paris?'));
    expect(r.output).toEqual({ city: 'Paris' });
    expect(bodies).toHaveLength(2);
    // 2 requests x 2 schemas (get_weather, final_result); the second customize call of each request is a no-op
    expect(transforms.count).toBe(4);
    expect(customize).toHaveBeenCalledTimes(4);
    expect(customize.mock.results[1]!.value).toBe(customize.mock.calls[1]![0]);
    // the schemas were still transformed: strict decided, additionalProperties added
    const sentTools = bodies[1]!['tools'] as { function: { name: string; strict?: boolean; parameters: Record<string, unknown> } }[];
    expect(sentTools.map((t) => [t.function.name, t.function.strict, t.function.parameters['additionalProperties']])).toEqual([
      ['get_weather', true, false],
      ['final_result', true, false],
    ]);
  });

  it('agent.runStream: once per request too', async () => {
    server.use(
      http.post(URL, () => {
        const chunk = { id: 'c', object: 'chat.completion.chunk', created: 1704067200, model: 'gpt-4o', choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: 'stop' }] };
        return new Response(`data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`, { headers: { 'content-type': 'text/event-stream' } });
      }),
    );
    const agent = new Agent({ model: model(), tools: [weather] });
    const stream = await withAllowModelRequests(true, () => agent.runStream('hi'));
    expect(await stream.getOutput()).toBe('hi');
    expect(transforms.count).toBe(1);
  });

  it('direct calls with raw parameters are still customized, and give the same body as pre-customized ones', async () => {
    const m = model();
    const def: ToolDefinition = { name: 'f', parametersJsonSchema: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, kind: 'function' };
    const raw: ModelRequestParameters = { functionTools: [def], outputTools: [], allowTextOutput: true };
    const messages: ModelMessage[] = [{ kind: 'request', parts: [{ partKind: 'user-prompt', content: 'hi', timestamp: '2025-01-01T00:00:00.000Z' }] }];
    const fromRaw = await m.buildRequest(messages, undefined, raw, false);
    expect(transforms.count).toBe(1);
    const customized = m.customizeRequestParameters(raw);
    expect(transforms.count).toBe(2);
    const fromCustomized = await m.buildRequest(messages, undefined, customized, false);
    expect(transforms.count).toBe(2);
    expect(fromCustomized).toEqual(fromRaw);
    expect((fromRaw.body['tools'] as { function: Record<string, unknown> }[])[0]!.function).toEqual({
      name: 'f',
      description: '',
      parameters: { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false },
      strict: true,
    });
    // a copy of customized parameters is not recognised: it is transformed again
    await m.buildRequest(messages, undefined, { ...customized }, false);
    expect(transforms.count).toBe(3);
  });
});
