import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel } from '../testing/index.js';
import { Agent, CallToolsNode, ModelRequestNode, tool } from './index.js';
import type { AgentEvent, ModelMessage } from './index.js';

const weather = tool({ name: 'get_weather', parameters: z.object({ city: z.string() }), execute: () => 'sunny' });

function stripTimestamps(messages: ModelMessage[]): unknown {
  // timestamps and the per-run ids differ between two runs
  return JSON.parse(JSON.stringify(messages, (k, v: unknown) => (k === 'timestamp' || k === 'runId' || k === 'conversationId' ? 'T' : v)));
}

describe('runStreamEvents', () => {
  it('yields PartStart, FinalResult, PartDelta..., PartEnd, AgentRunResult for text', async () => {
    const model = new FunctionModel(undefined, {
      stream: async function* () {
        yield 'The ';
        yield 'capital ';
        yield 'is Paris.';
      },
    });
    const events: AgentEvent[] = [];
    for await (const e of new Agent({ model }).runStreamEvents('x')) events.push(e);
    expect(events.map((e) => e.eventKind)).toEqual(['part_start', 'final_result', 'part_delta', 'part_delta', 'part_end', 'agent_run_result']);
    expect(events[0]).toEqual({ eventKind: 'part_start', index: 0, part: { partKind: 'text', content: 'The ' } });
    expect(events[2]).toEqual({ eventKind: 'part_delta', index: 0, delta: { partDeltaKind: 'text', contentDelta: 'capital ' } });
    expect(events[4]).toEqual({ eventKind: 'part_end', index: 0, part: { partKind: 'text', content: 'The capital is Paris.' } });
    const last = events[5] as Extract<AgentEvent, { eventKind: 'agent_run_result' }>;
    expect((last.result as { output: string }).output).toBe('The capital is Paris.');
  });

  it('includes tool call and tool result events between model responses', async () => {
    const model = new FunctionModel(undefined, {
      stream: async function* (messages) {
        if (messages.length === 1) {
          yield { 0: { name: 'get_weather', jsonArgs: '{"city":', toolCallId: 'c1' } };
          yield { 0: { jsonArgs: '"Paris"}' } };
        } else yield 'sunny!';
      },
    });
    const kinds: string[] = [];
    let toolArgs: unknown;
    for await (const e of new Agent({ model, tools: [weather] }).runStreamEvents('x')) {
      kinds.push(e.eventKind);
      if (e.eventKind === 'function_tool_call') toolArgs = e.part.args;
      if (e.eventKind === 'function_tool_result') expect(e.result).toMatchObject({ partKind: 'tool-return', content: 'sunny', toolCallId: 'c1' });
    }
    expect(toolArgs).toBe('{"city":"Paris"}');
    expect(kinds).toEqual([
      'part_start', 'part_delta', 'part_end', 'function_tool_call', 'function_tool_result',
      'part_start', 'final_result', 'part_end', 'agent_run_result',
    ]);
  });
});

describe('runStream', () => {
  const streamScript = async function* (messages: ModelMessage[]) {
    if (messages.length === 1) {
      yield { 0: { name: 'get_weather', jsonArgs: '{"city":"Paris"}', toolCallId: 'c1' } };
      return;
    }
    yield 'It is ';
    yield 'sunny ';
    yield 'in Paris.';
  };

  it('runs tools before the final response, then streams its text', async () => {
    const model = new FunctionModel(undefined, { stream: streamScript });
    const stream = await new Agent({ model, tools: [weather] }).runStream('x');
    expect(stream.allMessages()).toHaveLength(3); // the tool round trip is done; the final response is streaming
    const deltas: string[] = [];
    for await (const d of stream.streamText({ delta: true })) deltas.push(d);
    expect(deltas).toEqual(['It is ', 'sunny ', 'in Paris.']);
    expect(await stream.getOutput()).toBe('It is sunny in Paris.');
    expect(stream.usage().requests).toBe(2);
    expect(stream.isComplete).toBe(true);
    expect(stream.allMessages()).toHaveLength(4);
  });

  it('streams cumulative text by default', async () => {
    const model = new FunctionModel(undefined, { stream: streamScript });
    const stream = await new Agent({ model, tools: [weather] }).runStream('x');
    const texts: string[] = [];
    for await (const t of stream.streamText()) texts.push(t);
    expect(texts).toEqual(['It is ', 'It is sunny ', 'It is sunny in Paris.']);
  });

  it('streams partial structured output and validates it at the end', async () => {
    const Out = z.object({ city: z.string(), temperature_c: z.number() });
    const model = new FunctionModel(undefined, {
      stream: async function* () {
        yield { 0: { name: 'final_result', jsonArgs: '{"city": "Pa', toolCallId: 'o' } };
        yield { 0: { jsonArgs: 'ris", "tempera' } };
        yield { 0: { jsonArgs: 'ture_c": 21}' } };
      },
    });
    const stream = await new Agent({ model, outputType: Out }).runStream('x');
    expect(stream.finalResultEvent).toEqual({ eventKind: 'final_result', toolName: 'final_result', toolCallId: 'o' });
    const seen: unknown[] = [];
    for await (const o of stream.streamOutput()) seen.push(o);
    expect(seen[0]).toEqual({ city: 'Pa' });
    expect(seen.at(-1)).toEqual({ city: 'Paris', temperature_c: 21 });
    expect(await stream.getOutput()).toEqual({ city: 'Paris', temperature_c: 21 });
  });

  it('getOutput consumes the stream when nothing iterated it', async () => {
    const model = new FunctionModel(undefined, { stream: streamScript });
    const stream = await new Agent({ model, tools: [weather] }).runStream('x');
    expect(await stream.getOutput()).toBe('It is sunny in Paris.');
    expect(stream.result?.output).toBe('It is sunny in Paris.');
  });

  it('produces the same final messages streamed and not streamed', async () => {
    const model = new FunctionModel(
      (messages) =>
        messages.length === 1
          ? [{ partKind: 'tool-call', toolName: 'get_weather', args: '{"city":"Paris"}', toolCallId: 'c1' }]
          : [{ partKind: 'text', content: 'It is sunny in Paris.' }],
      { stream: streamScript, modelName: 'scripted' },
    );
    const agent = new Agent({ model, tools: [weather] });
    const plain = await agent.run('x');
    const stream = await agent.runStream('x');
    await stream.getOutput();
    const strip = (m: ModelMessage[]) => stripTimestamps(m.map((x) => (x.kind === 'response' ? { ...x, usage: { inputTokens: 0, outputTokens: 0 } } : x)));
    expect(strip(stream.allMessages())).toEqual(strip(plain.allMessages()));
  });

  it('rejects an empty stream', async () => {
    const model = new FunctionModel(undefined, { stream: async function* () {} });
    await expect(new Agent({ model }).runStream('x')).rejects.toThrow('must yield at least one item');
  });
});

describe('node.stream inside iter', () => {
  it('streams a ModelRequestNode and a CallToolsNode by hand', async () => {
    const model = new FunctionModel(undefined, {
      stream: async function* (messages) {
        if (messages.length === 1) yield { 0: { name: 'get_weather', jsonArgs: '{"city":"Paris"}' } };
        else yield 'done';
      },
    });
    const run = new Agent({ model, tools: [weather] }).iter('x');
    const seen: string[] = [];
    for await (const node of run) {
      if (node instanceof ModelRequestNode || node instanceof CallToolsNode) {
        for await (const e of node.stream(run.ctx)) seen.push(e.eventKind);
      }
    }
    expect(run.result?.output).toBe('done');
    expect(seen).toEqual(['part_start', 'part_end', 'function_tool_call', 'function_tool_result', 'part_start', 'final_result', 'part_end']);
  });
});

describe('streamed and non-streamed runs (property)', () => {
  it('produce the same final messages for the same FunctionModel script, bar timestamps and usage', async () => {
    const { default: fc } = await import('fast-check');
    const echo = tool({ name: 'echo', parameters: z.object({ value: z.string() }), execute: ({ value }) => value.toUpperCase() });
    const script = fc.record({
      toolSteps: fc.array(fc.array(fc.string(), { minLength: 1, maxLength: 3 }), { maxLength: 3 }),
      finalWords: fc.array(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 5 }),
    });
    await fc.assert(
      fc.asyncProperty(script, async ({ toolSteps, finalWords }) => {
        const stepOf = (messages: ModelMessage[]) => messages.filter((m) => m.kind === 'response').length;
        const model = new FunctionModel(
          (messages) => {
            const step = toolSteps[stepOf(messages)];
            if (step === undefined) return [{ partKind: 'text', content: finalWords.join('') }];
            return step.map((value, i) => ({ partKind: 'tool-call' as const, toolName: 'echo', args: JSON.stringify({ value }), toolCallId: `c${stepOf(messages)}_${i}` }));
          },
          {
            modelName: 'scripted',
            stream: async function* (messages) {
              const step = toolSteps[stepOf(messages)];
              if (step === undefined) {
                for (const w of finalWords) yield w;
                return;
              }
              for (const [i, value] of step.entries()) {
                const json = JSON.stringify({ value });
                const cut = Math.floor(json.length / 2);
                yield { [i]: { name: 'echo', jsonArgs: json.slice(0, cut), toolCallId: `c${stepOf(messages)}_${i}` } };
                yield { [i]: { jsonArgs: json.slice(cut) } };
              }
            },
          },
        );
        const agent = new Agent({ model, tools: [echo] });
        const plain = await agent.run('go');
        const stream = await agent.runStream('go');
        expect(await stream.getOutput()).toBe(plain.output);
        const strip = (ms: ModelMessage[]) =>
          stripTimestamps(ms.map((x) => (x.kind === 'response' ? { ...x, usage: { inputTokens: 0, outputTokens: 0 } } : x)));
        expect(strip(stream.allMessages())).toEqual(strip(plain.allMessages()));
      }),
      { numRuns: 50 },
    );
  });
});
