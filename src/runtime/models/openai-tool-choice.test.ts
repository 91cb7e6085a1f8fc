/**
 * The `toolChoice` setting on the wire: `tools` and `tool_choice` of the Chat Completions body,
 * as pydantic-ai's `OpenAIChatModel._get_tool_choice`, checked through the real `openai` SDK
 * with msw capturing the request.
 */
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { serveJson } from './openai-test-server.js';
import { z } from 'zod';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.js';
import type { ModelMessage } from '../messages.js';
import type { ModelRequestParameters, ToolDefinition } from '../model.js';
import { withAllowModelRequests } from '../request-guard.js';
import type { ModelSettings } from '../settings.js';
import { Agent, tool } from '../index.js';
import type { OpenAIModelProfile } from './openai.js';
import { OpenAIChatModel } from './openai.js';

const URL = 'https://api.openai.com/v1/chat/completions';
const server = setupServer();
const serve = (...responses: Record<string, unknown>[]) => serveJson(server, ...responses);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function completion(message: Record<string, unknown>): Record<string, unknown> {
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1704067200,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, finish_reason: message['tool_calls'] ? 'tool_calls' : 'stop', message: { role: 'assistant', content: null, ...message } }],
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
  };
}


const def = (name: string, kind: 'function' | 'output'): ToolDefinition => ({
  name,
  description: `${name} tool`,
  parametersJsonSchema: { type: 'object', properties: { x: { type: 'string' } }, required: ['x'] },
  kind,
});
const user: ModelMessage = { kind: 'request', parts: [{ partKind: 'user-prompt', content: 'go', timestamp: '2025-01-01T00:00:00.000Z' }] };

/** Sends one request and returns the names of the tools sent and the `tool_choice`. */
async function wire(
  settings: ModelSettings | undefined,
  p: { fn?: string[]; out?: string[]; text: boolean; mode?: ModelRequestParameters['outputMode'] },
  profile?: OpenAIModelProfile,
): Promise<{ tools: string[] | undefined; toolChoice: unknown }> {
  const bodies = serve(completion({ content: 'ok' }));
  const model = new OpenAIChatModel('gpt-4o', { apiKey: 'sk-test', maxRetries: 0, ...(profile ? { profile } : {}) });
  const params: ModelRequestParameters = {
    functionTools: (p.fn ?? []).map((n) => def(n, 'function')),
    outputTools: (p.out ?? []).map((n) => def(n, 'output')),
    allowTextOutput: p.text,
    ...(p.mode ? { outputMode: p.mode } : {}),
  };
  if (p.mode === 'native') params.outputObject = { name: 'final_result', jsonSchema: { type: 'object', properties: {} } };
  await withAllowModelRequests(true, () => model.request([user], settings, params));
  const body = bodies[0]!;
  const tools = body['tools'] as { function: { name: string } }[] | undefined;
  return { tools: tools?.map((t) => t.function.name), toolChoice: body['tool_choice'] };
}

const forced = (name: string) => ({ type: 'function', function: { name } });

describe('OpenAIChatModel toolChoice mapping', () => {
  it('unset: auto with text output, required without; omitted with no tools', async () => {
    expect(await wire(undefined, { fn: ['a'], text: true })).toEqual({ tools: ['a'], toolChoice: 'auto' });
    expect(await wire(undefined, { fn: ['a'], out: ['final_result'], text: false })).toEqual({ tools: ['a', 'final_result'], toolChoice: 'required' });
    expect(await wire({ toolChoice: 'none' }, { text: true })).toEqual({ tools: undefined, toolChoice: undefined });
  });

  it("'none' with text output and no output tools: every tool sent, tool_choice none", async () => {
    expect(await wire({ toolChoice: 'none' }, { fn: ['a', 'b'], text: true })).toEqual({ tools: ['a', 'b'], toolChoice: 'none' });
  });

  it("'none' with one output tool and no text output: the output tool is forced, every tool still sent (corpus case)", async () => {
    expect(await wire({ toolChoice: 'none' }, { fn: ['get_weather'], out: ['final_result'], text: false })).toEqual({
      tools: ['get_weather', 'final_result'],
      toolChoice: forced('final_result'),
    });
  });

  it("'none' with several output tools: only those are sent, required; with text allowed: auto", async () => {
    expect(await wire({ toolChoice: 'none' }, { fn: ['a'], out: ['o1', 'o2'], text: false })).toEqual({ tools: ['o1', 'o2'], toolChoice: 'required' });
    expect(await wire({ toolChoice: 'none' }, { fn: ['a'], out: ['o1'], text: true })).toEqual({ tools: ['o1'], toolChoice: 'auto' });
    expect(await wire({ toolChoice: 'none' }, { out: ['o1', 'o2'], text: false })).toEqual({ tools: ['o1', 'o2'], toolChoice: 'required' });
  });

  it("'required' forces a function tool and throws without one", async () => {
    expect(await wire({ toolChoice: 'required' }, { fn: ['a'], text: true })).toEqual({ tools: ['a'], toolChoice: 'required' });
    await expect(wire({ toolChoice: 'required' }, { out: ['final_result'], text: false })).rejects.toThrow(UserError);
  });

  it('a list forces one named tool, or sends only the named tools with required', async () => {
    expect(await wire({ toolChoice: ['b'] }, { fn: ['a', 'b'], text: true })).toEqual({ tools: ['a', 'b'], toolChoice: forced('b') });
    expect(await wire({ toolChoice: ['a', 'c'] }, { fn: ['a', 'b', 'c'], text: true })).toEqual({ tools: ['a', 'c'], toolChoice: 'required' });
    expect(await wire({ toolChoice: ['a', 'b'] }, { fn: ['a', 'b'], text: true })).toEqual({ tools: ['a', 'b'], toolChoice: 'required' });
    await expect(wire({ toolChoice: ['nope'] }, { fn: ['a'], text: true })).rejects.toThrow("Invalid tool names in `tool_choice`: {'nope'}");
  });

  it('ToolOrOutput: the named function tools plus the output tools', async () => {
    expect(await wire({ toolChoice: { functionTools: ['a'] } }, { fn: ['a', 'b'], out: ['final_result'], text: false })).toEqual({
      tools: ['a', 'final_result'],
      toolChoice: 'required',
    });
    expect(await wire({ toolChoice: { functionTools: ['a'] } }, { fn: ['a', 'b'], text: true })).toEqual({ tools: ['a'], toolChoice: 'auto' });
    expect(await wire({ toolChoice: { functionTools: [] } }, { fn: ['a'], text: true })).toEqual({ tools: ['a'], toolChoice: 'none' });
  });

  it('native output mode: output tools are not sent nor counted', async () => {
    expect(await wire({ toolChoice: 'none' }, { fn: ['a'], out: ['final_result'], text: true, mode: 'native' })).toEqual({ tools: ['a'], toolChoice: 'none' });
  });

  it('a profile without tool_choice required: auto, a forced tool becomes the only tool sent, an explicit force throws', async () => {
    const profile = { supportsToolChoiceRequired: false };
    expect(await wire(undefined, { fn: ['a'], out: ['final_result'], text: false }, profile)).toEqual({ tools: ['a', 'final_result'], toolChoice: 'auto' });
    expect(await wire({ toolChoice: 'none' }, { fn: ['a'], out: ['final_result'], text: false }, profile)).toEqual({ tools: ['final_result'], toolChoice: 'auto' });
    expect(await wire({ toolChoice: { functionTools: ['a'] } }, { fn: ['a', 'b'], out: ['final_result'], text: false }, profile)).toEqual({
      tools: ['a', 'final_result'],
      toolChoice: 'auto',
    });
    await expect(wire({ toolChoice: 'required' }, { fn: ['a'], text: true }, profile)).rejects.toThrow(
      "tool_choice='required' is not supported by model 'gpt-4o'. This model does not support forcing tool use.",
    );
    await expect(wire({ toolChoice: ['a'] }, { fn: ['a'], text: true }, profile)).rejects.toThrow("tool_choice=['a'] is not supported by model 'gpt-4o'.");
  });

  it("through an agent: toolChoice 'none' with structured output forces the output tool and the run ends with it", async () => {
    const bodies = serve(completion({ tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'final_result', arguments: '{"city":"Paris"}' } }] }));
    const agent = new Agent({
      model: new OpenAIChatModel('gpt-4o', { apiKey: 'sk-test', maxRetries: 0 }),
      outputType: z.object({ city: z.string() }),
      modelSettings: { toolChoice: 'none' },
      tools: [tool({ name: 'get_weather', description: 'Weather.', parameters: z.object({ city: z.string() }), execute: () => 'sunny' })],
    });
    const r = await withAllowModelRequests(true, () => agent.run('Tell me about Paris'));
    expect(r.output).toEqual({ city: 'Paris' });
    expect(bodies[0]!['tool_choice']).toEqual(forced('final_result'));
    expect((bodies[0]!['tools'] as { function: { name: string } }[]).map((t) => t.function.name)).toEqual(['get_weather', 'final_result']);
  });
});
