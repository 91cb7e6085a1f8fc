/**
 * Function tools, ported from pydantic-ai's tests/test_tools.py (decorators, docstrings,
 * prepare functions and deferred tools are pydantic-ai features rehearse expresses as
 * `tool({ parameters })`; those cases are ported with zod schemas).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel, TestModel } from '../../testing/index.js';
import type { AgentInfo } from '../../testing/index.js';
import { Agent, ModelRetry, ToolOutput, UnexpectedModelBehavior, UserError, tool, toolCallArgsAsObject } from '../index.js';
import type { ModelMessage, ModelRequest, ModelResponse, ToolCallPart } from '../index.js';
import { call, text } from './helpers.js';

const getJsonSchema = (_m: ModelMessage[], info: AgentInfo) => [text(JSON.stringify(info.functionTools.map((t) => ({ name: t.name, description: t.description ?? null, parametersJsonSchema: t.parametersJsonSchema }))))];

describe('ported from tests/test_tools.py', () => {
  it('test_json_schema_required_parameters [test_tools.py]', async () => {
    const myTool = tool({ name: 'my_tool', parameters: z.object({ a: z.number().int(), b: z.number().int().default(1) }), execute: () => 0 });
    const myToolPlain = tool({ name: 'my_tool_plain', parameters: z.object({ a: z.number().int().default(1), b: z.number().int() }), execute: () => 0 });
    const r = await new Agent({ model: new FunctionModel(getJsonSchema), tools: [myTool, myToolPlain] }).run('Hello');
    const schemas = JSON.parse(r.output) as { parametersJsonSchema: { required: string[]; additionalProperties: boolean; properties: Record<string, { default?: number }> } }[];
    expect(schemas[0]!.parametersJsonSchema).toMatchObject({ required: ['a'], additionalProperties: false, properties: { b: { default: 1 } } });
    expect(schemas[1]!.parametersJsonSchema).toMatchObject({ required: ['b'], properties: { a: { default: 1 } } });
  });

  it('test_call_tool_without_unrequired_parameters [test_tools.py]', async () => {
    const model = new FunctionModel((m) =>
      m.length === 1
        ? [call('my_tool', { a: 13 }), call('my_tool', { a: 13, b: 4 }), call('my_tool_plain', { b: 17 }), call('my_tool_plain', { a: 4, b: 17 }), call('no_args_tool', '')]
        : [text('finished')],
    );
    const tools = [
      tool({ name: 'no_args_tool', parameters: z.object({}), execute: () => null }),
      tool({ name: 'my_tool', parameters: z.object({ a: z.number(), b: z.number().default(2) }), execute: ({ a, b }) => a + b }),
      tool({ name: 'my_tool_plain', parameters: z.object({ a: z.number().default(3), b: z.number() }), execute: ({ a, b }) => a * b }),
    ];
    const r = await new Agent({ model, tools }).run('Hello');
    const returns = (r.allMessages()[2] as ModelRequest).parts.map((p) => p.content);
    expect(returns).toEqual([15, 17, 51, 68, null]);
  });

  it('test_tool_retries: ctx.retry counts 0..5 for a tool with retries 5 [test_tools.py]', async () => {
    const seen: [number, number, boolean][] = [];
    const infinite = tool({
      name: 'infinite_retry_tool',
      parameters: z.object({}),
      retries: 5,
      execute: (_a, ctx) => {
        seen.push([ctx.retry, ctx.maxRetries, ctx.lastAttempt]);
        throw new ModelRetry('Please try again.');
      },
    });
    const agent = new Agent({ model: new TestModel(), retries: 3, outputRetries: 3, tools: [infinite] });
    const err = await agent.run('Begin infinite retry loop!').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnexpectedModelBehavior);
    expect((err as Error).message).toMatch(/^Tool 'infinite_retry_tool' exceeded max retries count of 5/);
    expect(seen.map((s) => s[0])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seen.map((s) => s[1])).toEqual([5, 5, 5, 5, 5, 5]);
    expect(seen.map((s) => s[2])).toEqual([false, false, false, false, false, true]);
  });

  it('test_retry_tool_until_last_attempt [test_tools.py]', async () => {
    const alwaysFail = tool({ name: 'always_fail', parameters: z.object({}), execute: (_a, ctx) => { if (ctx.lastAttempt) return 'I guess you never learn'; throw new ModelRetry('Please try again.'); } });
    const r = await new Agent({ model: new TestModel(), retries: 2, outputRetries: 2, tools: [alwaysFail] }).run('Always fail!');
    expect(r.output).toBe('{"always_fail":"I guess you never learn"}');
    expect(r.allMessages().filter((m) => m.kind === 'response')).toHaveLength(4);
  });

  it('test_tool_return_conflict [test_tools.py]', async () => {
    const ctxTool = tool({ name: 'ctx_tool', parameters: z.object({ x: z.number() }), execute: ({ x }) => x });
    await new Agent({ model: new TestModel(), tools: [ctxTool] }).run('');
    await new Agent({ model: new TestModel(), tools: [ctxTool], outputType: z.number().int() }).run('');
    expect(() => new Agent({ model: new TestModel(), tools: [ctxTool], outputType: ToolOutput(z.number().int(), { name: 'ctx_tool' }) })).toThrow(UserError);
  });

  it('test_repeat_tool: two tools with one name are refused [test_tools.py]', () => {
    const t = tool({ name: 'bar', parameters: z.object({}), execute: () => 1 });
    expect(() => new Agent({ tools: [t, t] })).toThrow(/Tool name conflicts with existing tool: 'bar'/);
    expect(() => new Agent({ tools: [t] }).tool(t)).toThrow(UserError);
  });

  for (const [args, expected] of [
    ['{"a": 1}', { a: 1 }],
    [{ a: 1 }, { a: 1 }],
    ['', {}],
  ] as const) {
    it(`test_tool_call_part_args_as_dict[${JSON.stringify(args)}] [test_tools.py]`, () => {
      const part: ToolCallPart = { partKind: 'tool-call', toolName: 'foo', args: args as ToolCallPart['args'], toolCallId: 'c' };
      expect(toolCallArgsAsObject(part)).toEqual(expected);
    });
  }

  it('test_init_tool_plain / test_tool_no_ctx: invalid tool definitions are refused [test_tools.py]', () => {
    expect(() => tool({ name: 'bad name', parameters: z.object({}), execute: () => 1 })).toThrow(UserError);
    expect(() => tool({ name: 'x', parameters: z.string() as never, execute: () => 1 })).toThrow(UserError);
  });

  it('test_takes_just_model / test_takes_model_and_int: argument validation errors go back to the model [test_tools.py]', async () => {
    const t = tool({ name: 'takes_model', parameters: z.object({ x: z.number().int(), y: z.string() }), execute: ({ x, y }) => `${x} ${y}` });
    const model = new FunctionModel((m) => (m.length === 1 ? [call('takes_model', { x: 'not int', y: 'a' })] : m.length === 3 ? [call('takes_model', { x: 1, y: 'a' })] : [text('ok')]));
    const r = await new Agent({ model, tools: [t] }).run('x');
    expect(r.output).toBe('ok');
    expect((r.allMessages()[2] as ModelRequest).parts[0]).toMatchObject({ partKind: 'retry-prompt', toolName: 'takes_model', content: [{ loc: ['x'], input: 'not int' }] });
    expect((r.allMessages()[4] as ModelRequest).parts[0]).toMatchObject({ partKind: 'tool-return', content: '1 a' });
  });

  it('test_dynamic_tool_use_messages: ctx.messages grows with the run [test_tools.py]', async () => {
    const lengths: number[] = [];
    const model = new FunctionModel((messages) => (messages.length < 5 ? [call('foobar', { x: 42, y: 'a' })] : [text('done')]));
    const foobar = tool<number>({ name: 'foobar', parameters: z.object({ x: z.number(), y: z.string() }), execute: ({ x, y }, ctx) => (lengths.push(ctx.messages.length), `${ctx.deps} ${x} ${y}`) });
    const r = await new Agent<number>({ model, tools: [foobar] }).run('', { deps: 1 });
    expect(r.output).toBe('done');
    expect(lengths).toEqual([2, 4]);
    expect(r.allMessages().map((m) => [m.kind, m.parts.map((p) => p.partKind)])).toEqual([
      ['request', ['user-prompt']],
      ['response', ['tool-call']],
      ['request', ['tool-return']],
      ['response', ['tool-call']],
      ['request', ['tool-return']],
      ['response', ['text']],
    ]);
  });

  it('test_tool_ctx_second: tool context carries the tool name and call id [test_tools.py]', async () => {
    let seen: [string | undefined, string | undefined] = [undefined, undefined];
    const t = tool({ name: 'who', parameters: z.object({}), execute: (_a, ctx) => ((seen = [ctx.toolName, ctx.toolCallId]), 'me') });
    await new Agent({ model: new FunctionModel((m) => (m.length === 1 ? [call('who', {}, 'id-7')] : [text('ok')])), tools: [t] }).run('x');
    expect(seen).toEqual(['who', 'id-7']);
  });

  it('parallel calls of one response run concurrently and their returns keep emission order [test_tools.py::test_parallel_tool_return_with_deferred]', async () => {
    const order: string[] = [];
    const slow = tool({ name: 'slow', parameters: z.object({}), execute: async () => { await new Promise((r) => setTimeout(r, 20)); order.push('slow'); return 'slow'; } });
    const fast = tool({ name: 'fast', parameters: z.object({}), execute: async () => { order.push('fast'); return 'fast'; } });
    const model = new FunctionModel((m) => (m.length === 1 ? [call('slow', {}), call('fast', {})] : [text('ok')]));
    const r = await new Agent({ model, tools: [slow, fast] }).run('x');
    expect(order).toEqual(['fast', 'slow']);
    expect((r.allMessages()[2] as ModelRequest).parts.map((p) => p.content)).toEqual(['slow', 'fast']);
  });

  it('a tool error other than ModelRetry ends the run with that error [test_tools.py::test_tool_failed]', async () => {
    const boom = tool({ name: 'boom', parameters: z.object({}), execute: () => { throw new TypeError('bad'); } });
    const err = await new Agent({ model: new FunctionModel(() => [call('boom', {})]), tools: [boom] }).run('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TypeError);
  });

  it('tool results are sent back as the model saw them, response objects untouched [test_tools.py::test_return_pydantic_model]', async () => {
    const t = tool({ name: 'obj', parameters: z.object({}), execute: () => ({ a: 1, nested: [1, 2] }) });
    let seen: ModelResponse | undefined;
    const model = new FunctionModel((m) => {
      if (m.length === 1) return [call('obj', {})];
      seen = m[1] as ModelResponse;
      return [text(JSON.stringify((m[2] as ModelRequest).parts[0]!.content))];
    });
    const r = await new Agent({ model, tools: [t] }).run('x');
    expect(r.output).toBe('{"a":1,"nested":[1,2]}');
    expect(seen?.parts[0]).toMatchObject({ partKind: 'tool-call', toolName: 'obj' });
  });
});
