/**
 * Output functions, run identity, metadata, run-level instructions and retries, ported from
 * pydantic-ai's tests/test_agent.py (`test_tool_output_function_retries`,
 * `test_agent_message_history_includes_run_id`, `test_agent_conversation_id_*`,
 * `test_agent_run_id_*`, `test_agent_run_result_metadata_available`,
 * `test_agent_iter_metadata_surfaces_on_result`, `test_agent_metadata_recomputed_on_successful_run`,
 * `test_agent_metadata_override_with_dict`) and docs/output.md "Output functions".
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel, TestModel } from '../testing/index.js';
import { Agent, ModelRetry, NEW_CONVERSATION, ToolOutput, UserError, tool, uuid7 } from './index.js';
import type { ModelMessage, RunContext, ToolCallPart } from './index.js';

const call = (toolName: string, args: Record<string, unknown> | string, toolCallId: string): ToolCallPart => ({ partKind: 'tool-call', toolName, args, toolCallId });

describe('output functions (docs/output.md, tests/test_agent.py)', () => {
  it('test_tool_output_function_retries: ModelRetry from the output function retries, with ctx.retry / ctx.maxRetries', async () => {
    const retries: number[] = [];
    const maxRetries: number[] = [];
    const getWeather = tool({
      name: 'get_weather',
      parameters: z.object({ city: z.string() }),
      execute: ({ city }, ctx: RunContext<undefined>) => {
        retries.push(ctx.retry);
        maxRetries.push(ctx.maxRetries);
        if (ctx.retry === 3) return `Weather in ${city}`;
        throw new ModelRetry(`Retry ${ctx.retry}`);
      },
    });
    const model = new FunctionModel((_m, info) => [call(info.outputTools[0]!.name, '{"city": "Mexico City"}', 'c')]);
    const agent = new Agent({ model, outputType: getWeather, retries: { output: 3 } });
    const r = await agent.run('Hello');
    expect(r.output).toBe('Weather in Mexico City');
    expect(retries).toEqual([0, 1, 2, 3]);
    expect(maxRetries).toEqual([3, 3, 3, 3]);
  });

  it('one output function is the `final_result` tool; among several, `final_result_{name}`; the result is the output', async () => {
    const toCelsius = tool({ name: 'to_celsius', description: 'Convert', parameters: z.object({ f: z.number() }), execute: ({ f }) => Math.round(((f - 32) * 5) / 9) });
    const shout = tool({ name: 'shout', parameters: z.object({ text: z.string() }), execute: ({ text }) => ({ loud: text.toUpperCase() }) });
    const single = new TestModel({ customOutputArgs: { f: 212 } });
    expect((await new Agent({ model: single, outputType: toCelsius }).run('boil')).output).toBe(100);
    expect(single.lastModelRequestParameters!.outputTools).toMatchObject([{ name: 'final_result', description: 'Convert', kind: 'output' }]);

    const model = new FunctionModel((_m, info) => [call(info.outputTools.find((t) => t.name.endsWith('shout'))!.name, { text: 'hi' }, 'c')]);
    const agent = new Agent({ model, outputType: [toCelsius, ToolOutput(shout), z.string()] });
    const r = await agent.run('x');
    expect(r.output).toEqual({ loud: 'HI' });
  });

  it('invalid arguments never reach the output function (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.boolean(), fc.constant(null)), async (bad) => {
        let called = 0;
        const fn = tool({ name: 'f', parameters: z.object({ n: z.number() }), execute: ({ n }) => { called++; return n; } });
        const model = new FunctionModel((m) => [call('final_result', m.length === 1 ? { n: bad } : { n: 7 }, 'c')]);
        const r = await new Agent({ model, outputType: fn }).run('x');
        expect(r.output).toBe(7);
        expect(called).toBe(1);
      }),
      { numRuns: 25 },
    );
  });
});

describe('run identity (tests/test_agent.py)', () => {
  it('test_agent_message_history_includes_run_id / conversation_id; run ids are never inherited, conversations are', async () => {
    const agent = new Agent({ model: new TestModel() });
    const first = await agent.run('one');
    expect(first.allMessages().every((m) => m.runId === first.runId && m.conversationId === first.conversationId)).toBe(true);
    const second = await agent.run('two', { messageHistory: first.allMessages() });
    expect(second.runId).not.toBe(first.runId);
    expect(second.conversationId).toBe(first.conversationId);
    expect(second.newMessages().every((m) => m.runId === second.runId)).toBe(true);
    const forked = await agent.run('three', { messageHistory: first.allMessages(), conversationId: NEW_CONVERSATION });
    expect(forked.conversationId).not.toBe(first.conversationId);
    const explicit = await agent.run('four', { messageHistory: first.allMessages(), conversationId: 'conv-1', runId: 'run-1' });
    expect([explicit.conversationId, explicit.runId]).toEqual(['conv-1', 'run-1']);
  });

  it('test_agent_run_id_reuse_in_message_history_raises / _empty_string_raises', async () => {
    const agent = new Agent({ model: new TestModel() });
    const first = await agent.run('one', { runId: 'r1' });
    await expect(agent.run('two', { messageHistory: first.allMessages(), runId: 'r1' })).rejects.toThrow(/`runId` 'r1' already appears in `messageHistory`/);
    await expect(agent.run('two', { runId: '' })).rejects.toBeInstanceOf(UserError);
  });

  it('test_agent_run_id_available_in_run_context; ids surface on iter runs and streams', async () => {
    const seen: string[] = [];
    const t = tool({ name: 't', parameters: z.object({}), execute: (_a, ctx) => { seen.push(`${ctx.runId}/${ctx.conversationId}`); return 1; } });
    const agent = new Agent({ model: new TestModel(), tools: [t] });
    const run = agent.iter('x', { runId: 'rid', conversationId: 'cid' });
    expect([run.runId, run.conversationId]).toEqual(['rid', 'cid']);
    await run.drive();
    expect(seen).toEqual(['rid/cid']);
    const stream = await agent.runStream('x', { runId: 'srid' });
    await stream.getOutput();
    expect(stream.allMessages().every((m: ModelMessage) => m.runId === 'srid')).toBe(true);
  });

  it('uuid7 is RFC 9562 version 7, time-ordered, and unique (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 47 }), fc.integer({ min: 1, max: 50 }), (start, n) => {
        const ids = Array.from({ length: n }, (_, i) => uuid7(start + Math.floor(i / 3)));
        for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(new Set(ids).size).toBe(n);
        const sorted = [...ids].sort();
        expect(sorted).toEqual(ids);
      }),
    );
  });
});

describe('metadata, run instructions and retries (tests/test_agent.py)', () => {
  it('test_agent_run_result_metadata_available: a function of the run context', async () => {
    const agent = new Agent({ model: new TestModel({ customOutputText: 'metadata output' }), metadata: (ctx) => ({ prompt: ctx.prompt }) });
    const r = await agent.run('metadata prompt');
    expect(r.metadata).toEqual({ prompt: 'metadata prompt' });
  });

  it('test_agent_metadata_recomputed_on_successful_run / test_agent_iter_metadata_surfaces_on_result', async () => {
    const agent = new Agent({ model: new TestModel(), metadata: (ctx) => ({ requests: ctx.usage.requests }) });
    const run = agent.iter('x');
    expect(run.metadata).toEqual({ requests: 0 });
    const r = await run.drive();
    expect(run.metadata).toEqual({ requests: 1 });
    expect(r.metadata).toEqual({ requests: 1 });
  });

  it('test_agent_metadata_override_with_dict; run metadata merges over the agent metadata', async () => {
    const agent = new Agent({ model: new TestModel(), metadata: { env: 'base', team: 'a' } });
    expect((await agent.run('x', { metadata: { env: 'run' } })).metadata).toEqual({ env: 'run', team: 'a' });
    expect((await agent.override({ metadata: { env: 'override' } }, () => agent.run('x'))).metadata).toEqual({ env: 'override' });
    expect((await new Agent({ model: new TestModel() }).run('x')).metadata).toBeUndefined();
  });

  it('run instructions are added after the agent instructions', async () => {
    const model = new TestModel();
    const r = await new Agent({ model, instructions: 'Agent.' }).run('x', { instructions: (ctx) => `Run for ${String(ctx.prompt)}.` });
    expect(r.allMessages()[0]).toMatchObject({ instructions: 'Agent.\n\nRun for x.' });
  });

  it('retries as a number or AgentRetries, per agent and per run', async () => {
    const failing = tool({ name: 'f', parameters: z.object({}), execute: (_a, ctx) => { if (ctx.retry < 2) throw new ModelRetry('again'); return ctx.maxRetries; } });
    const model = new FunctionModel((m) => (m.at(-1)!.parts.some((p) => p.partKind === 'tool-return') ? [{ partKind: 'text', content: 'ok' }] : [call('f', {}, `c${m.length}`)]));
    await expect(new Agent({ model, tools: [failing] }).run('x')).rejects.toThrow(/exceeded max retries count of 1/);
    const r = await new Agent({ model, tools: [failing], retries: { tools: 2 } }).run('x');
    expect(r.output).toBe('ok');
    expect((await new Agent({ model, tools: [failing] }).run('x', { retries: 5 })).allMessages().at(-2)!.parts[0]).toMatchObject({ content: 5 });
  });
});
