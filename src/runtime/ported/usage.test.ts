/**
 * Usage and usage limits, ported from pydantic-ai's tests/test_usage_limits.py. Limit names are
 * rehearse's camelCase (`outputTokensLimit`), so messages read `outputTokens=11` where
 * pydantic-ai writes `output_tokens=11`.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel, TestModel } from '../../testing/index.js';
import { Agent, ModelRetry, RunUsage, ToolOutput, UsageLimitExceeded, UsageLimits, isModelRequestNode, tool } from '../index.js';
import type { ModelResponse, RunContext } from '../index.js';
import { call, text } from './helpers.js';

const retA = tool({ name: 'ret_a', parameters: z.object({ x: z.string() }), execute: ({ x }) => `${x}-apple` });
const usage = (u: RunUsage) => ({ requests: u.requests, toolCalls: u.toolCalls, inputTokens: u.inputTokens, outputTokens: u.outputTokens });

describe('ported from tests/test_usage_limits.py', () => {
  it('test_request_token_limit [test_usage_limits.py]', async () => {
    const agent = new Agent({ model: new TestModel() });
    await expect(agent.run('Hello, this prompt exceeds the request tokens limit.', { usageLimits: { inputTokensLimit: 5 } })).rejects.toThrow('Exceeded the inputTokensLimit of 5 (inputTokens=59)');
  });

  it('test_response_token_limit [test_usage_limits.py]', async () => {
    const agent = new Agent({ model: new TestModel({ customOutputText: 'Unfortunately, this response exceeds the response tokens limit by a few!' }) });
    await expect(agent.run('Hello', { usageLimits: { outputTokensLimit: 5 } })).rejects.toThrow('Exceeded the outputTokensLimit of 5 (outputTokens=11)');
  });

  it('test_total_token_limit [test_usage_limits.py]', async () => {
    const agent = new Agent({ model: new TestModel({ customOutputText: 'This utilizes 4 tokens!' }) });
    await expect(agent.run('Hello', { usageLimits: { totalTokensLimit: 50 } })).rejects.toThrow('Exceeded the totalTokensLimit of 50 (totalTokens=55)');
  });

  it('test_retry_limit [test_usage_limits.py]', async () => {
    const bar = tool({ name: 'bar', parameters: z.object({ y: z.string() }), execute: ({ y }) => y });
    const agent = new Agent({ model: new TestModel(), tools: [retA, bar] });
    await expect(agent.run('Hello', { usageLimits: { requestLimit: 1 } })).rejects.toThrow('The next request would exceed the requestLimit of 1');
  });

  it('test_streamed_text_limits: the output-token limit stops the run while it streams [test_usage_limits.py]', async () => {
    const agent = new Agent({ model: new TestModel(), tools: [retA] });
    const err = await (async () => {
      const result = await agent.runStream('Hello', { usageLimits: { outputTokensLimit: 10 } });
      expect(result.isComplete).toBe(false);
      expect(result.allMessages().map((m) => m.kind)).toEqual(['request', 'response', 'request']);
      for await (const _ of result.streamText()) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageLimitExceeded);
    expect((err as Error).message).toBe('Exceeded the outputTokensLimit of 10 (outputTokens=11)');
  });

  it('test_stream_text_enforces_output_token_limit_mid_stream [test_usage_limits.py]', async () => {
    const model = new FunctionModel(undefined, {
      stream: async function* () {
        yield 'one';
        yield 'two';
        yield 'three';
      },
    });
    const collected: string[] = [];
    const err = await (async () => {
      const result = await new Agent({ model }).runStream('hi', { usageLimits: { outputTokensLimit: 2 } });
      for await (const t of result.streamText({ delta: true })) collected.push(t);
    })().catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^Exceeded the outputTokensLimit of 2/);
    expect(collected.length).toBeGreaterThan(0);
    expect(collected.length).toBeLessThan(3);
  });

  it('test_usage_so_far: a given usage counts toward the limits [test_usage_limits.py]', async () => {
    const agent = new Agent({ model: new TestModel() });
    await expect(
      agent.run('Hello, this prompt exceeds the request tokens limit.', { usageLimits: { totalTokensLimit: 105 }, usage: new RunUsage({ inputTokens: 50, outputTokens: 50 }) }),
    ).rejects.toThrow('Exceeded the totalTokensLimit of 105 (totalTokens=163)');
  });

  it('test_multi_agent_usage_no_incr [test_usage_limits.py]', async () => {
    const delegate = new Agent({ model: new TestModel(), outputType: z.number().int() });
    const seen: RunUsage[] = [];
    const t = tool({
      name: 'delegate_to_other_agent1',
      parameters: z.object({ sentence: z.string() }),
      execute: async ({ sentence }) => {
        const r = await delegate.run(sentence);
        seen.push(r.usage());
        return r.output;
      },
    });
    const r = await new Agent({ model: new TestModel(), tools: [t] }).run('foobar');
    expect(r.output).toBe('{"delegate_to_other_agent1":0}');
    expect(usage(seen[0]!)).toEqual({ requests: 1, toolCalls: 0, inputTokens: 51, outputTokens: 4 });
    expect(usage(r.usage())).toEqual({ requests: 2, toolCalls: 1, inputTokens: 103, outputTokens: 13 });
  });

  it('test_multi_agent_usage_async: a delegate given ctx.usage does not count the parent’s running tool call [test_usage_limits.py]', async () => {
    const delegate = new Agent({ model: new TestModel(), outputType: z.number().int() });
    let delegateUsage: RunUsage | undefined;
    const t = tool({
      name: 'delegate_to_other_agent',
      parameters: z.object({ sentence: z.string() }),
      execute: async ({ sentence }, ctx: RunContext<undefined>) => {
        const r = await delegate.run(sentence, { usage: ctx.usage });
        delegateUsage = r.usage();
        return r.output;
      },
    });
    const r = await new Agent({ model: new TestModel(), tools: [t] }).run('foobar');
    expect(usage(delegateUsage!)).toEqual({ requests: 2, toolCalls: 0, inputTokens: 102, outputTokens: 9 });
    expect(usage(r.usage())).toEqual({ requests: 3, toolCalls: 1, inputTokens: 154, outputTokens: 17 });
  });

  it('test_multi_agent_usage_sync: a tool adding to ctx.usage [test_usage_limits.py]', async () => {
    const t = tool({
      name: 'delegate_to_other_agent',
      parameters: z.object({ sentence: z.string() }),
      execute: (_a, ctx: RunContext<undefined>) => {
        ctx.usage.add(new RunUsage({ requests: 5, inputTokens: 2, outputTokens: 3 }));
        return 0;
      },
    });
    const r = await new Agent({ model: new TestModel(), tools: [t] }).run('foobar');
    expect(usage(r.usage())).toEqual({ requests: 7, toolCalls: 1, inputTokens: 105, outputTokens: 16 });
  });

  it('test_tool_call_limit [test_usage_limits.py]', async () => {
    const agent = new Agent({ model: new TestModel(), tools: [retA] });
    await expect(agent.run('Hello', { usageLimits: { toolCallsLimit: 0 } })).rejects.toThrow('The next tool call(s) would exceed the toolCallsLimit of 0 (toolCalls=1)');
    const r = await agent.run('Hello', { usageLimits: { toolCallsLimit: 1 } });
    expect(usage(r.usage())).toEqual({ requests: 2, toolCalls: 1, inputTokens: 103, outputTokens: 14 });
  });

  it('test_output_tool_not_counted [test_usage_limits.py]', async () => {
    const regular = tool({ name: 'regular_tool', parameters: z.object({ x: z.string() }), execute: ({ x }) => `${x}-processed` });
    const r1 = await new Agent({ model: new TestModel(), tools: [regular] }).run('test');
    expect(r1.usage().toolCalls).toBe(1);
    const r2 = await new Agent({ model: new TestModel(), outputType: z.object({ result: z.string() }) }).run('test');
    expect(r2.usage().toolCalls).toBe(0);
  });

  it('test_output_tool_allowed_at_limit [test_usage_limits.py]', async () => {
    const model = new FunctionModel((m): ModelResponse => ({
      kind: 'response',
      parts: [m.length === 1 ? call('regular_tool', { x: 'test' }, 'call_1') : call('final_result', { result: 'success' }, 'call_2')],
      usage: { inputTokens: 10, outputTokens: 5 },
      timestamp: new Date().toISOString(),
    }));
    const regular = tool({ name: 'regular_tool', parameters: z.object({ x: z.string() }), execute: ({ x }) => `${x}-processed` });
    const r = await new Agent({ model, outputType: ToolOutput(z.object({ result: z.string() })), tools: [regular] }).run('test', { usageLimits: { toolCallsLimit: 1 } });
    expect(r.output.result).toBe('success');
    expect(usage(r.usage())).toEqual({ requests: 2, toolCalls: 1, inputTokens: 20, outputTokens: 10 });
  });

  it('test_failed_tool_calls_not_counted [test_usage_limits.py]', async () => {
    let n = 0;
    const flaky = tool({
      name: 'flaky_tool',
      parameters: z.object({ x: z.string() }),
      execute: ({ x }) => {
        if (++n === 1) throw new ModelRetry('Temporary failure, please retry');
        return `${x}-success`;
      },
    });
    const r = await new Agent({ model: new TestModel(), tools: [flaky] }).run('test', { usageLimits: { toolCallsLimit: 1 } });
    expect(n).toBe(2);
    expect(r.usage().requests).toBe(3);
    expect(r.usage().toolCalls).toBe(1);
  });

  it('test_parallel_tool_calls_limit_enforced [test_usage_limits.py]', async () => {
    const executed: string[] = [];
    let n = 0;
    const model = new FunctionModel(() =>
      ++n === 1
        ? [call('tool_a', {}, 'call_1'), call('tool_b', {}, 'call_2'), call('tool_c', {}, 'call_3'), call('tool_a', {}, 'call_4'), call('tool_b', {}, 'call_5')]
        : [call('tool_c', {}, 'call_6'), call('tool_a', {}, 'call_7'), call('tool_b', {}, 'call_8')],
    );
    const mk = (name: string) => tool({ name, parameters: z.object({}), execute: async () => { await new Promise((r) => setTimeout(r, 2)); executed.push(name); return `result ${name}`; } });
    const agent = new Agent({ model, tools: [mk('tool_a'), mk('tool_b'), mk('tool_c')] });
    await expect(agent.run('Use tools', { usageLimits: { toolCallsLimit: 6 } })).rejects.toThrow('The next tool call(s) would exceed the toolCallsLimit of 6 (toolCalls=8)');
    expect(executed).toHaveLength(5);
  });

  it('test_usage_limits_explicit_zero [test_usage_limits.py]', () => {
    expect(new UsageLimits({ inputTokensLimit: 0 }).inputTokensLimit).toBe(0);
    expect(new UsageLimits({ outputTokensLimit: 0 }).outputTokensLimit).toBe(0);
    expect(new UsageLimits().inputTokensLimit).toBeUndefined();
    expect(new UsageLimits({ inputTokensLimit: 100 }).inputTokensLimit).toBe(100);
  });

  it('test_add_usages [test_usage_limits.py]', () => {
    const a = new RunUsage({ requests: 2, inputTokens: 10, outputTokens: 20, cacheReadTokens: 30, cacheWriteTokens: 40, details: { custom1: 10, custom2: 20 } });
    const b = new RunUsage({ requests: 0, inputTokens: 5, outputTokens: 10, details: { custom1: 1 } });
    const sum = a.clone();
    sum.add(b);
    expect(sum.toJSON()).toMatchObject({ requests: 2, inputTokens: 15, outputTokens: 30, totalTokens: 45, cacheReadTokens: 30, cacheWriteTokens: 40, details: { custom1: 11, custom2: 20 } });
    expect(a.inputTokens).toBe(10); // test_add_run_usages_does_not_mutate_original
  });

  it('usage read while a stream is open includes the streaming request [test_usage_limits.py::test_streamed_text_limits]', async () => {
    const model = new FunctionModel(undefined, {
      stream: async function* () {
        yield 'one ';
        yield 'two';
      },
    });
    const run = new Agent({ model }).iter('hi');
    for await (const node of run) {
      if (!isModelRequestNode(node)) continue;
      const stream = node.stream(run.ctx);
      const seen: [number, number][] = [];
      for await (const ev of stream) if (ev.eventKind === 'part_start' || ev.eventKind === 'part_delta') seen.push([stream.usage().requests, stream.usage().outputTokens]);
      expect(seen[0]![0]).toBe(1);
      expect(seen.at(-1)![1]).toBeGreaterThan(seen[0]![1]);
      expect(run.usage().requests).toBe(1);
    }
  });

  it('usage is a snapshot: later steps do not change a usage read earlier', async () => {
    const model = new FunctionModel((m) => (m.length === 1 ? [call('ret_a', { x: 'a' })] : [text('done')]));
    const run = new Agent({ model, tools: [retA] }).iter('hi');
    const snapshots: number[] = [];
    for await (const _ of run) snapshots.push(run.usage().requests);
    expect(snapshots).toEqual([0, 0, 1, 1, 2, 2]);
  });
});
