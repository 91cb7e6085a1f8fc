/**
 * Tracing, ported from pydantic-ai's tests/test_logfire.py (checked on OpenTelemetry spans
 * with an in-memory exporter instead of logfire).
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel, TestModel } from '../../testing/index.js';
import { Agent, InstrumentationSettings, ModelRetry, otelMessages, tool } from '../index.js';
import type { ModelMessage } from '../index.js';
import { call, text } from './helpers.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();
beforeAll(() => void context.setGlobalContextManager(contextManager.enable()));
afterAll(() => context.disable());
beforeEach(() => exporter.reset());

const instrument = () => new InstrumentationSettings({ tracerProvider: provider });
const span = (prefix: string): ReadableSpan => {
  const s = exporter.getFinishedSpans().find((x) => x.name.startsWith(prefix));
  if (!s) throw new Error(`no span ${prefix}`);
  return s;
};
const json = (s: ReadableSpan, key: string): unknown => JSON.parse(String(s.attributes[key]));

describe('ported from tests/test_logfire.py', () => {
  it('test_logfire: tool-call arguments in message attributes are objects [test_logfire.py]', async () => {
    const myRet = tool({ name: 'my_ret', parameters: z.object({ x: z.number().int() }), execute: ({ x }) => String(x + 1) });
    await new Agent({ model: new TestModel(), tools: [myRet], name: 'my_agent', instrument: instrument() }).run('Hello');
    const all = json(span('invoke_agent my_agent'), 'pydantic_ai.all_messages') as { parts: { type: string; arguments?: unknown }[] }[];
    expect(all[1]!.parts[0]).toEqual({ type: 'tool_call', id: expect.any(String), name: 'my_ret', arguments: { x: 0 } });
    const chats = exporter.getFinishedSpans().filter((s) => s.name.startsWith('chat '));
    const input = json(chats[1]!, 'gen_ai.input.messages') as { role: string; parts: { arguments?: unknown }[] }[];
    expect(input[1]!.parts[0]!.arguments).toEqual({ x: 0 });
  });

  it('test_static_function_instructions_in_agent_run_span: gen_ai.system_instructions on the agent run [test_logfire.py]', async () => {
    const agent = new Agent({ model: new TestModel(), instrument: instrument(), outputType: z.object({ content: z.string() }) });
    agent.addInstructions(() => 'Here are some instructions');
    const r = await agent.run('Hello');
    expect(r.output).toEqual({ content: 'a' });
    expect(span('invoke_agent').attributes['gen_ai.system_instructions']).toBe('[{"type":"text","content":"Here are some instructions"}]');
    expect(span('chat ').attributes['gen_ai.system_instructions']).toBe('[{"type":"text","content":"Here are some instructions"}]');
  });

  it('test_dynamic_function_instructions_in_agent_run_span: the last instructions of the run [test_logfire.py]', async () => {
    let n = 0;
    const model = new FunctionModel((m) => (m.length === 1 ? [call('t', {})] : [text('done')]));
    const agent = new Agent({ model, instrument: instrument(), tools: [tool({ name: 't', parameters: z.object({}), execute: () => 1 })] });
    agent.addInstructions(() => `Step ${++n}`);
    await agent.run('Hello');
    expect(span('invoke_agent').attributes['gen_ai.system_instructions']).toBe('[{"type":"text","content":"Step 2"}]');
  });

  it('test_function_instructions_with_history_in_agent_run_span [test_logfire.py]', async () => {
    const history: ModelMessage[] = [
      { kind: 'request', parts: [{ partKind: 'user-prompt', content: 'earlier', timestamp: new Date().toISOString() }], instructions: 'Old' },
      { kind: 'response', parts: [text('ok')], usage: { inputTokens: 0, outputTokens: 0 }, timestamp: new Date().toISOString() },
    ];
    await new Agent({ model: new TestModel(), instrument: instrument(), instructions: 'Be helpful' }).run('Hello', { messageHistory: history });
    expect(String(span('invoke_agent').attributes['gen_ai.system_instructions'])).toContain('Be helpful');
  });

  it('test_instructions_with_structured_output_exclude_content: no instructions without content [test_logfire.py]', async () => {
    await new Agent({ model: new TestModel(), instrument: new InstrumentationSettings({ tracerProvider: provider, includeContent: false }), instructions: 'secret' }).run('Hello');
    expect(JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes))).not.toContain('secret');
  });

  it('test_include_tool_args_span_attributes [test_logfire.py]', async () => {
    const add = tool({ name: 'add_numbers', parameters: z.object({ x: z.number(), y: z.number() }), execute: ({ x, y }) => x + y });
    await new Agent({ model: new TestModel(), instrument: instrument(), tools: [add] }).run('Add 42 and 42');
    const t = span('execute_tool add_numbers');
    expect(t.attributes['gen_ai.tool.name']).toBe('add_numbers');
    expect(JSON.parse(String(t.attributes['gen_ai.tool.call.arguments']))).toEqual({ x: 0, y: 0 });
    expect(t.attributes['gen_ai.tool.call.result']).toBe('0');
  });

  it('a tool that asks for a retry records the retry text as its result [test_logfire.py::test_tool_argument_validation_failure_emits_span]', async () => {
    let n = 0;
    const flaky = tool({ name: 'flaky', parameters: z.object({}), execute: () => { if (++n === 1) throw new ModelRetry('again please'); return 'ok'; } });
    await new Agent({ model: new TestModel(), instrument: instrument(), tools: [flaky] }).run('x');
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'execute_tool flaky');
    expect(spans.map((s) => s.attributes['gen_ai.tool.call.result'])).toEqual([expect.stringMatching(/^again please/), 'ok']);
  });

  it('otelMessages keeps invalid arguments under INVALID_JSON, as args_as_dict does [test_logfire.py]', () => {
    const out = otelMessages([{ kind: 'response', parts: [{ partKind: 'tool-call', toolName: 'f', args: '{"a": ', toolCallId: 'c' }], usage: { inputTokens: 0, outputTokens: 0 }, timestamp: new Date().toISOString() }], true);
    expect(out[0]!.parts[0]).toEqual({ type: 'tool_call', id: 'c', name: 'f', arguments: { INVALID_JSON: '{"a": ' } });
  });

  it('test_run_stream: streamed runs get the same agent span attributes [test_logfire.py]', async () => {
    const model = new FunctionModel(undefined, { stream: async function* () { yield 'hi'; } });
    const r = await new Agent({ model, instrument: instrument(), instructions: 'Stream it' }).runStream('x');
    expect(await r.getOutput()).toBe('hi');
    expect(span('invoke_agent').attributes['gen_ai.system_instructions']).toBe('[{"type":"text","content":"Stream it"}]');
    expect(span('invoke_agent').attributes['final_result']).toBe('hi');
  });
});
