/**
 * FunctionModel, ported from pydantic-ai's tests/models/test_model_function.py (the tests not already
 * in src/runtime/ported/models.test.ts).
 *
 * Python callable instances (`__call__`) have no TypeScript counterpart: their tests use a bound
 * method (`obj.respond.bind(obj)`), which keeps the method's name as a Python bound method does.
 * Not ported: test_async_callable_instance_does_not_need_a_worker_thread (no thread executor in
 * Node: every function runs on the event loop); test_speech_response_estimates_transcript_tokens
 * (rehearse has no `SpeechPart`).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, tool } from '../../runtime/index.js';
import type { ModelMessage, ModelRequest, ModelResponsePart, ToolReturnPart } from '../../runtime/index.js';
import { FunctionModel } from '../index.js';
import type { AgentInfo, FunctionResponse } from '../index.js';

const text = (content: string): ModelResponsePart => ({ partKind: 'text', content });

async function hello(): Promise<ModelResponsePart[]> {
  return [text('hello world')];
}
async function* streamHello(): AsyncIterable<string> {
  yield 'hello ';
  yield 'world';
}

function returnLast(messages: ModelMessage[]): ModelResponsePart[] {
  const p = (messages.at(-1) as ModelRequest).parts.at(-1)!;
  return [text(`content=${JSON.stringify(p.content)} part_kind='${p.partKind}' message_count=${messages.length}`)];
}

/** Stands for pydantic-ai's callable-instance classes. */
class Responder {
  constructor(private readonly textValue: string) {}
  async respond(_m: ModelMessage[], _i: AgentInfo): Promise<FunctionResponse> {
    return [text(this.textValue)];
  }
  respondSync(_m: ModelMessage[], _i: AgentInfo): FunctionResponse {
    return [text(this.textValue)];
  }
  respondLater(_m: ModelMessage[], _i: AgentInfo): Promise<FunctionResponse> {
    return this.later();
  }
  private async later(): Promise<FunctionResponse> {
    return [text(this.textValue)];
  }
  async *stream(_m: ModelMessage[], _i: AgentInfo): AsyncIterable<string> {
    yield this.textValue;
  }
  streamSync(_m: ModelMessage[], _i: AgentInfo): AsyncIterable<string> {
    return this.streamLater();
  }
  private async *streamLater(): AsyncIterable<string> {
    yield this.textValue;
  }
}

/** `call_tool`: calls the only function tool with `{}`, then answers. */
function callTool(messages: ModelMessage[], info: AgentInfo): ModelResponsePart[] {
  if (messages.length === 1) {
    expect(info.functionTools).toHaveLength(1);
    return [{ partKind: 'tool-call', toolName: info.functionTools[0]!.name, args: '{}', toolCallId: 'call-1' }];
  }
  return [text('final response')];
}

describe('ported from tests/models/test_model_function.py', () => {
  // test_model_function.py::test_init
  it('test_init [test_model_function.py]', () => {
    expect(new FunctionModel(hello).modelName).toBe('function:hello:');
    expect(new FunctionModel(undefined, { stream: streamHello }).modelName).toBe('function::streamHello');
    expect(new FunctionModel(hello, { stream: streamHello }).modelName).toBe('function:hello:streamHello');
  });

  // test_model_function.py::test_sync_function_returning_coroutine
  it('test_sync_function_returning_coroutine: a plain function returning a promise [test_model_function.py]', async () => {
    const impl = async (): Promise<FunctionResponse> => [text('coroutine awaited')];
    const syncReturningPromise = (): Promise<FunctionResponse> => impl();
    expect((await new Agent({ model: new FunctionModel(syncReturningPromise) }).run('Hello')).output).toBe('coroutine awaited');
  });

  // test_model_function.py::test_init_callable_instance
  it('test_init_callable_instance: bound methods keep their method name [test_model_function.py]', () => {
    const r = new Responder('hello world');
    expect(new FunctionModel(r.respond.bind(r)).modelName).toBe('function:respond:');
    expect(new FunctionModel(undefined, { stream: r.stream.bind(r) }).modelName).toBe('function::stream');
    expect(new FunctionModel(r.respond.bind(r), { stream: r.stream.bind(r) }).modelName).toBe('function:respond:stream');
  });

  // test_model_function.py::test_sync_callable_instance
  it('test_sync_callable_instance [test_model_function.py]', async () => {
    const r = new Responder('from the sync instance');
    expect((await new Agent({ model: new FunctionModel(r.respondSync.bind(r)) }).run('Hello')).output).toBe('from the sync instance');
  });

  // test_model_function.py::test_sync_callable_instance_returning_coroutine
  it('test_sync_callable_instance_returning_coroutine [test_model_function.py]', async () => {
    const r = new Responder('coroutine awaited');
    expect((await new Agent({ model: new FunctionModel(r.respondLater.bind(r)) }).run('Hello')).output).toBe('coroutine awaited');
  });

  // test_model_function.py::test_stream_callable_instance
  it('test_stream_callable_instance [test_model_function.py]', async () => {
    const r = new Responder('hello world');
    const result = await new Agent({ model: new FunctionModel(undefined, { stream: r.stream.bind(r) }) }).runStream('Hello');
    expect(await result.getOutput()).toBe('hello world');
  });

  // test_model_function.py::test_stream_sync_callable_instance
  it('test_stream_sync_callable_instance: a plain function returning an async iterable streams [test_model_function.py]', async () => {
    const r = new Responder('hello world');
    const result = await new Agent({ model: new FunctionModel(undefined, { stream: r.streamSync.bind(r) }) }).runStream('Hello');
    expect(await result.getOutput()).toBe('hello world');
  });

  // test_model_function.py::test_partial_function — a closure stands for functools.partial; an anonymous function has no name
  it('test_partial_function [test_model_function.py]', async () => {
    const helloNamed = async (_m: ModelMessage[], _i: AgentInfo, opts: { name: string }): Promise<FunctionResponse> => [text(`hello ${opts.name}`)];
    const model = new FunctionModel((m, i) => helloNamed(m, i, { name: 'world' }));
    expect(model.modelName).toBe('function::');
    expect((await new Agent({ model }).run('Hello')).output).toBe('hello world');
  });

  // test_model_function.py::test_var_args — `*args: int` becomes an `args` array parameter
  it('test_var_args [test_model_function.py]', async () => {
    const model = new FunctionModel((messages) => {
      const last = (messages.at(-1) as ModelRequest).parts.at(-1)!;
      if (last.partKind === 'user-prompt' && typeof last.content === 'string' && last.content.startsWith('{')) {
        const details = JSON.parse(last.content) as { function: string; arguments: unknown };
        return [{ partKind: 'tool-call', toolName: details.function, args: JSON.stringify(details.arguments), toolCallId: 'call-1' }];
      }
      if (last.partKind === 'tool-return') return [text(JSON.stringify(last))];
      throw new Error(`Unexpected message: ${JSON.stringify(last)}`);
    });
    const getVarArgs = tool<number>({
      name: 'get_var_args',
      parameters: z.object({ args: z.array(z.number().int()) }),
      execute: ({ args }, ctx) => {
        expect(ctx.deps).toBe(123);
        return JSON.stringify({ args });
      },
    });
    const agent = new Agent<number>({ model, tools: [getVarArgs] });
    const result = await agent.run('{"function": "get_var_args", "arguments": {"args": [1, 2, 3]}}', { deps: 123 });
    const data = JSON.parse(result.output) as ToolReturnPart;
    expect(data).toMatchObject({ toolName: 'get_var_args', content: '{"args":[1,2,3]}', toolCallId: 'call-1', partKind: 'tool-return' });
    expect(Math.abs(Date.parse(data.timestamp) - Date.now())).toBeLessThan(10_000);
  });

  // test_model_function.py::test_deps_none
  it('test_deps_none [test_model_function.py]', async () => {
    let called = false;
    const getNone = tool({
      name: 'get_none',
      parameters: z.object({}),
      execute: (_a, ctx) => {
        called = true;
        expect(ctx.deps).toBeUndefined();
        return '';
      },
    });
    const agent = new Agent({ model: new FunctionModel(callTool), tools: [getNone] });
    await agent.run('Hello');
    expect(called).toBe(true);
    called = false;
    await agent.run('Hello');
    expect(called).toBe(true);
  });

  // test_model_function.py::test_model_arg
  it('test_model_arg [test_model_function.py]', async () => {
    const agent = new Agent();
    expect((await agent.run('Hello', { model: new FunctionModel(returnLast) })).output).toBe(`content="Hello" part_kind='user-prompt' message_count=1`);
    await expect(agent.run('Hello')).rejects.toThrow(/No model: pass `model`/);
  });

  // test_model_function.py::test_pass_both
  it('test_pass_both [test_model_function.py]', async () => {
    const model = new FunctionModel(returnLast, { stream: streamHello });
    const agent = new Agent({ model });
    expect((await agent.run('Hello')).output).toBe(`content="Hello" part_kind='user-prompt' message_count=1`);
    expect(await (await agent.runStream('Hello')).getOutput()).toBe('hello world');
  });

  // AgentInfo contents (test_register_all covers the tool list): tool definitions, output tools, settings, instructions
  it('AgentInfo carries tool definitions, output tools, settings and instructions [test_model_function.py::test_register_all]', async () => {
    const infos: AgentInfo[] = [];
    const model = new FunctionModel((_m, info) => {
      infos.push(info);
      return [{ partKind: 'tool-call', toolName: info.outputTools[0]!.name, args: '{"x": 1}', toolCallId: 'c' }];
    });
    const foo = tool({ name: 'foo', description: 'Adds one.', parameters: z.object({ x: z.number().int() }), execute: ({ x }) => String(x + 1) });
    const agent = new Agent({ model, tools: [foo], outputType: z.object({ x: z.number() }), instructions: 'be brief', modelSettings: { temperature: 0.5 } });
    expect((await agent.run('hi')).output).toEqual({ x: 1 });
    const info = infos[0]!;
    expect(info.functionTools.map((t) => [t.name, t.description])).toEqual([['foo', 'Adds one.']]);
    expect(info.functionTools[0]!.parametersJsonSchema).toMatchObject({ type: 'object', properties: { x: { type: 'integer' } }, required: ['x'] });
    expect(info.outputTools.map((t) => t.name)).toEqual(['final_result']);
    expect(info.allowTextOutput).toBe(false);
    expect(info.modelSettings).toMatchObject({ temperature: 0.5 });
    expect(info.instructions).toBe('be brief');
  });
});
