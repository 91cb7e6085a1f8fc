/**
 * Output and tool retries, empty responses and token limits, ported from pydantic-ai's
 * tests/test_agent.py. pydantic-ai's `retries={'tools': n, 'output': m}` is rehearse's
 * `retries: n, outputRetries: m`.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel } from '../../testing/index.js';
import { Agent, IncompleteToolCall, ModelRetry, ToolOutput, UnexpectedModelBehavior, captureRunMessages, tool } from '../index.js';
import type { ModelMessage, ModelResponse, RetryPromptPart } from '../index.js';
import { call, text } from './helpers.js';

const Foo = z.object({ a: z.number().int(), b: z.string() });
const fooCall = () => [call('final_result', '{"a": 1, "b": "foo"}')];
const retryOf = (m: ModelMessage | undefined) => (m?.kind === 'request' ? (m.parts.find((p) => p.partKind === 'retry-prompt') as RetryPromptPart | undefined) : undefined);

describe('ported from tests/test_agent.py (retries)', () => {
  it('test_result_pydantic_model_retry [test_agent.py]', async () => {
    const model = new FunctionModel((m) => [call('final_result', m.length === 1 ? '{"a": "wrong", "b": "foo"}' : '{"a": 42, "b": "foo"}')]);
    const r = await new Agent({ model, outputType: Foo }).run('Hello');
    expect(r.output).toEqual({ a: 42, b: 'foo' });
    const retry = retryOf(r.allMessages()[2]);
    expect(retry).toMatchObject({ toolName: 'final_result', content: [{ type: 'invalid_type', loc: ['a'], input: 'wrong' }] });
    expect(r.allMessages()[4]).toMatchObject({ parts: [{ partKind: 'tool-return', content: 'Final result processed.' }] });
  });

  it('test_output_validator_retries: ctx.retry counts 0, 1, 2, 3 [test_agent.py]', async () => {
    const retries: number[] = [];
    const maxRetries: number[] = [];
    const agent = new Agent({ model: new FunctionModel(fooCall), outputType: Foo, outputRetries: 3 });
    agent.outputValidator((o, ctx) => {
      retries.push(ctx.retry);
      maxRetries.push(ctx.maxRetries);
      if (ctx.retry === 3) return o;
      throw new ModelRetry(`Retry ${ctx.retry}`);
    });
    const r = await agent.run('Hello');
    expect(r.output).toEqual({ a: 1, b: 'foo' });
    expect(retries).toEqual([0, 1, 2, 3]);
    expect(maxRetries).toEqual([3, 3, 3, 3]);
  });

  it('test_output_validator_retry_consistency_across_paths: validators see the global output budget [test_agent.py]', async () => {
    const retries: number[] = [];
    const maxRetries: number[] = [];
    const agent = new Agent({ model: new FunctionModel(fooCall), outputType: ToolOutput(Foo, { maxRetries: 5 }), outputRetries: 2 });
    agent.outputValidator((o, ctx) => {
      retries.push(ctx.retry);
      maxRetries.push(ctx.maxRetries);
      if (ctx.retry === 2) return o;
      throw new ModelRetry(`Retry ${ctx.retry}`);
    });
    await agent.run('Hello');
    expect(retries).toEqual([0, 1, 2]);
    expect(maxRetries).toEqual([2, 2, 2]);
  });

  it('test_output_validator_exceeds_output_retries [test_agent.py]', async () => {
    const retries: number[] = [];
    const agent = new Agent({ model: new FunctionModel(fooCall), outputType: ToolOutput(Foo), outputRetries: 2 });
    agent.outputValidator((_o, ctx) => {
      retries.push(ctx.retry);
      throw new ModelRetry(`Retry ${ctx.retry}`);
    });
    const err = await agent.run('Hello').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnexpectedModelBehavior);
    expect((err as Error).message).toBe('Exceeded maximum output retries (2)');
    expect(retries).toEqual([0, 1, 2]);
  });

  it('test_tool_output_max_retries_per_tool: ToolOutput maxRetries is the budget of its tool [test_agent.py]', async () => {
    const agent = new Agent({ model: new FunctionModel(() => [call('final_result', '{}')]), outputType: ToolOutput(Foo, { maxRetries: 3 }), outputRetries: 1 });
    const captured: unknown = await captureRunMessages(() => agent.run("Hello")).catch((e: unknown) => e);
    expect((captured as Error).message).toBe('Exceeded maximum output retries (3)');
    expect((captured as { messages: ModelMessage[] }).messages.filter((m) => m.kind === 'response')).toHaveLength(4);
  });

  it('test_output_validator_retry_counter_with_tool_switch [test_agent.py]', async () => {
    const seen: number[] = [];
    let n = 0;
    const model = new FunctionModel(() => [call(++n === 1 ? 'output_b' : 'output_a', '{"value": "hello"}')]);
    const V = z.object({ value: z.string() });
    const agent = new Agent<undefined, { value: string }>({
      model,
      outputType: [ToolOutput(V, { name: 'output_a', maxRetries: 3 }), ToolOutput(V, { name: 'output_b', maxRetries: 1 })],
      retries: 0,
      outputRetries: 0,
    });
    agent.outputValidator((o, ctx) => {
      seen.push(ctx.retry);
      if (ctx.retry < 2) throw new ModelRetry(`Retry ${ctx.retry}`);
      return o;
    });
    const r = await agent.run('Hello');
    expect(r.output).toEqual({ value: 'hello' });
    expect(seen).toEqual([0, 1, 2]);
  });

  it('test_text_path_honors_output_retry_budget [test_agent.py]', async () => {
    const retries: number[] = [];
    const agent = new Agent({ model: new FunctionModel(() => [text('hello')]), outputRetries: 2 });
    agent.outputValidator((_o, ctx) => {
      retries.push(ctx.retry);
      throw new ModelRetry(`retry ${ctx.retry}`);
    });
    await expect(agent.run('Hello')).rejects.toThrow('Exceeded maximum output retries (2)');
    expect(retries).toEqual([0, 1, 2]);
  });

  it('test_tool_retry_budget_survives_interleaved_tool_calls [test_agent.py]', async () => {
    const flakyRetries: number[] = [];
    const model = new FunctionModel((messages) => {
      const step = messages.filter((m) => m.kind === 'response').length;
      return [call(step % 2 === 0 ? 'flaky_tool' : 'other_tool', {})];
    });
    const flaky = tool({ name: 'flaky_tool', parameters: z.object({}), execute: (_a, ctx) => { flakyRetries.push(ctx.retry); throw new ModelRetry('always fails'); } });
    const other = tool({ name: 'other_tool', parameters: z.object({}), execute: () => 'ok' });
    await expect(new Agent({ model, retries: 2, tools: [flaky, other] }).run('go')).rejects.toThrow(/Tool 'flaky_tool' exceeded max retries count of 2/);
    expect(flakyRetries).toEqual([0, 1, 2]);
  });

  it('test_tool_retry_count_resets_after_successful_call [test_agent.py]', async () => {
    const seen: number[] = [];
    const model = new FunctionModel((messages) => (messages.filter((m) => m.kind === 'response').length < 4 ? [call('sometimes_tool', {})] : [text('done')]));
    const sometimes = tool({
      name: 'sometimes_tool',
      parameters: z.object({}),
      execute: (_a, ctx) => {
        seen.push(ctx.retry);
        if (seen.length % 2 === 1) throw new ModelRetry('fails on odd calls');
        return 'ok';
      },
    });
    const r = await new Agent({ model, retries: 2, tools: [sometimes] }).run('go');
    expect(r.output).toBe('done');
    expect(seen).toEqual([0, 1, 0, 1]);
  });

  it('two failures of one tool in one step count once, as pydantic-ai counts per step', async () => {
    let calls = 0;
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('t', {}, 'a'), call('t', {}, 'b')] : [text('done')]));
    const t = tool({ name: 't', parameters: z.object({}), execute: () => { calls++; throw new ModelRetry('no'); } });
    const r = await new Agent({ model, retries: 1, tools: [t] }).run('go');
    expect(r.output).toBe('done');
    expect(calls).toBe(2);
  });

  it('test_unknown_tool_fix [test_agent.py]', async () => {
    const model = new FunctionModel((m) => (m.length > 1 ? [text('success')] : [call('foobar', '{}')]));
    const r = await new Agent({ model }).run('Hello');
    expect(r.output).toBe('success');
    expect(retryOf(r.allMessages()[2])).toMatchObject({ toolName: 'foobar', content: "Unknown tool name: 'foobar'. No tools available." });
  });

  it('test_unknown_tool_multiple_retries [test_agent.py]', async () => {
    const agent = new Agent({ model: new FunctionModel(() => [call('foobar', '{}')]), retries: 2, outputRetries: 2 });
    const e = (await captureRunMessages(() => agent.run('Hello')).catch((x: unknown) => x)) as Error & { messages: ModelMessage[] };
    expect(e.message).toMatch(/Tool 'foobar' exceeded max retries count of 2/);
    expect(e.messages.filter((m) => m.kind === 'response')).toHaveLength(3);
    expect(e.messages.filter((m) => retryOf(m)?.content === "Unknown tool name: 'foobar'. No tools available.")).toHaveLength(2);
  });

  it('test_unknown_tool_per_tool_retries_exceeded [test_agent.py]', async () => {
    const agent = new Agent({ model: new FunctionModel(() => [call('foobar', '{}')]), retries: 1, outputRetries: 5 });
    await expect(agent.run('Hello')).rejects.toThrow(/Tool 'foobar' exceeded max retries count of 1/);
  });

  it('test_unknown_tool_with_valid_tool_does_not_exhaust_retries [test_agent.py]', async () => {
    let n = 0;
    const model = new FunctionModel(() => (++n <= 2 ? [call('nonexistent_tool', '{}'), call('valid_tool', '{"x": 1}')] : [text('done')]));
    const valid = tool({ name: 'valid_tool', parameters: z.object({ x: z.number() }), execute: ({ x }) => `result=${x}` });
    const r = await new Agent({ model, retries: 2, outputRetries: 1, tools: [valid] }).run('Hello');
    expect(r.output).toBe('done');
    expect(n).toBe(3);
  });

  it('an unknown tool out of retries fails the round before the known tools of that round run', async () => {
    let ran = 0;
    const model = new FunctionModel(() => [call('nonexistent_tool', '{}'), call('valid_tool', '{"x": 1}')]);
    const valid = tool({ name: 'valid_tool', parameters: z.object({ x: z.number() }), execute: () => ++ran });
    await expect(new Agent({ model, retries: 0, tools: [valid] }).run('Hello')).rejects.toThrow(/Tool 'nonexistent_tool' exceeded max retries count of 0/);
    expect(ran).toBe(0);
  });

  it('test_empty_response [test_agent.py]', async () => {
    const model = new FunctionModel((m) => (m.length === 1 ? [] : [text('ok here is text')]));
    const r = await new Agent({ model }).run('Hello');
    expect(r.output).toBe('ok here is text');
    expect(retryOf(r.allMessages()[2])?.content).toBe('Please return text.');
  });

  it('test_empty_response_exceeds_max_retries (rehearse: zod output is tool-only, so the retry asks for a tool call) [test_agent.py]', async () => {
    const agent = new Agent({ model: new FunctionModel(() => []), outputType: z.tuple([z.string(), z.number()]) });
    const e = (await captureRunMessages(() => agent.run('Hello')).catch((x: unknown) => x)) as Error & { messages: ModelMessage[] };
    expect(e.message).toBe('Exceeded maximum output retries (1)');
    expect(e.messages.map((m) => m.kind)).toEqual(['request', 'response', 'request', 'response']);
    expect(retryOf(e.messages[2])?.content).toBe('Please include your response in a tool call.');
  });

  it('test_empty_response with text allowed asks for text or a tool call [test_agent.py]', async () => {
    const model = new FunctionModel((m) => (m.length === 1 ? [] : [text('plain')]));
    const r = await new Agent<undefined, unknown>({ model, outputType: [z.object({ a: z.number() }), z.string()] }).run('Hello');
    expect(r.output).toBe('plain');
    expect(retryOf(r.allMessages()[2])?.content).toBe('Please return text or include your response in a tool call.');
  });

  it('test_retry_message_no_tools [test_agent.py]', async () => {
    const model = new FunctionModel((m) => (m.length === 1 ? [{ partKind: 'thinking', content: 'thinking...' }] : [text('result')]));
    const r = await new Agent({ model }).run('Hello');
    expect(r.output).toBe('result');
    expect(retryOf(r.allMessages()[2])?.content).toBe('Please return text.');
  });

  it('test_thinking_only_response_retry keeps the instructions on the retry request [test_agent.py]', async () => {
    const model = new FunctionModel((m) => (m.length === 1 ? [{ partKind: 'thinking', content: 'Let me think about this...' }] : [text('Final answer')]));
    const r = await new Agent({ model, instructions: 'You are a helpful assistant.' }).run('Hello');
    expect(r.output).toBe('Final answer');
    expect(r.allMessages()[2]).toMatchObject({ instructions: 'You are a helpful assistant.', parts: [{ partKind: 'retry-prompt', content: 'Please return text.' }] });
  });

  it('test_thinking_only_response_retry_with_tool_output [test_agent.py]', async () => {
    const model = new FunctionModel((m) => (m.length === 1 ? [{ partKind: 'thinking', content: '...' }] : [call('final_result', '{"a": 1, "b": "x"}')]));
    const r = await new Agent({ model, outputType: Foo }).run('Hello');
    expect(r.output).toEqual({ a: 1, b: 'x' });
    expect(retryOf(r.allMessages()[2])?.content).toBe('Please include your response in a tool call.');
  });

  it('test_thinking_only_response_after_tool_call_retries: a function tool is suggested [test_agent.py]', async () => {
    const model = new FunctionModel((m) => (m.length === 1 ? [call('t', {})] : m.length === 3 ? [{ partKind: 'thinking', content: '...' }] : [text('done')]));
    const t = tool({ name: 't', parameters: z.object({}), execute: () => 'ok' });
    const r = await new Agent({ model, tools: [t] }).run('Hello');
    expect(r.output).toBe('done');
    expect(retryOf(r.allMessages()[4])?.content).toBe('Please return text or call a tool.');
  });

  it('test_empty_text_part: an empty text part beside the output tool call [test_agent.py]', async () => {
    const model = new FunctionModel(() => [text(''), call('final_result', '{"response": ["foo", "bar"]}')]);
    const r = await new Agent({ model, outputType: z.tuple([z.string(), z.string()]) }).run('Hello');
    expect(r.output).toEqual(['foo', 'bar']);
  });

  it('test_tool_exceeds_token_limit_error [test_agent.py]', async () => {
    const cut = (): ModelResponse => ({ kind: 'response', parts: [call('dummy_tool', '{"foo": "bar",')], usage: { inputTokens: 1, outputTokens: 1 }, timestamp: new Date().toISOString(), finishReason: 'length' });
    const agent = new Agent({ model: new FunctionModel(cut) });
    const e1 = await agent.run('Hello', { modelSettings: { maxTokens: 10 } }).catch((x: unknown) => x);
    expect(e1).toBeInstanceOf(IncompleteToolCall);
    expect(e1).toBeInstanceOf(UnexpectedModelBehavior);
    expect((e1 as Error).message).toMatch(/^Model token limit \(10\) exceeded while generating a tool call, resulting in incomplete arguments\./);
    await expect(agent.run('Hello')).rejects.toThrow(/Model token limit \(provider default\) exceeded while generating a tool call/);
  });

  it('test_tool_exceeds_token_limit_but_complete_args [test_agent.py]', async () => {
    const model = new FunctionModel((m): ModelResponse => ({
      kind: 'response',
      parts: m.length === 1 ? [call('dummy_tool', '{"foo": "bar"}')] : [text('done')],
      usage: { inputTokens: 1, outputTokens: 1 },
      timestamp: new Date().toISOString(),
      ...(m.length === 1 ? { finishReason: 'length' as const } : {}),
    }));
    const dummy = tool({ name: 'dummy_tool', parameters: z.object({ foo: z.string() }), execute: () => 'tool-ok' });
    expect((await new Agent({ model, tools: [dummy] }).run('Hello')).output).toBe('done');
  });

  for (const [name, parts] of [
    ['test_empty_response_with_finish_reason_length', []],
    ['test_thinking_only_response_with_finish_reason_length', [{ partKind: 'thinking' as const, content: 'hmm' }]],
    ['test_agent_blank_text_response_token_limit', [text('')]],
  ] as const) {
    it(`${name} [test_agent.py]`, async () => {
      const model = new FunctionModel((): ModelResponse => ({ kind: 'response', parts: [...parts], usage: { inputTokens: 1, outputTokens: 0 }, timestamp: new Date().toISOString(), finishReason: 'length' }));
      const agent = new Agent({ model });
      await expect(agent.run('Hello', { modelSettings: { maxTokens: 10 } })).rejects.toThrow(/^Model token limit \(10\) exceeded before any response was generated\./);
      await expect(agent.run('Hello')).rejects.toThrow(/^Model token limit \(provider default\) exceeded before any response was generated\./);
      expect(model.calls).toHaveLength(2);
    });
  }
});
