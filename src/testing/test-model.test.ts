import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JsonSchema, ModelMessage, ModelRequest, ModelRequestParameters, ModelResponse, ModelResponseStreamEvent, ToolDefinition } from '../runtime/index.js';
import { UserError } from '../runtime/index.js';
import { estimateUsage } from './estimate-usage.js';
import { TestModel } from './test-model.js';

const ts = '2024-01-01T00:00:00.000Z';

function fnTool(name: string, schema: z.ZodType): ToolDefinition {
  return { name, parametersJsonSchema: z.toJSONSchema(schema) as JsonSchema, kind: 'function' };
}
function outTool(name: string, schema: z.ZodType): ToolDefinition {
  return { name, parametersJsonSchema: z.toJSONSchema(schema) as JsonSchema, kind: 'output' };
}
function params(p: Partial<ModelRequestParameters> = {}): ModelRequestParameters {
  return { functionTools: [], outputTools: [], allowTextOutput: true, ...p };
}
function user(content: string): ModelRequest {
  return { kind: 'request', parts: [{ partKind: 'user-prompt', content, timestamp: ts }] };
}

const weatherTool = fnTool('weather_forecast', z.object({ location: z.string(), forecast_date: z.iso.date() }));
const prompt = 'What will the weather be like in London on 2024-11-28?';

describe('TestModel.request', () => {
  it('calls every tool on the first request with generated args (the docs weather example)', async () => {
    const model = new TestModel();
    expect(model.system).toBe('test');
    expect(model.modelName).toBe('test');
    const p = params({ functionTools: [weatherTool] });
    const messages: ModelMessage[] = [{ ...user(prompt), instructions: 'Providing a weather forecast at the locations the user provides.' }];
    const r1 = await model.request(messages, undefined, p);
    expect(model.lastModelRequestParameters).toBe(p);
    expect(r1.parts).toEqual([
      { partKind: 'tool-call', toolName: 'weather_forecast', args: { location: 'a', forecast_date: '2024-01-01' }, toolCallId: 'pyd_ai_tool_call_id__weather_forecast' },
    ]);
    expect(r1.usage).toEqual({ inputTokens: 60, outputTokens: 7 });
    expect(r1.modelName).toBe('test');
    expect(r1.providerName).toBe('test');

    messages.push(r1, {
      kind: 'request',
      parts: [{ partKind: 'tool-return', toolName: 'weather_forecast', content: 'Sunny with a chance of rain', toolCallId: 'pyd_ai_tool_call_id__weather_forecast', timestamp: ts }],
    });
    const r2 = await model.request(messages, undefined, p);
    expect(r2.parts).toEqual([{ partKind: 'text', content: '{"weather_forecast":"Sunny with a chance of rain"}' }]);
    expect(r2.usage).toEqual({ inputTokens: 66, outputTokens: 16 });
  });

  it('calls only the tools in callTools, in that order; unknown names throw UserError naming the tools', async () => {
    const a = fnTool('a', z.object({ x: z.int() }));
    const b = fnTool('b', z.object({ y: z.boolean() }));
    const r = await new TestModel({ callTools: ['b'] }).request([user('hi')], undefined, params({ functionTools: [a, b] }));
    expect(r.parts).toEqual([{ partKind: 'tool-call', toolName: 'b', args: { y: false }, toolCallId: 'pyd_ai_tool_call_id__b' }]);
    const bad = new TestModel({ callTools: ['c'] }).request([user('hi')], undefined, params({ functionTools: [a, b] }));
    await expect(bad).rejects.toThrow(UserError);
    await expect(bad).rejects.toThrow("TestModel was configured to call unknown tool 'c'. Available function tools: 'a', 'b'.");
    const none = await new TestModel({ callTools: [] }).request([user('hi')], undefined, params({ functionTools: [a] }));
    expect(none.parts).toEqual([{ partKind: 'text', content: 'success (no tool calls)' }]);
  });

  it('does not call tools once the history holds a response', async () => {
    const history: ModelMessage[] = [user('earlier'), { kind: 'response', parts: [{ partKind: 'text', content: 'ok' }], usage: { inputTokens: 0, outputTokens: 0 }, timestamp: ts }, user('now')];
    const r = await new TestModel().request(history, undefined, params({ functionTools: [weatherTool] }));
    expect(r.parts).toEqual([{ partKind: 'text', content: 'success (no tool calls)' }]);
    // usage is cumulative over all messages, the earlier response included
    expect(r.usage).toEqual(estimateUsage([...history, r]));
    expect(r.usage).toEqual({ inputTokens: 52, outputTokens: 5 });
  });

  it('retries the tools named by retry prompts in the last request', async () => {
    const a = fnTool('a', z.object({ x: z.int() }));
    const b = fnTool('b', z.object({ y: z.string() }));
    const model = new TestModel();
    const p = params({ functionTools: [a, b] });
    const r1 = await model.request([user('go')], undefined, p);
    const messages: ModelMessage[] = [
      user('go'),
      r1,
      {
        kind: 'request',
        parts: [
          { partKind: 'tool-return', toolName: 'a', content: 1, toolCallId: 'pyd_ai_tool_call_id__a', timestamp: ts },
          { partKind: 'retry-prompt', toolName: 'b', content: 'try again', toolCallId: 'pyd_ai_tool_call_id__b', timestamp: ts },
        ],
      },
    ];
    const r2 = await model.request(messages, undefined, p);
    expect(r2.parts).toHaveLength(1);
    expect(r2.parts[0]).toMatchObject({ partKind: 'tool-call', toolName: 'b', args: { y: 'a' } });
    expect((r2.parts[0] as { toolCallId: string }).toolCallId).toMatch(/^pyd_ai_/);

    // then: JSON of the tool returns of all requests (later ones win)
    messages.push(r2, { kind: 'request', parts: [{ partKind: 'tool-return', toolName: 'b', content: { ok: true }, toolCallId: 'x', timestamp: ts }] });
    const r3 = await model.request(messages, undefined, p);
    expect(r3.parts).toEqual([{ partKind: 'text', content: '{"a":1,"b":{"ok":true}}' }]);
  });

  it('retries output tools with their fixed id; a retry about text gives an empty response (as pydantic-ai)', async () => {
    const out = outTool('final_result', z.object({ n: z.int() }));
    const model = new TestModel();
    const p = params({ outputTools: [out], allowTextOutput: false, outputMode: 'tool' });
    const retry = (toolName?: string): ModelRequest => ({
      kind: 'request',
      parts: [{ partKind: 'retry-prompt', content: 'no', toolCallId: 'c', timestamp: ts, ...(toolName === undefined ? {} : { toolName }) }],
    });
    const resp: ModelResponse = { kind: 'response', parts: [], usage: { inputTokens: 0, outputTokens: 0 }, timestamp: ts };
    const r = await model.request([user('x'), resp, retry('final_result')], undefined, p);
    expect(r.parts).toEqual([{ partKind: 'tool-call', toolName: 'final_result', args: { n: 0 }, toolCallId: 'pyd_ai_tool_call_id__final_result' }]);
    const withArgs = await new TestModel({ customOutputArgs: { n: 42 } }).request([user('x'), resp, retry('final_result')], undefined, p);
    expect(withArgs.parts).toEqual([{ partKind: 'tool-call', toolName: 'final_result', args: { n: 42 }, toolCallId: 'pyd_ai_tool_call_id__final_result' }]);
    const empty = await model.request([user('x'), resp, retry()], undefined, params());
    expect(empty.parts).toEqual([]);
  });

  it('customOutputText is the text; not allowed when output must be a tool call', async () => {
    const r = await new TestModel({ customOutputText: 'Sunny' }).request([user('x')], undefined, params());
    expect(r.parts).toEqual([{ partKind: 'text', content: 'Sunny' }]);
    const out = outTool('final_result', z.object({ n: z.int() }));
    await expect(new TestModel({ customOutputText: 'Sunny' }).request([user('x')], undefined, params({ outputTools: [out], allowTextOutput: false, outputMode: 'tool' }))).rejects.toThrow(
      'Plain response not allowed, but `customOutputText` is set.',
    );
    expect(() => new TestModel({ customOutputText: 'a', customOutputArgs: {} })).toThrow(UserError);
  });

  it('customOutputArgs go through the output tool (wrapped under outerTypedDictKey when present)', async () => {
    const out = outTool('final_result', z.object({ n: z.int() }));
    const r = await new TestModel({ customOutputArgs: { n: 7 } }).request([user('x')], undefined, params({ outputTools: [out], allowTextOutput: false }));
    expect(r.parts).toEqual([{ partKind: 'tool-call', toolName: 'final_result', args: { n: 7 }, toolCallId: 'pyd_ai_tool_call_id__final_result' }]);
    const wrapped = { ...outTool('final_result', z.object({ response: z.array(z.int()) })), outerTypedDictKey: 'response' };
    const r2 = await new TestModel({ customOutputArgs: [1, 2] }).request([user('x')], undefined, params({ outputTools: [wrapped], allowTextOutput: false }));
    expect(r2.parts[0]).toMatchObject({ args: { response: [1, 2] } });
    await expect(new TestModel({ customOutputArgs: { n: 1 } }).request([user('x')], undefined, params())).rejects.toThrow('No output tools provided, but `customOutputArgs` is set.');
  });

  it('calls output tool seed % n with generated args when text is not allowed', async () => {
    const o1 = outTool('first', z.object({ a: z.string() }));
    const o2 = outTool('second', z.object({ b: z.enum(['x', 'y', 'z']) }));
    const p = params({ outputTools: [o1, o2], allowTextOutput: false, outputMode: 'tool' });
    expect((await new TestModel({ seed: 0 }).request([user('x')], undefined, p)).parts).toEqual([
      { partKind: 'tool-call', toolName: 'first', args: { a: 'a' }, toolCallId: 'pyd_ai_tool_call_id__first' },
    ]);
    expect((await new TestModel({ seed: 1 }).request([user('x')], undefined, p)).parts).toEqual([
      { partKind: 'tool-call', toolName: 'second', args: { b: 'y' }, toolCallId: 'pyd_ai_tool_call_id__second' },
    ]);
    // text allowed (e.g. outputType [z.string(), Foo]): the text summary wins, as pydantic-ai
    const mixed = await new TestModel().request([user('x')], undefined, { ...p, allowTextOutput: true });
    expect(mixed.parts).toEqual([{ partKind: 'text', content: 'success (no tool calls)' }]);
  });

  it('native and prompted output: JSON text of data generated for the output object schema', async () => {
    const City = z.object({ city: z.string(), population: z.int().positive(), founded: z.iso.date() });
    for (const outputMode of ['native', 'prompted'] as const) {
      const r = await new TestModel({ seed: 2 }).request([user('x')], undefined, params({ outputMode, outputObject: { jsonSchema: z.toJSONSchema(City) as JsonSchema } }));
      expect(r.parts).toEqual([{ partKind: 'text', content: '{"city":"c","population":3,"founded":"2024-01-03"}' }]);
      expect(City.safeParse(JSON.parse((r.parts[0] as { content: string }).content)).success).toBe(true);
      const custom = await new TestModel({ customOutputArgs: { city: 'Paris' } }).request([user('x')], undefined, params({ outputMode, outputObject: { jsonSchema: z.toJSONSchema(City) as JsonSchema } }));
      expect(custom.parts).toEqual([{ partKind: 'text', content: '{"city":"Paris"}' }]);
    }
  });

  it('instructions are not counted in usage (as pydantic-ai)', async () => {
    const a = await new TestModel().request([user('hi')], undefined, params());
    const b = await new TestModel().request([{ ...user('hi'), instructions: 'many many words of instructions here' }], undefined, params());
    expect(a.usage).toEqual(b.usage);
    expect(a.usage).toEqual({ inputTokens: 51, outputTokens: 4 });
  });
});

async function collect(stream: AsyncIterable<ModelResponseStreamEvent>): Promise<ModelResponseStreamEvent[]> {
  const out: ModelResponseStreamEvent[] = [];
  for await (const e of stream) out.push(e);
  return out;
}

describe('TestModel.requestStream', () => {
  it('streams text word by word after an empty first delta, words keep their trailing space', async () => {
    const s = new TestModel({ customOutputText: 'The sky is blue' }).requestStream([user('hello world')], undefined, params());
    const events = await collect(s);
    expect(events).toEqual([
      { eventKind: 'part_start', index: 0, part: { partKind: 'text', content: '' } },
      { eventKind: 'part_delta', index: 0, delta: { partDeltaKind: 'text', contentDelta: 'The ' } },
      { eventKind: 'part_delta', index: 0, delta: { partDeltaKind: 'text', contentDelta: 'sky ' } },
      { eventKind: 'part_delta', index: 0, delta: { partDeltaKind: 'text', contentDelta: 'is ' } },
      { eventKind: 'part_delta', index: 0, delta: { partDeltaKind: 'text', contentDelta: 'blue' } },
      { eventKind: 'part_end', index: 0, part: { partKind: 'text', content: 'The sky is blue' } },
    ]);
    const r = s.get();
    expect(r.parts).toEqual([{ partKind: 'text', content: 'The sky is blue' }]);
    // usage: estimate over the request messages + each word's tokens
    expect(r.usage).toEqual({ inputTokens: 52, outputTokens: 4 });
    expect(r.modelName).toBe('test');
    expect(r.providerName).toBe('test');
  });

  it('splits a single long word in half', async () => {
    const events = await collect(new TestModel({ customOutputText: 'success' }).requestStream([user('x')], undefined, params()));
    const deltas = events.filter((e) => e.eventKind === 'part_delta').map((e) => (e.delta as { contentDelta: string }).contentDelta);
    expect(deltas).toEqual(['suc', 'cess']);
    const short = await collect(new TestModel({ customOutputText: 'ok' }).requestStream([user('x')], undefined, params()));
    expect(short.filter((e) => e.eventKind === 'part_delta').map((e) => (e.delta as { contentDelta: string }).contentDelta)).toEqual(['ok']);
  });

  it('emits tool calls whole', async () => {
    const a = fnTool('a', z.object({ x: z.int() }));
    const b = fnTool('b', z.object({ y: z.string() }));
    const s = new TestModel().requestStream([user('x')], undefined, params({ functionTools: [a, b] }));
    const events = await collect(s);
    expect(events).toEqual([
      { eventKind: 'part_start', index: 0, part: { partKind: 'tool-call', toolName: 'a', args: { x: 0 }, toolCallId: 'pyd_ai_tool_call_id__a' } },
      { eventKind: 'part_end', index: 0, part: { partKind: 'tool-call', toolName: 'a', args: { x: 0 }, toolCallId: 'pyd_ai_tool_call_id__a' } },
      { eventKind: 'part_start', index: 1, part: { partKind: 'tool-call', toolName: 'b', args: { y: 'a' }, toolCallId: 'pyd_ai_tool_call_id__b' } },
      { eventKind: 'part_end', index: 1, part: { partKind: 'tool-call', toolName: 'b', args: { y: 'a' }, toolCallId: 'pyd_ai_tool_call_id__b' } },
    ]);
    // pydantic-ai adds no output tokens for streamed tool calls
    expect(s.get().usage).toEqual({ inputTokens: 51, outputTokens: 0 });
  });

  it('gives the same parts as request', async () => {
    const model = new TestModel();
    const p = params({ functionTools: [weatherTool] });
    const s = model.requestStream([user(prompt)], undefined, p);
    await collect(s);
    expect(model.lastModelRequestParameters).toBe(p);
    const r = await model.request([user(prompt)], undefined, p);
    expect(s.get().parts).toEqual(r.parts);
  });
});

// ---------------------------------------------------------------- property tests

const fieldArb: fc.Arbitrary<z.ZodType> = fc.letrec<{ f: z.ZodType }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<z.ZodType>(z.string(), z.string().min(2).max(4), z.int().min(-3).max(40), z.number().gt(0).lt(1), z.boolean(), z.enum(['r', 'g', 'b']), z.iso.date(), z.email(), z.uuid()),
    tie('f').map((s) => z.array(s).max(2)),
    tie('f').map((s) => s.optional()),
    fc.tuple(tie('f'), tie('f')).map(([a, b]) => z.union([a, b])),
    fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), tie('f'), { minKeys: 1, maxKeys: 3 }).map((d) => z.object(d)),
  ),
})).f;
const objArb = fc.dictionary(fc.stringMatching(/^[a-z]{1,5}$/), fieldArb, { minKeys: 1, maxKeys: 4 }).map((d) => z.object(d));

describe('property: TestModel args and outputs parse with their zod schema; same seed, same data', () => {
  it('tool args, tool output args and native output', async () => {
    await fc.assert(
      fc.asyncProperty(objArb, objArb, fc.nat(300), async (toolSchema, outSchema, seed) => {
        const model = new TestModel({ seed });
        const p = params({ functionTools: [fnTool('t', toolSchema)], outputTools: [outTool('final_result', outSchema)], allowTextOutput: false, outputMode: 'tool' });
        const r1 = await model.request([user('x')], undefined, p);
        const call = r1.parts[0] as { args: unknown };
        expect(toolSchema.safeParse(call.args).success).toBe(true);
        const again = await new TestModel({ seed }).request([user('x')], undefined, p);
        expect(again.parts).toEqual(r1.parts);
        const r2 = await model.request([user('x'), r1, user('y')], undefined, p);
        expect(outSchema.safeParse((r2.parts[0] as { args: unknown }).args).success).toBe(true);
        const n = await model.request([user('x')], undefined, params({ outputMode: 'native', outputObject: { jsonSchema: z.toJSONSchema(outSchema) as JsonSchema } }));
        expect(outSchema.safeParse(JSON.parse((n.parts[0] as { content: string }).content)).success).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

describe('TestModel clock', () => {
  it('stamps responses with the injected clock, streamed or not', async () => {
    const { Agent } = await import('../runtime/index.js');
    const now = () => new Date('2030-05-06T07:08:09.000Z');
    const agent = new Agent({ model: new TestModel({ now }), now });
    const plain = await agent.run('x');
    const streamed = await agent.runStream('x');
    await streamed.getOutput();
    for (const m of [...plain.allMessages(), ...streamed.allMessages()]) {
      const stamps = m.kind === 'response' ? [m.timestamp] : m.parts.map((p) => (p as { timestamp: string }).timestamp);
      for (const t of stamps) expect(t).toBe('2030-05-06T07:08:09.000Z');
    }
  });
});
