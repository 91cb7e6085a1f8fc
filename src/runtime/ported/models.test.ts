/**
 * Models seen from the agent, ported from pydantic-ai's tests/models/test_model_function.py,
 * tests/models/test_model_test.py and the output-schema tests of tests/test_agent.py.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel, TestModel } from '../../testing/index.js';
import type { AgentInfo } from '../../testing/index.js';
import { Agent, ModelRetry, NativeOutput, PromptedOutput, ToolOutput, UnexpectedModelBehavior, UserError, tool, toModelJsonSchema } from '../index.js';
import type { ModelMessage, ModelRequest, ModelResponsePart, RetryPromptPart } from '../index.js';
import { call, text } from './helpers.js';

function returnLast(messages: ModelMessage[]): ModelResponsePart[] {
  const last = messages.at(-1) as ModelRequest;
  const p = last.parts.at(-1)!;
  return [text(`content=${JSON.stringify(p.content)} part_kind='${p.partKind}' message_count=${messages.length}`)];
}

describe('ported from tests/models/test_model_function.py', () => {
  it('test_simple [test_model_function.py]', async () => {
    const agent = new Agent({ model: new FunctionModel(returnLast) });
    const r1 = await agent.run('Hello');
    expect(r1.output).toBe(`content="Hello" part_kind='user-prompt' message_count=1`);
    expect(r1.allMessages()[1]).toMatchObject({ usage: { inputTokens: 51 }, modelName: 'function:returnLast:' });
    const r2 = await agent.run('World', { messageHistory: r1.allMessages() });
    expect(r2.output).toBe(`content="World" part_kind='user-prompt' message_count=3`);
  });

  it('every request gets a fresh list of messages: a kept list never changes [test_model_function.py::test_simple]', async () => {
    const kept: ModelMessage[][] = [];
    const model = new FunctionModel((messages) => {
      kept.push(messages);
      return messages.length === 1 ? [call('t', {})] : [text('done')];
    });
    await new Agent({ model, tools: [tool({ name: 't', parameters: z.object({}), execute: () => 1 })] }).run('hi');
    expect(kept.map((m) => m.length)).toEqual([1, 3]);
    expect(kept[0]).not.toBe(kept[1]);
  });

  it('test_weather: tools chained through a scripted model [test_model_function.py]', async () => {
    const model = new FunctionModel((messages) => {
      const last = messages.at(-1) as ModelRequest;
      const p = last.parts[0]!;
      if (p.partKind === 'user-prompt') return [call('get_location', { location_description: p.content })];
      if (p.partKind === 'tool-return' && p.toolName === 'get_location') return [call('get_weather', JSON.parse(p.content as string))];
      if (p.partKind === 'tool-return' && p.toolName === 'get_weather') return [text(`${p.content} in London`)];
      throw new Error('unexpected');
    });
    const getLocation = tool({ name: 'get_location', parameters: z.object({ location_description: z.string() }), execute: ({ location_description }) => (location_description === 'London' ? '{"lat": 51, "lng": 0}' : '{"lat": 0, "lng": 0}') });
    const getWeather = tool({ name: 'get_weather', parameters: z.object({ lat: z.number(), lng: z.number() }), execute: ({ lat, lng }) => (lat === 51 && lng === 0 ? 'Raining' : 'Sunny') });
    const r = await new Agent({ model, tools: [getLocation, getWeather] }).run('London');
    expect(r.output).toBe('Raining in London');
    expect(r.allMessages()).toHaveLength(6);
  });

  it('test_deps_init: tools receive the run’s deps [test_model_function.py]', async () => {
    let called = false;
    const model = new FunctionModel((m, info) => (m.length === 1 ? [call(info.functionTools[0]!.name, '{}')] : [text('final response')]));
    const t = tool<[string, string]>({ name: 'get_check_foobar', parameters: z.object({}), execute: (_a, ctx) => { called = true; expect(ctx.deps).toEqual(['foo', 'bar']); return ''; } });
    await new Agent<[string, string]>({ model, tools: [t] }).run('Hello', { deps: ['foo', 'bar'] });
    expect(called).toBe(true);
  });

  it('test_register_all: AgentInfo sees every tool and whether text is allowed [test_model_function.py]', async () => {
    const tools = ['foo', 'bar', 'baz', 'qux', 'quz'].map((name) => tool({ name, parameters: z.object({ x: z.number() }), execute: ({ x }) => String(x) }));
    const f = (messages: ModelMessage[], info: AgentInfo) => [text(`messages=${messages.length} allow_text_output=${info.allowTextOutput} tools=${info.functionTools.length}`)];
    expect((await new Agent({ tools }).run('Hello', { model: new FunctionModel(f) })).output).toBe('messages=1 allow_text_output=true tools=5');
  });

  it('test_call_all: TestModel calls every tool once [test_model_function.py]', async () => {
    const tools = ['foo', 'bar', 'baz', 'qux'].map((name, i) => tool({ name, parameters: z.object({ x: z.number() }), execute: ({ x }) => String(x + i + 1) }));
    tools.push(tool({ name: 'quz', parameters: z.object({ x: z.string() }), execute: ({ x }) => x }));
    const r = await new Agent({ tools }).run('Hello', { model: new TestModel() });
    expect(r.output).toBe('{"foo":"1","bar":"2","baz":"3","qux":"4","quz":"a"}');
  });

  it('test_retry_str [test_model_function.py]', async () => {
    let n = 0;
    const agent = new Agent({ model: new FunctionModel(() => [text(String(++n))]) });
    agent.outputValidator((o) => {
      if (o === '1') throw new ModelRetry('Try again');
      return o;
    });
    expect((await agent.run('')).output).toBe('2');
  });

  it('test_retry_result_type [test_model_function.py]', async () => {
    let n = 0;
    const agent = new Agent({ model: new FunctionModel(() => [call('final_result', { x: ++n })]), outputType: z.object({ x: z.number().int() }) });
    agent.outputValidator((o) => {
      if (o.x === 1) throw new ModelRetry('Try again');
      return o;
    });
    expect((await agent.run('')).output).toEqual({ x: 2 });
  });

  it('test_stream_text [test_model_function.py]', async () => {
    const model = new FunctionModel(undefined, { stream: async function* streamTextFunction() { yield 'hello '; yield 'world'; } });
    const result = await new Agent({ model }).runStream('');
    expect(await result.getOutput()).toBe('hello world');
    expect(result.allMessages()[1]).toMatchObject({ parts: [{ partKind: 'text', content: 'hello world' }], usage: { inputTokens: 50, outputTokens: 2 }, modelName: 'function::streamTextFunction' });
    expect(result.usage()).toMatchObject({ requests: 1, inputTokens: 50, outputTokens: 2 });
  });

  it('test_stream_structure: args before the name [test_model_function.py]', async () => {
    const model = new FunctionModel(undefined, {
      stream: async function* (_m, info) {
        yield { 0: { jsonArgs: '{"x": ' } };
        yield { 0: { name: info.outputTools[0]!.name } };
        yield { 0: { jsonArgs: '1}' } };
      },
    });
    const result = await new Agent({ model, outputType: z.object({ x: z.number() }) }).runStream('');
    expect(await result.getOutput()).toEqual({ x: 1 });
    expect(result.usage()).toMatchObject({ requests: 1, inputTokens: 50, outputTokens: 4 });
  });

  it('test_pass_neither [test_model_function.py]', () => {
    expect(() => new FunctionModel()).toThrow(UserError);
  });

  it('test_return_empty: a stream function must yield [test_model_function.py]', async () => {
    const model = new FunctionModel(undefined, { stream: async function* () {} });
    await expect(new Agent({ model }).runStream('')).rejects.toThrow('FunctionModel stream function must yield at least one item');
  });
});

describe('ported from tests/models/test_model_test.py', () => {
  it('test_call_one [test_model_test.py]', async () => {
    const calls: string[] = [];
    const retA = tool({ name: 'ret_a', parameters: z.object({ x: z.string() }), execute: ({ x }) => (calls.push('a'), `${x}-a`) });
    const retB = tool({ name: 'ret_b', parameters: z.object({ x: z.string() }), execute: ({ x }) => (calls.push('b'), `${x}-b`) });
    const r = await new Agent({ tools: [retA, retB] }).run('x', { model: new TestModel({ callTools: ['ret_a'] }) });
    expect(r.output).toBe('{"ret_a":"a-a"}');
    expect(calls).toEqual(['a']);
  });

  it('test_call_unknown_tool_has_clear_error [test_model_test.py]', async () => {
    await expect(new Agent({ model: new TestModel({ callTools: ['missing'] }) }).run('call missing')).rejects.toThrow(/TestModel was configured to call unknown tool 'missing'/);
  });

  it('test_custom_output_text [test_model_test.py]', async () => {
    expect((await new Agent().run('x', { model: new TestModel({ customOutputText: 'custom' }) })).output).toBe('custom');
    await expect(new Agent({ outputType: z.tuple([z.string(), z.string()]) }).run('x', { model: new TestModel({ customOutputText: 'custom' }) })).rejects.toThrow('Plain response not allowed, but `customOutputText` is set.');
  });

  it('test_custom_output_args [test_model_test.py]', async () => {
    const r = await new Agent({ outputType: z.tuple([z.string(), z.string()]) }).run('x', { model: new TestModel({ customOutputArgs: ['a', 'b'] }) });
    expect(r.output).toEqual(['a', 'b']);
    expect(r.allMessages()[1]).toMatchObject({ parts: [{ toolName: 'final_result', args: { response: ['a', 'b'] } }], usage: { inputTokens: 51, outputTokens: 7 } });
  });

  it('test_output_type [test_model_test.py]', async () => {
    const r = await new Agent({ outputType: z.tuple([z.string(), z.string()]) }).run('x', { model: new TestModel() });
    expect(r.output).toEqual(['a', 'a']);
  });

  it('test_tool_retry [test_model_test.py]', async () => {
    let n = 0;
    const myRet = tool({ name: 'my_ret', parameters: z.object({ x: z.number().int() }), execute: ({ x }) => { if (++n === 1) throw new ModelRetry('First call failed'); return String(x + 1); } });
    const r = await new Agent({ tools: [myRet] }).run('Hello', { model: new TestModel() });
    expect(n).toBe(2);
    expect(r.output).toBe('{"my_ret":"1"}');
    expect((r.allMessages()[2] as ModelRequest).parts[0]).toMatchObject({ partKind: 'retry-prompt', content: 'First call failed', toolName: 'my_ret' } satisfies Partial<RetryPromptPart>);
  });

  it('test_output_tool_retry_error_handled [test_model_test.py]', async () => {
    let n = 0;
    const agent = new Agent({ outputType: z.object({ x: z.number().int(), y: z.string() }), retries: 2, outputRetries: 2 });
    agent.outputValidator(() => {
      n++;
      throw new ModelRetry('Fail');
    });
    const err = await agent.run('Hello', { model: new TestModel() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnexpectedModelBehavior);
    expect((err as Error).message).toBe('Exceeded maximum output retries (2)');
    expect(n).toBe(3);
  });

  it('test_multiple_concurrent_tool_retries: retries are per run [test_model_test.py]', async () => {
    const retried = new Set<number>();
    let release!: () => void;
    const all = new Promise<void>((r) => (release = r));
    const t = tool<number>({
      name: 'tool_that_must_be_retried',
      parameters: z.object({}),
      execute: async (_a, ctx) => {
        if (!retried.has(ctx.deps)) {
          retried.add(ctx.deps);
          throw new ModelRetry('Fail');
        }
        if (retried.size === 5) release();
        await all;
        return null;
      },
    });
    const agent = new Agent<number, { x: number; y: string }>({ outputType: z.object({ x: z.number().int(), y: z.string() }), retries: 2, outputRetries: 2, tools: [t] });
    const results = await Promise.all([0, 1, 2, 3, 4].map((deps) => agent.run('Hello', { model: new TestModel(), deps })));
    expect(results).toHaveLength(5);
  });

  it('test_different_content_input [test_model_test.py]', async () => {
    const r = await new Agent().run(['x', { kind: 'image-url', url: 'https://example.com/a.png' }], { model: new TestModel({ customOutputText: 'custom' }) });
    expect(r.output).toBe('custom');
    expect(r.usage()).toMatchObject({ requests: 1, inputTokens: 51, outputTokens: 1 });
  });
});

describe('ported from tests/test_agent.py (output schemas and tool schemas)', () => {
  it('test_output_type_with_two_descriptions [test_agent.py]', async () => {
    const MyOutput = z.object({ valid: z.boolean() }).describe('Description from docstring');
    const m = new TestModel();
    const r = await new Agent({ model: m, outputType: ToolOutput(MyOutput, { description: 'Description from ToolOutput' }) }).run('Hello');
    expect(r.output).toEqual({ valid: false });
    expect(m.lastModelRequestParameters?.outputTools[0]?.description).toBe('Description from ToolOutput. Description from docstring');
  });

  it('NativeOutput / PromptedOutput join their description with the schema’s too [test_agent.py::test_output_type_with_two_descriptions]', async () => {
    const S = z.object({ a: z.number() }).describe('From schema');
    for (const spec of [NativeOutput(S, { description: 'Own' }), PromptedOutput(S, { description: 'Own' })]) {
      const m = new TestModel({ customOutputText: '{"a": 1}' });
      await new Agent({ model: m, outputType: spec }).run('x');
      expect(m.lastModelRequestParameters?.outputObject?.description).toBe('Own. From schema');
    }
  });

  it('a tool parameter with a default is not required [test_tools.py::test_docstring_google]', () => {
    const t = tool({ name: 'f', parameters: z.object({ a: z.number(), b: z.string().default('x'), nested: z.object({ c: z.number().default(1), d: z.number() }) }), execute: () => 0 });
    const js = t.definition.parametersJsonSchema as { required: string[]; properties: { b: { default: string }; nested: { required: string[] } } };
    expect(js.required).toEqual(['a', 'nested']);
    expect(js.properties.b.default).toBe('x');
    expect(js.properties.nested.required).toEqual(['d']);
    expect((toModelJsonSchema(z.object({ q: z.number().default(2) })) as { required: string[] }).required).toEqual([]);
  });

  it('a defaulted parameter left out by the model gets its default [test_tools.py::test_tool_return_conflict]', async () => {
    let got: unknown;
    const t = tool({ name: 'f', parameters: z.object({ a: z.number(), b: z.string().default('dflt') }), execute: (args) => ((got = args), 'ok') });
    const model = new FunctionModel((m) => (m.length === 1 ? [call('f', { a: 1 })] : [text('done')]));
    await new Agent({ model, tools: [t] }).run('x');
    expect(got).toEqual({ a: 1, b: 'dflt' });
  });

  it('native-output validation errors keep their input [test_agent.py::test_native_output]', async () => {
    const Out = z.object({ city: z.string(), country: z.string() });
    const model = new FunctionModel((m) => (m.length === 1 ? [text('{"city": 1}')] : [text('{"city": "Paris", "country": "France"}')]));
    const r = await new Agent({ model, outputType: NativeOutput(Out) }).run('x');
    expect(r.output).toEqual({ city: 'Paris', country: 'France' });
    const retry = (r.allMessages()[2] as ModelRequest).parts[0] as RetryPromptPart;
    expect(retry.content).toEqual([
      expect.objectContaining({ type: 'invalid_type', loc: ['city'], input: 1 }),
      { type: 'missing', loc: ['country'], msg: 'Field required', input: { city: 1 } },
    ]);
  });

  it('test_prompted_output_function_with_retry: invalid JSON text is retried with its input [test_agent.py]', async () => {
    const model = new FunctionModel((m) => (m.length === 1 ? [text('not json')] : [text('{"a": 1}')]));
    const r = await new Agent({ model, outputType: PromptedOutput(z.object({ a: z.number() })) }).run('x');
    expect(r.output).toEqual({ a: 1 });
    expect(((r.allMessages()[2] as ModelRequest).parts[0] as RetryPromptPart).content).toEqual([expect.objectContaining({ type: 'json_invalid', input: 'not json' })]);
  });
});
