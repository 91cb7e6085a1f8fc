/**
 * Streaming, ported from pydantic-ai's tests/test_streaming.py, and the README's node-by-node
 * streaming example. Deliberate differences pinned here: partial outputs are not validated
 * (validators run on the final output only), and an invalid streamed output is retried (with a
 * streamed request) where pydantic-ai's `run_stream` raises "retries are not supported".
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel, TestModel } from '../../testing/index.js';
import type { StreamItem } from '../../testing/index.js';
import {
  Agent,
  AgentStream,
  ModelRetry,
  NativeOutput,
  PromptedOutput,
  TextOutput,
  UnexpectedModelBehavior,
  UserError,
  captureRunMessages,
  isCallToolsNode,
  isModelRequestNode,
  tool,
} from '../index.js';
import type { AgentEvent, HandleResponseEvent, ModelMessage } from '../index.js';
import { OutputType, call, text } from './helpers.js';

const streamOf = (...items: StreamItem[]) => async function* streamFn() {
  for (const i of items) yield i;
};

async function nodeStreams<O>(agent: Agent<undefined, O>, prompt: string, use: (s: AgentStream<O>) => Promise<void>) {
  const run = agent.iter(prompt);
  for await (const node of run) if (isModelRequestNode(node)) await use(node.stream<O>(run.ctx));
  return run;
}

async function toolEvents(agent: Agent<undefined, unknown>, prompt: string): Promise<HandleResponseEvent[]> {
  const events: HandleResponseEvent[] = [];
  const run = agent.iter(prompt);
  try {
    for await (const node of run) if (isCallToolsNode(node)) for await (const e of node.stream(run.ctx)) events.push(e);
  } catch (e) {
    if (!(e instanceof UnexpectedModelBehavior)) throw e;
  }
  return events;
}

describe('ported from tests/test_streaming.py', () => {
  it('test_streamed_text_response [test_streaming.py]', async () => {
    const retA = tool({ name: 'ret_a', parameters: z.object({ x: z.string() }), execute: ({ x }) => `${x}-apple` });
    const result = await new Agent({ model: new TestModel(), tools: [retA] }).runStream('Hello');
    expect(result.isComplete).toBe(false);
    expect(result.allMessages().map((m) => m.kind)).toEqual(['request', 'response', 'request']);
    expect(await result.getOutput()).toBe('{"ret_a":"a-apple"}');
    expect(result.isComplete).toBe(true);
    expect(result.usage().requests).toBe(2);
  });

  it('test_streamed_structured_response [test_streaming.py]', async () => {
    const result = await new Agent({ model: new TestModel(), outputType: z.tuple([z.string(), z.string()]) }).runStream('');
    expect(await result.getOutput()).toEqual(['a', 'a']);
  });

  it('test_streamed_text_stream [test_streaming.py]', async () => {
    const agent = new Agent({ model: new TestModel() });
    const r1 = await agent.runStream('Hello');
    const full: string[] = [];
    for await (const t of r1.streamText()) full.push(t);
    expect(full).toEqual(['success ', 'success (no ', 'success (no tool ', 'success (no tool calls)']);
    const r2 = await agent.runStream('Hello');
    const deltas: string[] = [];
    for await (const t of r2.streamText({ delta: true })) deltas.push(t);
    expect(deltas).toEqual(['success ', '(no ', 'tool ', 'calls)']);
  });

  it('test_plain_response: text where only a tool call is allowed exhausts the output retries [test_streaming.py]', async () => {
    let calls = 0;
    const model = new FunctionModel(undefined, { stream: async function* () { calls++; yield 'hello '; yield 'world'; } });
    await expect(new Agent({ model, outputType: z.tuple([z.string(), z.string()]) }).runStream('')).rejects.toThrow('Exceeded maximum output retries (1)');
    expect(calls).toBe(2);
  });

  it('test_call_tool [test_streaming.py]', async () => {
    const model = new FunctionModel(undefined, {
      stream: async function* (messages) {
        if (messages.length === 1) yield { 0: { name: 'ret_a', jsonArgs: '{"x": "hello"}' } };
        else yield { 0: { name: 'final_result', jsonArgs: '{"response": ["hello world", 2]}' } };
      },
    });
    const retA = tool({ name: 'ret_a', parameters: z.object({ x: z.string() }), execute: ({ x }) => `${x} world` });
    const result = await new Agent({ model, outputType: z.tuple([z.string(), z.number()]), tools: [retA] }).runStream('hello');
    expect(await result.getOutput()).toEqual(['hello world', 2]);
    expect(result.allMessages().map((m) => m.kind)).toEqual(['request', 'response', 'request', 'response', 'request']);
  });

  it('test_call_tool_wrong_name [test_streaming.py]', async () => {
    const model = new FunctionModel(undefined, { stream: streamOf({ 0: { name: 'foobar', jsonArgs: '{}' } }) });
    const retA = tool({ name: 'ret_a', parameters: z.object({ x: z.string() }), execute: ({ x }) => x });
    const agent = new Agent({ model, outputType: z.tuple([z.string(), z.number()]), retries: 0, outputRetries: 0, tools: [retA] });
    const e = (await captureRunMessages(() => agent.runStream('hello')).catch((x: unknown) => x)) as Error & { messages: ModelMessage[] };
    expect(e.message).toMatch(/Tool 'foobar' exceeded max retries count of 0/);
    expect(e.messages.map((m) => m.kind)).toEqual(['request', 'response']);
  });

  it('test_empty_response: an empty streamed response is retried [test_streaming.py]', async () => {
    const model = new FunctionModel(undefined, {
      stream: async function* (messages) {
        if (messages.length > 1) yield 'ok here is text';
        else yield { 0: { content: '' } };
      },
    });
    const result = await new Agent({ model }).runStream('Hello');
    expect(await result.getOutput()).toBe('ok here is text');
  });

  it('test_invalid_output_tool_args_stream_output (rehearse retries with a streamed request instead of raising) [test_streaming.py]', async () => {
    let n = 0;
    const model = new FunctionModel(undefined, {
      stream: async function* () {
        n++;
        yield { 0: { name: 'final_result' } };
        yield { 0: { jsonArgs: n === 1 ? '{"response": ["hello", "not_an_int"]}' : '{"response": ["hello", 2]}' } };
      },
    });
    const result = await new Agent({ model, outputType: z.tuple([z.string(), z.number()]) }).runStream('hello');
    const seen: unknown[] = [];
    for await (const o of result.streamOutput()) seen.push(o);
    expect(seen.at(-1)).toEqual(['hello', 2]);
    expect(seen).toContainEqual(['hello', 'not_an_int']); // the partial of the invalid first try, unvalidated
    expect(model.calls.map((c) => c.streamed)).toEqual([true, true]);
  });

  it('test_invalid_output_tool_args_get_output: a stream-only model serves the retry [test_streaming.py]', async () => {
    let n = 0;
    const model = new FunctionModel(undefined, {
      stream: async function* () {
        n++;
        yield { 0: { name: 'final_result', jsonArgs: n === 1 ? '{"response": ["hello", "x"]}' : '{"response": ["hello", 1]}' } };
      },
    });
    const result = await new Agent({ model, outputType: z.tuple([z.string(), z.number()]) }).runStream('hello');
    expect(await result.getOutput()).toEqual(['hello', 1]);
  });

  it('streamText after a retried text output restarts the text [test_streaming.py::test_plain_response]', async () => {
    let n = 0;
    const agent2 = new Agent({ model: new FunctionModel(undefined, { stream: async function* () { n++; yield n % 2 === 1 ? 'bad' : 'good'; } }) });
    agent2.outputValidator((o) => {
      if (o === 'bad') throw new ModelRetry('no');
      return o;
    });
    const result = await agent2.runStream('x');
    const texts: string[] = [];
    for await (const t of result.streamText()) texts.push(t);
    expect(texts).toEqual(['bad', 'good']);
    expect(await result.getOutput()).toBe('good');
  });

  it('test_custom_output_type_default_str: TextOutput functions apply in streamOutput [test_streaming.py]', async () => {
    const model = new FunctionModel(undefined, { stream: streamOf('hello ', 'world') });
    const result = await new Agent({ model, outputType: TextOutput((t) => t.toUpperCase()) }).runStream('x');
    const seen: string[] = [];
    for await (const o of result.streamOutput()) seen.push(o);
    expect(seen).toEqual(['HELLO ', 'HELLO WORLD', 'HELLO WORLD']);
  });

  it('test_stream_structured_output: PromptedOutput streams parsed partial objects [test_streaming.py]', async () => {
    const City = z.object({ city: z.string(), country: z.string().optional() });
    const m = new TestModel({ customOutputText: '{"city": "Mexico City", "country": "Mexico"}' });
    const result = await new Agent({ model: m, outputType: PromptedOutput(City) }).runStream('');
    expect(result.isComplete).toBe(false);
    const seen: unknown[] = [];
    for await (const o of result.streamOutput()) seen.push(o);
    expect(seen[0]).toEqual({ city: 'Mexico' }); // partial-json drops the trailing space of an unfinished string (pydantic-ai keeps it)
    expect(seen).toContainEqual({ city: 'Mexico City' });
    expect(seen.at(-1)).toEqual({ city: 'Mexico City', country: 'Mexico' });
    expect(result.isComplete).toBe(true);
  });

  it('test_iter_stream_structured_output: NativeOutput partial objects through node.stream [test_streaming.py]', async () => {
    const City = z.object({ city: z.string(), country: z.string().optional() });
    const m = new TestModel({ customOutputText: '{"city": "Mexico City", "country": "Mexico"}' });
    const seen: unknown[] = [];
    await nodeStreams(new Agent({ model: m, outputType: NativeOutput(City) }), '', async (s) => {
      for await (const o of s.streamOutput()) seen.push(o);
    });
    expect(seen[0]).toEqual({ city: 'Mexico' }); // partial-json drops the trailing space of an unfinished string (pydantic-ai keeps it)
    expect(seen.at(-1)).toEqual({ city: 'Mexico City', country: 'Mexico' });
  });

  it('non-object outputs stream as the value, not the { response } wrapper [test_streaming.py::test_get_output_after_stream_output]', async () => {
    const result = await new Agent({ model: new TestModel(), outputType: z.boolean() }).runStream('Hello');
    const outputs: boolean[] = [];
    for await (const o of result.streamOutput()) outputs.push(o as boolean);
    outputs.push(await result.getOutput());
    expect(outputs).toEqual([false, false, false]);
    expect(result.allMessages().map((m) => m.kind)).toEqual(['request', 'response', 'request']);
  });

  it('test_iter_stream_output: node.stream(run.ctx) is an AgentStream [test_streaming.py]', async () => {
    const agent = new Agent({ model: new TestModel({ customOutputText: 'The cat sat on the mat.' }) });
    agent.outputValidator((d) => d.replace('cat sat', 'bat sat'));
    const messages: string[] = [];
    let streamUsage;
    const run = await nodeStreams(agent, 'Hello', async (s) => {
      expect(s).toBeInstanceOf(AgentStream);
      for await (const chunk of s.streamOutput()) messages.push(chunk);
      streamUsage = s.usage();
    });
    expect(run.result?.output).toBe('The bat sat on the mat.');
    expect(streamUsage).toMatchObject({ requests: 1, inputTokens: 51, outputTokens: 7 });
    expect(run.usage()).toMatchObject({ requests: 1, inputTokens: 51, outputTokens: 7 });
    // partials are the raw text (pydantic-ai runs the validator on each); the last is validated
    expect(messages).toEqual(['The ', 'The cat ', 'The cat sat ', 'The cat sat on ', 'The cat sat on the ', 'The cat sat on the mat.', 'The bat sat on the mat.']);
  });

  it('test_iter_stream_response: AgentStream.streamText and response [test_streaming.py]', async () => {
    const texts: string[] = [];
    let response;
    await nodeStreams(new Agent({ model: new TestModel() }), 'Hello', async (s) => {
      for await (const t of s.streamText({ delta: true })) texts.push(t);
      response = s.response;
    });
    expect(texts.join('')).toBe('success (no tool calls)');
    expect(response).toMatchObject({ parts: [{ partKind: 'text', content: 'success (no tool calls)' }], usage: { inputTokens: 51, outputTokens: 4 } });
  });

  it('test_stream_iter_structured_validator: getOutput runs the validators [test_streaming.py]', async () => {
    const agent = new Agent({ model: new TestModel(), outputType: OutputType });
    agent.outputValidator((d) => ({ value: `${d.value} (validated)` }));
    const outputs: unknown[] = [];
    await nodeStreams(agent, 'test', async (s) => {
      for await (const o of s.streamOutput()) outputs.push(o);
      outputs.push(await s.getOutput());
    });
    expect(outputs.slice(-2)).toEqual([{ value: 'a (validated)' }, { value: 'a (validated)' }]);
  });

  it('test_iter_stream_output_tool_dont_hit_retry_limit [test_streaming.py]', async () => {
    const City = z.object({ city: z.string(), country: z.string().nullable().optional() });
    const model = new FunctionModel(undefined, {
      stream: streamOf(
        { 0: { name: 'final_result' } },
        { 0: { jsonArgs: '{"c' } },
        { 0: { jsonArgs: 'ity":' } },
        { 0: { jsonArgs: ' "Mex' } },
        { 0: { jsonArgs: 'ico City",' } },
        { 0: { jsonArgs: ' "cou' } },
        { 0: { jsonArgs: 'ntry": "Mexico"}' } },
      ),
    });
    const seen: unknown[] = [];
    const run = await nodeStreams(new Agent({ model, outputType: City }), 'x', async (s) => {
      for await (const o of s.streamOutput()) seen.push(o);
    });
    expect(seen).toContainEqual({ city: 'Mex' });
    expect(seen.at(-1)).toEqual({ city: 'Mexico City', country: 'Mexico' });
    expect(run.result?.output).toEqual({ city: 'Mexico City', country: 'Mexico' });
  });

  it('streamText on a structured-output AgentStream is a UserError [test_streaming.py::AgentStream.stream_text]', async () => {
    await nodeStreams(new Agent({ model: new TestModel(), outputType: OutputType }), 'x', async (s) => {
      expect(() => s.streamText()).toThrow(UserError);
      await s.getOutput();
    });
  });

  it('test_unknown_tool_call_events: all calls are validated (and announced) before any runs [test_streaming.py]', async () => {
    const known = tool({ name: 'known_tool', parameters: z.object({ x: z.number() }), execute: ({ x }) => x * 2 });
    const model = new FunctionModel(() => [call('unknown_tool', { arg: 'value' }), call('known_tool', { x: 5 })]);
    const events = await toolEvents(new Agent({ model, tools: [known] }), 'test');
    expect(events.slice(0, 4).map((e) => [e.eventKind, 'argsValid' in e ? e.argsValid : undefined, e.eventKind.endsWith('result') ? (e as { result: { content: unknown } }).result.content : undefined])).toEqual([
      ['function_tool_call', false, undefined],
      ['function_tool_call', true, undefined],
      ['function_tool_result', undefined, "Unknown tool name: 'unknown_tool'. Available tools: 'known_tool'"],
      ['function_tool_result', undefined, 10],
    ]);
    // second round: the unknown tool is out of retries, so the known tool does not run again
    expect(events.slice(4).map((e) => e.eventKind)).toEqual(['function_tool_call']);
  });

  it('test_output_tool_success_events [test_streaming.py]', async () => {
    const model = new FunctionModel(() => [call('final_result', { value: 'hello' }, 'o')]);
    const events = await toolEvents(new Agent<undefined, unknown>({ model, outputType: OutputType }), 'test');
    expect(events).toEqual([
      { eventKind: 'output_tool_call', part: expect.objectContaining({ toolName: 'final_result', toolCallId: 'o' }), argsValid: true },
      { eventKind: 'output_tool_result', result: expect.objectContaining({ partKind: 'tool-return', content: 'Final result processed.' }) },
    ]);
  });

  it('test_output_tool_events [test_streaming.py]', async () => {
    const model = new FunctionModel(() => [call('final_result', { bad_value: 'invalid' }), call('final_result', { value: 'valid' })]);
    const events = await toolEvents(new Agent<undefined, unknown>({ model, outputType: OutputType }), 'test');
    expect(events.map((e) => [e.eventKind, 'argsValid' in e ? e.argsValid : '-'])).toEqual([
      ['output_tool_call', false],
      ['output_tool_result', '-'],
      ['output_tool_call', true],
      ['output_tool_result', '-'],
    ]);
    expect((events[1] as { result: { content: unknown } }).result.content).toEqual([{ type: 'missing', loc: ['value'], msg: 'Field required', input: { bad_value: 'invalid' } }]);
  });

  it('test_event_ordering_call_before_result / test_schema_validation_failure_args_valid_false [test_streaming.py]', async () => {
    const t = tool({ name: 'add', parameters: z.object({ x: z.number() }), execute: ({ x }) => x });
    const model = new FunctionModel((m) => (m.length === 1 ? [call('add', { x: 'nope' }), call('add', { x: 1 })] : [text('done')]));
    const events = await toolEvents(new Agent({ model, tools: [t] }), 'x');
    expect(events.map((e) => [e.eventKind, 'argsValid' in e ? e.argsValid : '-'])).toEqual([
      ['function_tool_call', false],
      ['function_tool_call', true],
      ['function_tool_result', '-'],
      ['function_tool_result', '-'],
    ]);
  });

  it('test_run_stream_events [test_streaming.py]', async () => {
    const retA = tool({ name: 'ret_a', parameters: z.object({ x: z.string() }), execute: ({ x }) => `${x}-apple` });
    const events: AgentEvent[] = [];
    for await (const e of new Agent({ model: new TestModel(), tools: [retA] }).runStreamEvents('Hello')) events.push(e);
    const kinds = events.map((e) => e.eventKind);
    expect(kinds.filter((k) => k === 'function_tool_call' || k === 'function_tool_result' || k === 'final_result' || k === 'agent_run_result')).toEqual([
      'function_tool_call',
      'function_tool_result',
      'final_result',
      'agent_run_result',
    ]);
  });

  for (const delta of [true, false]) {
    for (const debounceMs of [0, 100]) {
      it(`test_stream_text_early_break_cleanup[delta=${delta}, debounce=${debounceMs}] [test_streaming.py]`, async () => {
        let cleaned = false;
        const model = new FunctionModel(undefined, {
          stream: async function* () {
            try {
              for (const c of ['Hello', ' ', 'world', '!', ' More', ' text']) yield c;
            } finally {
              cleaned = true;
            }
          },
        });
        const result = await new Agent({ model }).runStream('test');
        for await (const _ of result.streamText({ delta, debounceMs })) break;
        expect(cleaned).toBe(true);
      });
    }
  }

  it('leaving an AgentStream early closes the model stream [test_streaming.py::test_stream_text_early_break_cleanup]', async () => {
    let cleaned = false;
    const model = new FunctionModel(undefined, {
      stream: async function* () {
        try {
          yield 'a';
          yield 'b';
        } finally {
          cleaned = true;
        }
      },
    });
    const run = new Agent({ model }).iter('x');
    for await (const node of run) {
      if (!isModelRequestNode(node)) continue;
      for await (const _ of node.stream(run.ctx).streamText()) break;
      break;
    }
    expect(cleaned).toBe(true);
  });

  it('README: streaming node by node', async () => {
    const getWeather = tool({ name: 'get_weather', description: 'Current weather in a city', parameters: z.object({ city: z.string() }), execute: ({ city }) => (city === 'Paris' ? 'sunny' : 'rainy') });
    const agent = new Agent({ instructions: 'Answer in one sentence.', tools: [getWeather] });
    const scripted = new FunctionModel(undefined, {
      stream: async function* (messages) {
        if (messages.length === 1) yield { 0: { name: 'get_weather', jsonArgs: '{"city": "Paris"}', toolCallId: 'c1' } };
        else {
          yield 'It is sunny ';
          yield 'in Paris.';
        }
      },
    });
    const out: string[] = [];
    const run = agent.iter('Weather in Paris?', { model: scripted });
    for await (const node of run) {
      if (isModelRequestNode(node)) {
        const stream = node.stream(run.ctx);
        for await (const ev of stream) if (ev.eventKind === 'part_delta' && ev.delta.partDeltaKind === 'text') out.push(ev.delta.contentDelta);
      } else if (isCallToolsNode(node)) {
        for await (const ev of node.stream(run.ctx)) {
          if (ev.eventKind === 'function_tool_call') out.push(`calling ${ev.part.toolName}`);
          if (ev.eventKind === 'function_tool_result') out.push(`result: ${JSON.stringify(ev.result.content)}`);
        }
      }
    }
    expect(out).toEqual(['calling get_weather', 'result: "sunny"', 'in Paris.']);
    expect(run.result?.output).toBe('It is sunny in Paris.');
  });
});
