import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel } from '../testing/index.js';
import type { AgentInfo } from '../testing/index.js';
import {
  Agent,
  CallToolsNode,
  End,
  ModelRequestNode,
  ModelRetry,
  UnexpectedModelBehavior,
  UsageLimitExceeded,
  UserError,
  UserPromptNode,
  isCallToolsNode,
  isEndNode,
  isModelRequestNode,
  isUserPromptNode,
  tool,
} from './index.js';
import type { ModelMessage, ModelResponsePart, RetryPromptPart, ToolReturnPart } from './index.js';

const call = (toolName: string, args: unknown, toolCallId = `call_${toolName}`): ModelResponsePart => ({
  partKind: 'tool-call',
  toolName,
  args: JSON.stringify(args),
  toolCallId,
});
const text = (content: string): ModelResponsePart => ({ partKind: 'text', content });
const lastRequestParts = (messages: ModelMessage[]) => {
  const last = messages[messages.length - 1]!;
  if (last.kind !== 'request') throw new Error('expected a request last');
  return last.parts;
};

const weather = tool({
  name: 'get_weather',
  description: 'Weather in a city',
  parameters: z.object({ city: z.string() }),
  execute: ({ city }) => (city === 'Paris' ? 'sunny' : 'rainy'),
});

describe('Agent.run', () => {
  it('runs a tool round trip and records the messages', async () => {
    const model = new FunctionModel((messages) => {
      if (messages.length === 1) return [call('get_weather', { city: 'Paris' })];
      const ret = lastRequestParts(messages)[0] as ToolReturnPart;
      return [text(`It is ${String(ret.content)} in Paris.`)];
    });
    const agent = new Agent({ model, tools: [weather], instructions: 'Be brief.' });
    const result = await agent.run('Weather in Paris?');
    expect(result.output).toBe('It is sunny in Paris.');
    const msgs = result.allMessages();
    expect(msgs.map((m) => m.kind)).toEqual(['request', 'response', 'request', 'response']);
    expect(msgs[0]).toMatchObject({ kind: 'request', instructions: 'Be brief.', parts: [{ partKind: 'user-prompt', content: 'Weather in Paris?' }] });
    expect(msgs[2]).toMatchObject({ parts: [{ partKind: 'tool-return', toolName: 'get_weather', content: 'sunny', toolCallId: 'call_get_weather' }] });
    expect(msgs[2]!.kind === 'request' && msgs[2]!.instructions).toBe('Be brief.');
    const usage = result.usage();
    expect(usage.requests).toBe(2);
    expect(usage.toolCalls).toBe(1);
    expect(usage.inputTokens).toBeGreaterThan(50);
    expect(model.calls[0]!.info.functionTools.map((t) => t.name)).toEqual(['get_weather']);
    expect(model.calls[0]!.info.functionTools[0]!.parametersJsonSchema).toMatchObject({
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
    });
  });

  it('runs parallel tool calls concurrently and returns results in call order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = tool({
      name: 'slow',
      parameters: z.object({ ms: z.number(), label: z.string() }),
      execute: async ({ ms, label }) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((r) => setTimeout(r, ms));
        inFlight--;
        return label;
      },
    });
    const model = new FunctionModel((messages) => {
      if (messages.length === 1) return [call('slow', { ms: 30, label: 'first' }, 'a'), call('slow', { ms: 5, label: 'second' }, 'b'), call('slow', { ms: 15, label: 'third' }, 'c')];
      return [text((lastRequestParts(messages) as ToolReturnPart[]).map((p) => p.content).join(','))];
    });
    const result = await new Agent({ model, tools: [slow] }).run('go');
    expect(result.output).toBe('first,second,third');
    expect(maxInFlight).toBe(3);
    expect(result.usage().toolCalls).toBe(3);
  });

  it('sends validation errors back as a retry prompt and succeeds on the retry', async () => {
    const model = new FunctionModel((messages) => {
      if (messages.length === 1) return [call('get_weather', { city: 42 })];
      if (messages.length === 3) {
        const retry = lastRequestParts(messages)[0] as RetryPromptPart;
        expect(retry.partKind).toBe('retry-prompt');
        expect(retry.toolName).toBe('get_weather');
        expect(retry.content).toEqual([expect.objectContaining({ type: 'invalid_type', loc: ['city'], input: 42 })]);
        return [call('get_weather', { city: 'Paris' })];
      }
      return [text('done')];
    });
    const result = await new Agent({ model, tools: [weather] }).run('x');
    expect(result.output).toBe('done');
    expect(result.allMessages()).toHaveLength(6);
  });

  it('fails with UnexpectedModelBehavior when a tool exhausts its retries', async () => {
    const model = new FunctionModel(() => [call('get_weather', { town: 'Paris' })]);
    const agent = new Agent({ model, tools: [weather], retries: 2 });
    await expect(agent.run('x')).rejects.toThrow(new UnexpectedModelBehavior("Tool 'get_weather' exceeded max retries count of 2. Consider raising the tool's or the agent's 'retries'."));
    expect(model.calls).toHaveLength(3);
  });

  it('turns ModelRetry from a tool into a retry prompt with its message, with ctx.retry counting', async () => {
    const seen: number[] = [];
    const flaky = tool({
      name: 'flaky',
      parameters: z.object({}),
      retries: 3,
      execute: (_args, ctx) => {
        seen.push(ctx.retry);
        if (ctx.retry < 2) throw new ModelRetry(`not yet (${ctx.retry})`);
        return 'ok';
      },
    });
    const model = new FunctionModel((messages) => {
      const last = lastRequestParts(messages)[0]!;
      if (last.partKind === 'tool-return') return [text('finished')];
      return [call('flaky', {})];
    });
    const result = await new Agent({ model, tools: [flaky] }).run('x');
    expect(result.output).toBe('finished');
    expect(seen).toEqual([0, 1, 2]);
    const retries = result.allMessages().flatMap((m) => (m.kind === 'request' ? m.parts : [])).filter((p) => p.partKind === 'retry-prompt');
    expect(retries.map((p) => p.content)).toEqual(['not yet (0)', 'not yet (1)']);
  });

  it('answers an unknown tool name with a retry prompt naming the available tools', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('get_wether', {})] : [text('ok')]));
    const result = await new Agent({ model, tools: [weather] }).run('x');
    const retry = (result.allMessages()[2] as { parts: RetryPromptPart[] }).parts[0]!;
    expect(retry.content).toBe("Unknown tool name: 'get_wether'. Available tools: 'get_weather'");
  });

  it('produces structured output through the final_result output tool', async () => {
    const City = z.object({ city: z.string(), country: z.string() });
    const model = new FunctionModel((_m, info: AgentInfo) => {
      expect(info.allowTextOutput).toBe(false);
      expect(info.outputTools).toEqual([
        expect.objectContaining({ name: 'final_result', description: 'The final response which ends this conversation', kind: 'output' }),
      ]);
      return [call('final_result', { city: 'Paris', country: 'France' })];
    });
    const agent = new Agent({ model, outputType: City });
    const result = await agent.run('Where?');
    expect(result.output).toEqual({ city: 'Paris', country: 'France' });
    const last = result.allMessages().at(-1)!;
    expect(last).toMatchObject({ kind: 'request', parts: [{ partKind: 'tool-return', toolName: 'final_result', content: 'Final result processed.' }] });
  });

  it('asks for a tool call when text arrives but structured output is required', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [text('Paris')] : [call('final_result', { city: 'Paris' })]));
    const result = await new Agent({ model, outputType: z.object({ city: z.string() }) }).run('x');
    expect(result.output).toEqual({ city: 'Paris' });
    expect(result.allMessages()[2]).toMatchObject({ parts: [{ partKind: 'retry-prompt', content: 'Please include your response in a tool call.' }] });
  });

  it('names one output tool per schema for a list of output types', async () => {
    const CityLocation = z.object({ city: z.string() }).meta({ title: 'CityLocation' });
    const Country = z.object({ country: z.string() }).meta({ title: 'Country' });
    const model = new FunctionModel((_m, info) => {
      expect(info.outputTools.map((t) => t.name)).toEqual(['final_result_CityLocation', 'final_result_Country']);
      return [call('final_result_Country', { country: 'France' })];
    });
    // TypeScript cannot infer a union from a list of schemas: name the output type.
    const agent = new Agent<undefined, z.infer<typeof CityLocation> | z.infer<typeof Country>>({ model, outputType: [CityLocation, Country] });
    const result = await agent.run('x');
    expect(result.output).toEqual({ country: 'France' });
  });

  it('lets an output validator transform the output or ask for a retry', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [text('paris')] : [text('Paris')]));
    const agent = new Agent({ model });
    agent.outputValidator((output) => {
      if (output[0] !== output[0]!.toUpperCase()) throw new ModelRetry('Capitalise the city');
      return `${output}!`;
    });
    const result = await agent.run('x');
    expect(result.output).toBe('Paris!');
    expect(result.allMessages()[2]).toMatchObject({ parts: [{ partKind: 'retry-prompt', content: 'Capitalise the city' }] });
  });

  it('fails after outputRetries validator retries', async () => {
    const model = new FunctionModel(() => [text('nope')]);
    const agent = new Agent({ model, outputRetries: 2 });
    agent.outputValidator(() => {
      throw new ModelRetry('again');
    });
    await expect(agent.run('x')).rejects.toThrow('Exceeded maximum output retries (2)');
    expect(model.calls).toHaveLength(3);
  });

  it("endStrategy 'early' skips other tool calls once an output tool succeeds", async () => {
    let ran = 0;
    const side = tool({ name: 'side', parameters: z.object({}), execute: () => ++ran });
    const model = new FunctionModel(() => [call('final_result', { v: 1 }, 'o'), call('side', {}, 's')]);
    const result = await new Agent({ model, tools: [side], outputType: z.object({ v: z.number() }), endStrategy: 'early' }).run('x');
    expect(result.output).toEqual({ v: 1 });
    expect(ran).toBe(0);
    expect(result.allMessages().at(-1)).toMatchObject({
      parts: [
        { partKind: 'tool-return', toolName: 'final_result', content: 'Final result processed.' },
        { partKind: 'tool-return', toolName: 'side', content: 'Tool not executed - a final result was already processed.' },
      ],
    });
  });

  it("endStrategy 'exhaustive' runs every tool call", async () => {
    let ran = 0;
    const side = tool({ name: 'side', parameters: z.object({}), execute: () => ++ran });
    const model = new FunctionModel(() => [call('final_result', { v: 1 }, 'o'), call('side', {}, 's'), call('final_result', { v: 2 }, 'o2')]);
    const agent = new Agent({ model, tools: [side], outputType: z.object({ v: z.number() }), endStrategy: 'exhaustive' });
    const result = await agent.run('x');
    expect(result.output).toEqual({ v: 1 });
    expect(ran).toBe(1);
    expect(result.allMessages().at(-1)).toMatchObject({
      parts: [
        { content: 'Final result processed.' },
        { toolName: 'side', content: 1 },
        { toolName: 'final_result', content: 'Output tool processed, but its value will not be the final result of the agent run.' },
      ],
    });
  });

  it('enforces usage limits before the request that would pass them', async () => {
    const model = new FunctionModel(() => [call('get_weather', { city: 'Paris' })]);
    const agent = new Agent({ model, tools: [weather] });
    const err = await agent.run('x', { usageLimits: { requestLimit: 3 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageLimitExceeded);
    expect((err as UsageLimitExceeded).message).toBe('The next request would exceed the requestLimit of 3 (requests=4)');
    expect(model.calls).toHaveLength(3);
    await expect(agent.run('x', { usageLimits: { totalTokensLimit: 10 } })).rejects.toThrow(/Exceeded the totalTokensLimit of 10 \(totalTokens=\d+\)/);
    await expect(agent.run('x', { usageLimits: { toolCallsLimit: 1 } })).rejects.toThrow('The next tool call(s) would exceed the toolCallsLimit of 1 (toolCalls=2)');
  });

  it('continues a conversation from messageHistory without repeating system prompts', async () => {
    const model = new FunctionModel((messages) => [text(`seen ${messages.length}`)]);
    const agent = new Agent({ model, systemPrompt: 'You are terse.' });
    const first = await agent.run('hello');
    expect(first.allMessages()[0]).toMatchObject({ parts: [{ partKind: 'system-prompt', content: 'You are terse.' }, { partKind: 'user-prompt' }] });
    const second = await agent.run('again', { messageHistory: first.allMessages() });
    expect(second.output).toBe('seen 3');
    expect(second.newMessages()).toHaveLength(2);
    expect(second.newMessages()[0]).toMatchObject({ parts: [{ partKind: 'user-prompt', content: 'again' }] });
    expect(second.allMessages().filter((m) => m.kind === 'request' && m.parts.some((p) => p.partKind === 'system-prompt'))).toHaveLength(1);
    // a history may start with a response
    const third = await agent.run('more', { messageHistory: [first.allMessages()[1]!] });
    expect(third.output).toBe('seen 2');
  });

  it('computes dynamic instructions on every request and never stores them as parts', async () => {
    let n = 0;
    const model = new FunctionModel((messages, info) => (messages.length === 1 ? [call('get_weather', { city: 'Oslo' })] : [text(info.instructions ?? '')]));
    const agent = new Agent<{ user: string }>({ model, tools: [weather], instructions: (ctx) => `User ${ctx.deps.user}, step ${++n}` });
    const result = await agent.run('x', { deps: { user: 'ann' } });
    expect(result.output).toBe('User ann, step 2');
    expect(result.allMessages().flatMap((m) => (m.kind === 'request' ? m.parts : [])).some((p) => p.partKind === 'system-prompt')).toBe(false);
  });
});

describe('Agent.iter', () => {
  it('yields the node sequence and exposes the result', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('get_weather', { city: 'Paris' })] : [text('sunny')]));
    const agent = new Agent({ model, tools: [weather] });
    const run = agent.iter('x');
    expect(model.calls).toHaveLength(0); // lazy
    const kinds: string[] = [];
    for await (const node of run) kinds.push(node.constructor.name);
    expect(kinds).toEqual(['UserPromptNode', 'ModelRequestNode', 'CallToolsNode', 'ModelRequestNode', 'CallToolsNode', 'End']);
    expect(run.result?.output).toBe('sunny');
    expect(run.usage().requests).toBe(2);
  });

  it('can be driven by hand with next()', async () => {
    const model = new FunctionModel(() => [text('hi')]);
    const run = new Agent({ model }).iter('x');
    let node = run.nextNode;
    expect(isUserPromptNode(node)).toBe(true);
    node = await run.next(node);
    expect(isModelRequestNode(node)).toBe(true);
    expect((node as ModelRequestNode).request.parts[0]).toMatchObject({ partKind: 'user-prompt', content: 'x' });
    node = await run.next(node);
    expect(isCallToolsNode(node)).toBe(true);
    expect((node as CallToolsNode).modelResponse.parts).toEqual([{ partKind: 'text', content: 'hi' }]);
    expect(run.allMessages()).toHaveLength(2);
    node = await run.next(node);
    expect(isEndNode(node)).toBe(true);
    expect((node as End<string>).data).toEqual({ output: 'hi' });
    expect(run.result?.output).toBe('hi');
    expect(node).toBeInstanceOf(End);
    expect(run.nextNode).toBe(node);
    expect(new UserPromptNode('a')).toBeInstanceOf(UserPromptNode);
  });
});

describe('abort and bad input', () => {
  it('stops before the next step and rejects with the signal reason', async () => {
    const controller = new AbortController();
    const model = new FunctionModel(() => {
      controller.abort(new Error('stop now'));
      return [call('get_weather', { city: 'Paris' })];
    });
    await expect(new Agent({ model, tools: [weather] }).run('x', { signal: controller.signal })).rejects.toThrow('stop now');
    expect(model.calls).toHaveLength(1);
  });

  it('rejects bad configuration with UserError saying what to do', async () => {
    expect(() => new Agent({ outputType: 'string' as never })).toThrow(UserError);
    expect(() => new Agent({ outputType: 'string' as never })).toThrow(/outputType must be a zod schema/);
    expect(() => new Agent({ tools: [weather, weather] })).toThrow("Tool name conflicts with existing tool: 'get_weather'");
    expect(() => tool({ name: 'get weather', parameters: z.object({}), execute: () => 1 })).toThrow(/is not valid/);
    await expect(new Agent().run('x')).rejects.toThrow(/No model: pass `model`/);
    const agent = new Agent({ model: new FunctionModel(() => [text('a')]), tools: [weather] });
    expect(() => agent.tool(weather)).toThrow(UserError);
  });
});

describe('runs without a user prompt', () => {
  it('sends the system prompts alone when there is neither a prompt nor a history', async () => {
    const model = new FunctionModel((messages) => [{ partKind: 'text', content: `parts: ${(messages[0] as { parts: unknown[] }).parts.length}` }]);
    const result = await new Agent({ model, systemPrompt: 'You are a potato.' }).run();
    expect(result.output).toBe('parts: 1');
    expect(result.allMessages()[0]).toMatchObject({ kind: 'request', parts: [{ partKind: 'system-prompt', content: 'You are a potato.' }] });
  });
});

describe('defaults and history edges', () => {
  it('applies the default requestLimit of 50 when no usageLimits are given', async () => {
    const model = new FunctionModel(() => [call('get_weather', { city: 'Paris' })]);
    await expect(new Agent({ model, tools: [weather] }).run('loop forever')).rejects.toThrow('The next request would exceed the requestLimit of 50 (requests=51)');
    expect(model.calls).toHaveLength(50);
  });

  it('merges a prompt into a history that ends with a request and counts it as new', async () => {
    const model = new FunctionModel((messages) => [text(`parts ${(messages.at(-1) as { parts: unknown[] }).parts.length}`)]);
    const history: ModelMessage[] = [{ kind: 'request', parts: [{ partKind: 'system-prompt', content: 'sys', timestamp: new Date().toISOString() }] }];
    const r = await new Agent({ model }).run('hello', { messageHistory: history });
    expect(r.output).toBe('parts 2');
    expect(r.newMessages().map((m) => m.kind)).toEqual(['request', 'response']);
    expect(history).toHaveLength(1); // the caller's array is not changed
  });
});

describe('toolChoice on the agent or the run', () => {
  it("rejects 'required' and tool-name lists, which would keep the run from ending (as pydantic-ai)", async () => {
    const model = new FunctionModel(() => [text('x')]);
    await expect(new Agent({ model, modelSettings: { toolChoice: 'required' } }).run('q')).rejects.toThrow(/keeps the agent from producing a final response/);
    await expect(new Agent({ model }).run('q', { modelSettings: { toolChoice: ['get_weather'] } })).rejects.toThrow(UserError);
    expect((await new Agent({ model }).run('q', { modelSettings: { toolChoice: { functionTools: [] } } })).output).toBe('x');
  });
});

describe('native tools', () => {
  it('passes the agent’s native tools to the model in the request parameters', async () => {
    const { WebSearchTool } = await import('./index.js');
    const model = new FunctionModel((_m, info) => [text(JSON.stringify(info.modelRequestParameters.nativeTools))]);
    const r = await new Agent({ model, nativeTools: [WebSearchTool({ searchContextSize: 'low' })] }).run('q');
    expect(JSON.parse(r.output)).toEqual([{ kind: 'web_search', searchContextSize: 'low' }]);
  });
});

describe('injectable clock and ids', () => {
  it('gives byte-stable histories for snapshots with `now` and `generateId`', async () => {
    const now = () => new Date('2025-01-02T03:04:05.000Z');
    let n = 0;
    const model = new FunctionModel(
      (messages) => {
        if (messages.length === 1) return [text('paris')];
        if (messages.length === 3) return [call('get_weather', { city: 'Paris' }, 'c1')];
        return [text('It is sunny.')];
      },
      { modelName: 'm', now },
    );
    const agent = new Agent({ model, tools: [weather], now, generateId: () => `id${++n}` });
    agent.outputValidator((o) => {
      if (o === 'paris') throw new ModelRetry('Capitalise');
      return o;
    });
    const r = await agent.run('Weather?');
    expect(r.allMessagesJson()).toBe(JSON.stringify(r.allMessages()));
    const ts = '2025-01-02T03:04:05.000Z';
    expect(r.allMessages()).toEqual([
      { kind: 'request', runId: 'id1', conversationId: 'id2', parts: [{ partKind: 'user-prompt', content: 'Weather?', timestamp: ts }] },
      { kind: 'response',
        runId: 'id1',
        conversationId: 'id2', parts: [{ partKind: 'text', content: 'paris' }], usage: { inputTokens: 51, outputTokens: 1 }, modelName: 'm', timestamp: ts },
      { kind: 'request', runId: 'id1', conversationId: 'id2', parts: [{ partKind: 'retry-prompt', content: 'Capitalise', toolCallId: 'id3', timestamp: ts }] },
      {
        kind: 'response',
        runId: 'id1',
        conversationId: 'id2',
        parts: [{ partKind: 'tool-call', toolName: 'get_weather', args: '{"city":"Paris"}', toolCallId: 'c1' }],
        usage: expect.objectContaining({ inputTokens: expect.any(Number) }),
        modelName: 'm',
        timestamp: ts,
      },
      { kind: 'request', runId: 'id1', conversationId: 'id2', parts: [{ partKind: 'tool-return', toolName: 'get_weather', content: 'sunny', toolCallId: 'c1', timestamp: ts }] },
      { kind: 'response',
        runId: 'id1',
        conversationId: 'id2', parts: [{ partKind: 'text', content: 'It is sunny.' }], usage: expect.any(Object), modelName: 'm', timestamp: ts },
    ]);
  });
});
