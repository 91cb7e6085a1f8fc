/**
 * Capabilities and hooks, ported from pydantic-ai's tests/test_capabilities.py (hook order,
 * `test_toolset_capability_in_agent`, `test_prefix_tools_prefixes_wrapped_capability_tools`,
 * `test_combined_capability_get_model_settings_merge`), tests/test_history_processor.py
 * (`test_history_processor_run_replaces_message_history`, `test_multiple_history_processors`,
 * `test_history_processor_with_context`, `test_new_messages_index_during_iter_with_pruning`,
 * `test_history_processor_empty_history`), tests/test_capability_process_event_stream.py and
 * docs/hooks.md.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel, TestModel } from '../../testing/index.js';
import {
  AbstractCapability,
  Agent,
  ApprovalRequired,
  DeferredToolRequests,
  FunctionToolset,
  Hooks,
  ModelRetry,
  PrefixTools,
  PrepareTools,
  ProcessEventStream,
  ProcessHistory,
  SetToolMetadata,
  ToolsetCapability,
  UserError,
  tool,
} from '../index.js';
import type { ModelMessage, ModelRequestContext, ModelResponse, RunContext, ToolCallPart } from '../index.js';

const call = (toolName: string, args: Record<string, unknown>, toolCallId: string): ToolCallPart => ({ partKind: 'tool-call', toolName, args, toolCallId });
const add = tool({ name: 'add', parameters: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
const userPrompt = (content: string): ModelMessage => ({ kind: 'request', parts: [{ partKind: 'user-prompt', content, timestamp: '2025-01-01T00:00:00.000Z' }] });
const answer = (content: string): ModelMessage => ({ kind: 'response', parts: [{ partKind: 'text', content }], usage: { inputTokens: 0, outputTokens: 0 }, timestamp: '2025-01-01T00:00:00.000Z' });

/** A capability that logs every hook it sees, in order. */
class Recorder extends AbstractCapability<any> {
  constructor(readonly name: string, readonly log: string[]) {
    super();
  }
  override async beforeRun(): Promise<void> {
    this.log.push(`${this.name}:beforeRun`);
  }
  override async afterRun(_c: RunContext<any>, a: { result: unknown }): Promise<unknown> {
    this.log.push(`${this.name}:afterRun`);
    return a.result;
  }
  override async wrapRun(_c: RunContext<any>, a: { handler: () => Promise<unknown> }): Promise<unknown> {
    this.log.push(`${this.name}:wrapRun>`);
    const r = await a.handler();
    this.log.push(`${this.name}:wrapRun<`);
    return r;
  }
  override async beforeModelRequest(_c: RunContext<any>, rc: ModelRequestContext): Promise<ModelRequestContext> {
    this.log.push(`${this.name}:beforeModelRequest`);
    return rc;
  }
  override async wrapModelRequest(_c: RunContext<any>, a: { requestContext: ModelRequestContext; handler: (rc: ModelRequestContext) => Promise<ModelResponse> }): Promise<ModelResponse> {
    this.log.push(`${this.name}:wrapModelRequest>`);
    const r = await a.handler(a.requestContext);
    this.log.push(`${this.name}:wrapModelRequest<`);
    return r;
  }
  override async afterModelRequest(_c: RunContext<any>, a: { response: ModelResponse }): Promise<ModelResponse> {
    this.log.push(`${this.name}:afterModelRequest`);
    return a.response;
  }
  override async beforeToolExecute(_c: RunContext<any>, a: { call: ToolCallPart; args: Record<string, unknown> }): Promise<Record<string, unknown>> {
    this.log.push(`${this.name}:beforeToolExecute:${a.call.toolName}`);
    return a.args;
  }
  override async afterToolExecute(_c: RunContext<any>, a: { result: unknown }): Promise<unknown> {
    this.log.push(`${this.name}:afterToolExecute`);
    return a.result;
  }
}

describe('capability hooks (tests/test_capabilities.py)', () => {
  it('before hooks run in order, after hooks in reverse, wrap hooks nest with the first outermost', async () => {
    const log: string[] = [];
    const model = new FunctionModel((m) => (m.length === 1 ? [call('add', { a: 1, b: 2 }, 'c1')] : [{ partKind: 'text', content: 'three' }]));
    const r = await new Agent({ model, tools: [add], capabilities: [new Recorder('A', log), new Recorder('B', log)] }).run('1+2');
    expect(r.output).toBe('three');
    expect(log).toEqual([
      'A:wrapRun>', 'B:wrapRun>', 'A:beforeRun', 'B:beforeRun',
      'A:beforeModelRequest', 'B:beforeModelRequest', 'A:wrapModelRequest>', 'B:wrapModelRequest>', 'B:wrapModelRequest<', 'A:wrapModelRequest<', 'B:afterModelRequest', 'A:afterModelRequest',
      'A:beforeToolExecute:add', 'B:beforeToolExecute:add', 'B:afterToolExecute', 'A:afterToolExecute',
      'A:beforeModelRequest', 'B:beforeModelRequest', 'A:wrapModelRequest>', 'B:wrapModelRequest>', 'B:wrapModelRequest<', 'A:wrapModelRequest<', 'B:afterModelRequest', 'A:afterModelRequest',
      'B:wrapRun<', 'A:wrapRun<', 'B:afterRun', 'A:afterRun',
    ]);
  });

  it('hooks change what runs: tool args, tool results, model responses and the run result', async () => {
    const hooks = new Hooks({
      beforeToolExecute: async (_ctx, a) => ({ ...a.args, b: 40 }),
      afterToolExecute: async (_ctx, a) => `result=${String(a.result)}`,
    });
    hooks.on.afterModelRequest(async (_ctx, a) => ({ ...a.response, parts: a.response.parts.map((p) => (p.partKind === 'text' ? { ...p, content: p.content.toUpperCase() } : p)) }));
    const model = new FunctionModel((m) => (m.length === 1 ? [call('add', { a: 2, b: 0 }, 'c1')] : [{ partKind: 'text', content: 'done' }]));
    const r = await new Agent({ model, tools: [add], capabilities: [hooks] }).run('x');
    expect(r.allMessages()[2]!.parts[0]).toMatchObject({ content: 'result=42' });
    expect(r.output).toBe('DONE');
  });

  it('a beforeToolExecute hook can defer a call (ApprovalRequired) before the tool runs', async () => {
    let ran = 0;
    const t = tool({ name: 't', parameters: z.object({}), execute: () => ++ran });
    const hooks = new Hooks({ beforeToolExecute: async (ctx, a) => { if (!ctx.toolCallApproved) throw new ApprovalRequired(); return a.args; } });
    const model = new FunctionModel(() => [call('t', {}, 'c1')]);
    const r = await new Agent({ model, tools: [t], capabilities: [hooks], outputType: [z.string(), DeferredToolRequests] }).run('x');
    expect(r.output).toBeInstanceOf(DeferredToolRequests);
    expect(ran).toBe(0);
  });

  it('onToolExecuteError recovers a failing tool; onModelRequestError recovers a failing model; onRunError recovers the run', async () => {
    const boom = tool({ name: 'boom', parameters: z.object({}), execute: () => { throw new Error('kaput'); } });
    const model = new FunctionModel((m) => (m.length === 1 ? [call('boom', {}, 'c1')] : [{ partKind: 'text', content: 'ok' }]));
    const r = await new Agent({ model, tools: [boom], capabilities: [new Hooks({ onToolExecuteError: async (_c, a) => `recovered: ${(a.error as Error).message}` })] }).run('x');
    expect(r.allMessages()[2]!.parts[0]).toMatchObject({ content: 'recovered: kaput' });

    const failing = new FunctionModel(() => { throw new Error('provider down'); });
    const recovered = await new Agent({
      model: failing,
      capabilities: [new Hooks({ onModelRequestError: async () => ({ kind: 'response', parts: [{ partKind: 'text', content: 'fallback' }], usage: { inputTokens: 0, outputTokens: 0 }, timestamp: new Date().toISOString() }) })],
    }).run('x');
    expect(recovered.output).toBe('fallback');

    const sentinel = { output: 'from onRunError' };
    const viaRun = await new Agent({ model: failing, capabilities: [new Hooks({ onRunError: async () => sentinel })] }).run('x');
    expect(viaRun).toBe(sentinel);
    await expect(new Agent({ model: failing, capabilities: [new Hooks({})] }).run('x')).rejects.toThrow('provider down');
  });

  it('node hooks see every node: user-prompt, model-request, call-tools', async () => {
    const kinds: string[] = [];
    const hooks = new Hooks();
    hooks.on.beforeNodeRun(async (_c, a) => { kinds.push(a.node.nodeKind); return a.node; });
    await new Agent({ model: new TestModel(), tools: [add], capabilities: [hooks] }).run('x');
    expect(kinds).toEqual(['user-prompt', 'model-request', 'call-tools', 'model-request', 'call-tools']);
  });

  it('a capability contributes tools, instructions and model settings (test_toolset_capability_in_agent, test_combined_capability_get_model_settings_merge)', async () => {
    class Maths extends AbstractCapability<any> {
      override getToolset() {
        return new FunctionToolset([add]);
      }
      override getInstructions() {
        return 'You can add.';
      }
      override getModelSettings() {
        return { temperature: 0.1, maxTokens: 5 };
      }
    }
    let seen: unknown;
    const model = new FunctionModel((_m, info) => {
      seen = { tools: info.functionTools.map((t) => t.name), instructions: info.instructions, settings: info.modelSettings };
      return [{ partKind: 'text', content: 'ok' }];
    });
    await new Agent({ model, instructions: 'Be brief.', modelSettings: { temperature: 0.9 }, capabilities: [new Maths()] }).run('x', { modelSettings: { maxTokens: 9 } });
    expect(seen).toEqual({ tools: ['add'], instructions: 'Be brief.\n\nYou can add.', settings: { temperature: 0.1, maxTokens: 9 } });
  });

  it('PrefixTools prefixes only the wrapped capability tools (test_prefix_tools_prefixes_wrapped_capability_tools)', async () => {
    const model = new TestModel({ callTools: [] });
    const cap = new PrefixTools(new ToolsetCapability(new FunctionToolset([add])), 'maths');
    await new Agent({ model, tools: [tool({ name: 'own', parameters: z.object({}), execute: () => 1 })], capabilities: [cap] }).run('x');
    expect(model.lastModelRequestParameters!.functionTools.map((d) => d.name)).toEqual(['own', 'maths_add']);
  });

  it('PrepareTools filters definitions per step and so blocks calls; SetToolMetadata tags definitions', async () => {
    const model = new TestModel();
    const sub = tool({ name: 'sub', parameters: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a - b });
    const r = await new Agent({
      model,
      tools: [add, sub],
      capabilities: [new PrepareTools((_c, defs) => defs.filter((d) => d.name !== 'sub')), new SetToolMetadata({ team: 'maths' }, (d) => d.name === 'add')],
    }).run('x');
    expect(model.lastModelRequestParameters!.functionTools.map((d) => [d.name, d.metadata])).toEqual([['add', { team: 'maths' }]]);
    expect(r.output).toBe('{"add":0}');
  });

  it('ProcessEventStream and eventStreamHandler see each step events; the handler may stop reading early', async () => {
    const seen: string[] = [];
    // a run with an event handler streams its model requests, as pydantic-ai's
    const model = new TestModel({ customOutputText: 'two' });
    const capability = new ProcessEventStream(async function* (_ctx, events) {
      for await (const e of events) {
        seen.push(`cap:${e.eventKind}`);
        yield e;
      }
    });
    const handled: string[] = [];
    const r = await new Agent({ model, tools: [add], capabilities: [capability] }).run('x', {
      eventStreamHandler: async (_ctx, events) => {
        for await (const e of events) {
          handled.push(e.eventKind);
          if (e.eventKind === 'function_tool_call') break;
        }
      },
    });
    expect(r.output).toBe('two');
    expect(handled).toContain('function_tool_call');
    expect(handled).not.toContain('function_tool_result');
    expect(seen).toContain('cap:function_tool_result');
    expect(seen.filter((s) => s === 'cap:final_result')).toHaveLength(1);
  });

  it('capabilities per run and in override; override replaces the agent capabilities', async () => {
    const log: string[] = [];
    const agent = new Agent({ model: new TestModel(), capabilities: [new Recorder('agent', log)] });
    await agent.run('x', { capabilities: [new Recorder('run', log)] });
    expect(log.filter((l) => l.endsWith(':beforeRun'))).toEqual(['agent:beforeRun', 'run:beforeRun']);
    log.length = 0;
    await agent.override({ capabilities: [new Recorder('ov', log)] }, () => agent.run('x'));
    expect(log.filter((l) => l.endsWith(':beforeRun'))).toEqual(['ov:beforeRun']);
  });

  it('a hook throwing ModelRetry from afterToolExecute asks the model to retry that call', async () => {
    const model = new FunctionModel((m) => (m.length === 1 ? [call('add', { a: 1, b: 2 }, 'c1')] : [{ partKind: 'text', content: 'ok' }]));
    const r = await new Agent({ model, tools: [add], capabilities: [new Hooks({ afterToolExecute: async () => { throw new ModelRetry('not good enough'); } })] }).run('x');
    expect(r.allMessages()[2]!.parts[0]).toMatchObject({ partKind: 'retry-prompt', content: 'not good enough', toolName: 'add' });
  });
});

describe('history processors (tests/test_history_processor.py)', () => {
  function capture() {
    const received: ModelMessage[][] = [];
    const model = new FunctionModel((m) => {
      received.push(m);
      return [{ partKind: 'text', content: 'Provider response' }];
    });
    return { received, model };
  }

  it('test_history_processor_run_replaces_message_history: the processed history is sent and kept', async () => {
    const { received, model } = capture();
    const processPreviousAnswers = (messages: ModelMessage[]): ModelMessage[] => [...messages.slice(-1), { kind: 'request', parts: [{ partKind: 'system-prompt', content: 'Processed answer', timestamp: '2025-01-01T00:00:00.000Z' }] }];
    const agent = new Agent({ model, capabilities: [new ProcessHistory(processPreviousAnswers)] });
    const r = await agent.run('Question 3', { messageHistory: [userPrompt('Question 1'), answer('Answer 1'), userPrompt('Question 2'), answer('Answer 2')] });
    expect(received[0]).toHaveLength(1);
    expect(received[0]![0]!.parts.map((p) => p.partKind)).toEqual(['user-prompt', 'system-prompt']);
    expect(r.allMessages().map((m) => m.kind)).toEqual(['request', 'request', 'response']);
    expect(r.allMessages().every((m) => m.runId === r.runId)).toBe(true);
    expect(r.newMessages()).toEqual(r.allMessages());
  });

  it('test_multiple_history_processors / test_history_processor_with_context: in order, with or without the run context', async () => {
    const { received, model } = capture();
    const order: string[] = [];
    const first = (messages: ModelMessage[]) => { order.push('first'); return messages.slice(-1); };
    const second = (ctx: RunContext<string>, messages: ModelMessage[]) => { order.push(`second:${ctx.deps}`); return messages; };
    const agent = new Agent<string>({ model, historyProcessors: [first, second] });
    await agent.run('Question 2', { deps: 'd', messageHistory: [userPrompt('Question 1'), answer('Answer 1')] });
    expect(order).toEqual(['first', 'second:d']);
    expect(received[0]).toHaveLength(1);
  });

  it('test_new_messages_index_during_iter_with_pruning: pruning the first prompt keeps newMessages() whole', async () => {
    let n = 0;
    const model = new FunctionModel(() => (++n === 1 ? [call('my_tool', {}, 'tool_call_1')] : [{ partKind: 'text', content: 'done' }]));
    const keepLast2 = (messages: ModelMessage[]) => (messages.length > 2 ? messages.slice(-2) : messages);
    const agent = new Agent({ model, historyProcessors: [keepLast2], tools: [tool({ name: 'my_tool', parameters: z.object({}), execute: () => 'tool executed' })] });
    const run = agent.iter('start');
    for await (const _ of run) void _;
    const r = run.result!;
    expect(r.allMessages().map((m) => m.kind)).toEqual(['response', 'request', 'response']);
    expect(r.newMessages()).toEqual(r.allMessages());
  });

  it('test_history_processor_empty_history: an empty or response-ending result is a UserError', async () => {
    await expect(new Agent({ model: new TestModel(), historyProcessors: [() => []] }).run('x')).rejects.toThrow('Processed history cannot be empty.');
    await expect(new Agent({ model: new TestModel(), historyProcessors: [() => [answer('a')]] }).run('x')).rejects.toThrow('Processed history must end with a `ModelRequest`.');
    await expect(new Agent({ model: new TestModel(), historyProcessors: [() => []] }).run('x')).rejects.toBeInstanceOf(UserError);
  });

  it('keeping the last k messages always sends at most k messages (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 6 }), async (k, turns) => {
        const { received, model } = capture();
        const history: ModelMessage[] = [];
        for (let i = 0; i < turns; i++) history.push(userPrompt(`q${i}`), answer(`a${i}`));
        const keep = (messages: ModelMessage[]) => (messages.length > k ? messages.slice(-k) : messages);
        await new Agent({ model, historyProcessors: [keep] }).run('now', { messageHistory: history });
        expect(received[0]!.length).toBeLessThanOrEqual(k);
        const last = received[0]![received[0]!.length - 1]!;
        expect(last.parts.at(-1)).toMatchObject({ partKind: 'user-prompt', content: 'now' });
      }),
      { numRuns: 40 },
    );
  });
});
