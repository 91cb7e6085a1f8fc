import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel } from '../testing/index.js';
import { Agent, InstrumentationSettings, tool } from './index.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});
afterAll(() => {
  context.disable();
});
beforeEach(() => exporter.reset());

const weather = tool({ name: 'get_weather', parameters: z.object({ city: z.string() }), execute: () => 'sunny' });
const model = new FunctionModel(
  (messages) =>
    messages.length === 1
      ? [{ partKind: 'tool-call', toolName: 'get_weather', args: '{"city":"Paris"}', toolCallId: 'call_1' }]
      : [{ partKind: 'text', content: 'It is sunny.' }],
  { modelName: 'scripted' },
);

function byName(spans: ReadableSpan[], name: string): ReadableSpan {
  const s = spans.find((x) => x.name === name);
  if (!s) throw new Error(`no span ${name}; have ${spans.map((x) => x.name).join(', ')}`);
  return s;
}
const parentId = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe('instrumentation', () => {
  it('emits invoke_agent > chat, execute_tool, chat with gen_ai attributes for a tool round trip', async () => {
    const agent = new Agent({ model, tools: [weather], name: 'weather_agent', instrument: new InstrumentationSettings({ tracerProvider: provider }) });
    await agent.run('Weather in Paris?');
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual(['chat scripted', 'chat scripted', 'execute_tool get_weather', 'invoke_agent weather_agent']);
    const root = byName(spans, 'invoke_agent weather_agent');
    expect(parentId(root)).toBeUndefined();
    for (const s of spans.filter((x) => x !== root)) expect(parentId(s)).toBe(root.spanContext().spanId);
    expect(root.attributes).toMatchObject({
      'gen_ai.agent.name': 'weather_agent',
      'gen_ai.operation.name': 'invoke_agent',
      final_result: 'It is sunny.',
    });
    expect(JSON.parse(String(root.attributes['pydantic_ai.all_messages']))).toHaveLength(4);
    const chats = spans.filter((s) => s.name === 'chat scripted');
    expect(chats[0]!.kind).toBe(SpanKind.CLIENT);
    expect(chats[0]!.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'function',
      'gen_ai.request.model': 'scripted',
      'gen_ai.response.model': 'scripted',
    });
    expect(chats[0]!.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(JSON.parse(String(chats[0]!.attributes['gen_ai.input.messages']))).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] }]);
    const t = byName(spans, 'execute_tool get_weather');
    expect(t.attributes).toEqual({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.call.id': 'call_1',
      'gen_ai.tool.call.arguments': '{"city":"Paris"}',
      'gen_ai.tool.call.result': 'sunny',
    });
    expect(root.attributes['gen_ai.aggregated_usage.input_tokens']).toBe(chats.reduce((n, c) => n + Number(c.attributes['gen_ai.usage.input_tokens']), 0));
  });

  it('marks a failing tool and the agent run as errors and records the exception', async () => {
    const boom = tool({ name: 'boom', parameters: z.object({}), execute: () => { throw new Error('kaput'); } });
    const m = new FunctionModel(() => [{ partKind: 'tool-call', toolName: 'boom', args: '{}', toolCallId: 'b1' }], { modelName: 'scripted' });
    const agent = new Agent({ model: m, tools: [boom], instrument: new InstrumentationSettings({ tracerProvider: provider }) });
    await expect(agent.run('x')).rejects.toThrow('kaput');
    const spans = exporter.getFinishedSpans();
    const t = byName(spans, 'execute_tool boom');
    expect(t.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Error: kaput' });
    expect(t.events.map((e) => e.name)).toEqual(['exception']);
    const root = byName(spans, 'invoke_agent agent');
    expect(root.status.code).toBe(SpanStatusCode.ERROR);
    expect(parentId(t)).toBe(root.spanContext().spanId);
  });

  it('leaves content out with includeContent: false', async () => {
    const agent = new Agent({ model, tools: [weather], instrument: new InstrumentationSettings({ tracerProvider: provider, includeContent: false }) });
    await agent.run('secret prompt');
    const spans = exporter.getFinishedSpans();
    const all = JSON.stringify(spans.map((s) => s.attributes));
    expect(all).not.toContain('secret prompt');
    expect(all).not.toContain('sunny');
    expect(byName(spans, 'execute_tool get_weather').attributes['gen_ai.tool.name']).toBe('get_weather');
  });

  it('traces streamed runs too', async () => {
    const streaming = new FunctionModel(undefined, { modelName: 's', stream: async function* () { yield 'hi'; } });
    const agent = new Agent({ model: streaming, instrument: new InstrumentationSettings({ tracerProvider: provider }) });
    const r = await agent.runStream('x');
    expect(await r.getOutput()).toBe('hi');
    const names = exporter.getFinishedSpans().map((s) => s.name).sort();
    expect(names).toEqual(['chat s', 'invoke_agent agent']);
  });
});
