/**
 * TestModel driven by a real Agent: pydantic-ai's docs/testing.md weather example, structured
 * output, streaming, and the 'test' model name.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AgentEvent, ModelMessage, RunContext } from '../runtime/index.js';
import { Agent, captureRunMessages, NativeOutput, PromptedOutput, tool } from '../runtime/index.js';
import { TestModel } from './index.js';

interface WeatherService {
  historic: { location: string; date: string }[];
  forecasts: { location: string; date: string }[];
}

function weatherApp() {
  const agent = new Agent<WeatherService>({
    model: 'openai:gpt-4o',
    instructions: 'Providing a weather forecast at the locations the user provides.',
  });
  agent.tool(
    tool({
      name: 'weather_forecast',
      parameters: z.object({ location: z.string(), forecast_date: z.iso.date() }),
      execute: ({ location, forecast_date }, ctx: RunContext<WeatherService>) => {
        if (forecast_date < new Date().toISOString().slice(0, 10)) {
          ctx.deps.historic.push({ location, date: forecast_date });
          return 'Sunny with a chance of rain';
        }
        ctx.deps.forecasts.push({ location, date: forecast_date });
        return 'Rainy with a chance of sun';
      },
    }),
  );
  return agent;
}

/** Every message carries the run's ids (pydantic-ai's `run_id='...'`, `conversation_id='...'`). */
const IDS = { runId: expect.any(String), conversationId: expect.any(String) };

const prompt = 'What will the weather be like in London on 2024-11-28?';

describe("pydantic-ai docs/testing.md: the weather agent with TestModel", () => {
  it('calls the tool with {location: "a", forecast_date: "2024-01-01"} and reports the documented usage', async () => {
    const agent = weatherApp();
    const deps: WeatherService = { historic: [], forecasts: [] };
    const { result, messages } = await captureRunMessages(() => agent.override({ model: new TestModel() }, () => agent.run(prompt, { deps })));

    expect(result.output).toBe('{"weather_forecast":"Sunny with a chance of rain"}');
    expect(deps.historic).toEqual([{ location: 'a', date: '2024-01-01' }]);
    expect(deps.forecasts).toEqual([]);

    const instructions = 'Providing a weather forecast at the locations the user provides.';
    expect(messages).toEqual<ModelMessage[]>([
      { kind: 'request', ...IDS, parts: [{ partKind: 'user-prompt', content: prompt, timestamp: expect.any(String) }], instructions },
      {
        kind: 'response',
        ...IDS,
        parts: [{ partKind: 'tool-call', toolName: 'weather_forecast', args: { location: 'a', forecast_date: '2024-01-01' }, toolCallId: expect.any(String) }],
        usage: { inputTokens: 60, outputTokens: 7 },
        modelName: 'test',
        timestamp: expect.any(String),
        providerName: 'test',
      },
      {
        kind: 'request',
        ...IDS,
        parts: [{ partKind: 'tool-return', toolName: 'weather_forecast', content: 'Sunny with a chance of rain', toolCallId: expect.any(String), timestamp: expect.any(String) }],
        instructions,
      },
      {
        kind: 'response',
        ...IDS,
        parts: [{ partKind: 'text', content: '{"weather_forecast":"Sunny with a chance of rain"}' }],
        usage: { inputTokens: 66, outputTokens: 16 },
        modelName: 'test',
        timestamp: expect.any(String),
        providerName: 'test',
      },
    ]);
    expect(result.usage().toJSON()).toMatchObject({ requests: 2, toolCalls: 1, inputTokens: 126, outputTokens: 23, totalTokens: 149 });
  });

  it("customOutputText='Sunny' gives that text", async () => {
    const agent = weatherApp();
    const deps: WeatherService = { historic: [], forecasts: [] };
    const result = await agent.override({ model: new TestModel({ customOutputText: 'Sunny' }) }, () => agent.run(prompt, { deps }));
    expect(result.output).toBe('Sunny');
    expect(deps.historic).toHaveLength(1);
  });

  it('docs/tools-advanced.md: int args are 0, the output summarises the tool return', async () => {
    const agent = new Agent({ model: new TestModel() });
    agent.tool(tool({ name: 'click_and_capture', parameters: z.object({ x: z.int(), y: z.int() }), execute: ({ x, y }) => `Successfully clicked at (${x}, ${y})` }));
    const result = await agent.run('Click on the submit button and tell me what happened');
    expect(result.output).toBe('{"click_and_capture":"Successfully clicked at (0, 0)"}');
  });

  it("new Agent({ model: 'test' }) gives a TestModel once rehearse/testing is imported", async () => {
    const agent = new Agent({ model: 'test' });
    const result = await agent.run('hello');
    expect(result.output).toBe('success (no tool calls)');
    expect(result.allMessages()[1]).toMatchObject({ modelName: 'test', usage: { inputTokens: 51, outputTokens: 4 } });
  });
});

describe('structured output with TestModel', () => {
  const City = z.object({ city: z.string(), country: z.string().min(2), population: z.int().positive(), founded: z.iso.date() });

  it('calls the output tool with generated args that parse', async () => {
    const model = new TestModel();
    const agent = new Agent({ model, outputType: City });
    const result = await agent.run('Biggest city?');
    expect(result.output).toEqual({ city: 'a', country: 'aa', population: 1, founded: '2024-01-01' });
    expect(model.lastModelRequestParameters?.outputTools.map((t) => t.name)).toEqual(['final_result']);
    expect(model.lastModelRequestParameters?.allowTextOutput).toBe(false);
    expect(result.usage().toJSON()).toMatchObject({ requests: 1, toolCalls: 0 });
  });

  it('seed changes the data; customOutputArgs pass through', async () => {
    const r1 = await new Agent({ model: new TestModel({ seed: 3 }), outputType: City }).run('x');
    expect(r1.output).toEqual({ city: 'd', country: 'dd', population: 4, founded: '2024-01-04' });
    const r2 = await new Agent({ model: new TestModel({ customOutputArgs: { city: 'Paris', country: 'FR', population: 2_100_000, founded: '0250-01-01' } }), outputType: City }).run('x');
    expect(r2.output.city).toBe('Paris');
  });

  it('tools first, then output', async () => {
    const agent = new Agent({ model: new TestModel(), outputType: City });
    const calls: unknown[] = [];
    agent.tool(tool({ name: 'lookup', parameters: z.object({ q: z.string(), limit: z.int().min(1).max(10) }), execute: (args) => (calls.push(args), 'ok') }));
    const result = await agent.run('x');
    expect(calls).toEqual([{ q: 'a', limit: 1 }]);
    expect(City.safeParse(result.output).success).toBe(true);
    expect(result.usage().toJSON()).toMatchObject({ requests: 2, toolCalls: 1 });
  });

  it('native and prompted output modes give JSON text of generated data', async () => {
    for (const outputType of [NativeOutput(City), PromptedOutput(City)]) {
      const result = await new Agent({ model: new TestModel(), outputType }).run('x');
      expect(result.output).toEqual({ city: 'a', country: 'aa', population: 1, founded: '2024-01-01' });
    }
  });
});

describe('streaming with TestModel', () => {
  it('runStream: tool calls first, then the text streamed word by word', async () => {
    const agent = weatherApp();
    const deps: WeatherService = { historic: [], forecasts: [] };
    const stream = await agent.override({ model: new TestModel() }, () => agent.runStream(prompt, { deps }));
    const deltas: string[] = [];
    for await (const d of stream.streamText({ delta: true })) deltas.push(d);
    expect(deltas.join('')).toBe('{"weather_forecast":"Sunny with a chance of rain"}');
    expect(deltas).toEqual(['{"weather_forecast":"Sunny ', 'with ', 'a ', 'chance ', 'of ', 'rain"}']);
    expect(await stream.getOutput()).toBe('{"weather_forecast":"Sunny with a chance of rain"}');
    // streamed usage, as pydantic-ai's TestStreamedResponse: the request messages' estimate plus
    // each streamed word (tool calls add no output tokens while streaming)
    expect(stream.usage().toJSON()).toMatchObject({ requests: 2, toolCalls: 1, inputTokens: 60 + 66, outputTokens: 0 + 7 + 9 });
    const msgs = stream.allMessages();
    expect(msgs).toHaveLength(4);
    expect(msgs[1]).toMatchObject({ parts: [{ partKind: 'tool-call', args: { location: 'a', forecast_date: '2024-01-01' }, toolCallId: 'pyd_ai_tool_call_id__weather_forecast' }] });
    expect(deps.historic).toHaveLength(1);
  });

  it('runStreamEvents: tool call and result events, then the text, then the run result', async () => {
    const agent = weatherApp();
    const deps: WeatherService = { historic: [], forecasts: [] };
    const events: AgentEvent[] = [];
    await agent.override({ model: new TestModel() }, async () => {
      for await (const e of agent.runStreamEvents(prompt, { deps })) events.push(e);
    });
    expect(events.map((e) => e.eventKind)).toEqual([
      'part_start',
      'part_end',
      'function_tool_call',
      'function_tool_result',
      'part_start',
      'final_result',
      'part_delta',
      'part_delta',
      'part_delta',
      'part_delta',
      'part_delta',
      'part_delta',
      'part_end',
      'agent_run_result',
    ]);
    expect(events[0]).toMatchObject({ part: { partKind: 'tool-call', toolName: 'weather_forecast', args: { location: 'a', forecast_date: '2024-01-01' } } });
    expect(events[4]).toEqual({ eventKind: 'part_start', index: 0, part: { partKind: 'text', content: '' } });
  });

  it('structured output streams through the output tool', async () => {
    const City = z.object({ city: z.string(), population: z.int() });
    const agent = new Agent({ model: new TestModel({ seed: 1 }), outputType: City });
    const stream = await agent.runStream('x');
    expect(stream.finalResultEvent).toMatchObject({ toolName: 'final_result', toolCallId: 'pyd_ai_tool_call_id__final_result' });
    expect(await stream.getOutput()).toEqual({ city: 'b', population: 1 });
  });
});
