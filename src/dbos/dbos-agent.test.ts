/**
 * DBOSAgent against a real PostgreSQL (embedded, started by this file): durable runs, step
 * records, errors across steps, streaming inside a workflow, overrides and step retries.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, ModelHTTPError, ModelRetry, UserError, tool } from '../runtime/index.js';
import type { AgentEvent, ModelMessage } from '../runtime/index.js';
import { DeltaToolCall, FunctionModel, TestModel } from '../testing/index.js';
import { DBOSAgent } from './dbos-agent.js';
import { launchDBOS } from './launch.js';
import type { LaunchedDBOS } from './launch.js';

// ------------------------------------------------------------------ agents (registered before launch)

const add = tool({ name: 'add', parameters: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
const calls: string[] = [];
let flaky = 0;
const moody = tool({
  name: 'moody',
  parameters: z.object({ n: z.number() }),
  execute: ({ n }) => {
    flaky += 1;
    if (flaky === 1) throw new ModelRetry('try a bigger n');
    return n * 2;
  },
});

function scripted(messages: ModelMessage[]) {
  calls.push(`request ${messages.length}`);
  const last = messages[messages.length - 1]!;
  if (last.kind === 'request' && last.parts.some((p) => p.partKind === 'tool-return' || p.partKind === 'retry-prompt')) {
    const ret = last.parts.find((p) => p.partKind === 'tool-return');
    return { parts: [{ partKind: 'text' as const, content: ret ? `sum is ${JSON.stringify(ret.content)}` : 'retrying' }] };
  }
  return { parts: [{ partKind: 'tool-call' as const, toolName: 'add', args: { a: 2, b: 3 }, toolCallId: 'c1' }] };
}

const plain = new Agent({ name: 'math', model: new FunctionModel(scripted), tools: [add] });
const durable = new DBOSAgent(plain);

const retryAgent = new DBOSAgent(new Agent({ name: 'retrying', model: new TestModel({ callTools: ['moody'] }), tools: [moody] }));

let failures = 0;
const failing = new FunctionModel(() => {
  failures += 1;
  if (failures <= 2) throw new ModelHTTPError({ statusCode: 503, modelName: 'flaky', body: { error: 'busy' } });
  return { parts: [{ partKind: 'text', content: 'finally' }] };
});
const retried = new DBOSAgent(new Agent({ model: failing }), { name: 'retried', modelStepConfig: { retriesAllowed: true, intervalSeconds: 0.01, maxAttempts: 3, backoffRate: 1 } });
const broken = new DBOSAgent(
  new Agent({ model: new FunctionModel(() => Promise.reject(new ModelHTTPError({ statusCode: 400, modelName: 'm', body: { error: 'bad' } }))) }),
  { name: 'broken' },
);

const events: string[] = [];
const slowFirst = tool({
  name: 'slow',
  parameters: z.object({ ms: z.number() }),
  execute: async ({ ms }) => {
    await new Promise((r) => setTimeout(r, ms));
    return `slept ${ms}`;
  },
});
const parallelModel = new FunctionModel(
  (messages) => {
    if (messages.length === 1) {
      return {
        parts: [
          { partKind: 'tool-call', toolName: 'slow', args: { ms: 60 }, toolCallId: 'first' },
          { partKind: 'tool-call', toolName: 'slow', args: { ms: 1 }, toolCallId: 'second' },
        ],
      };
    }
    return { parts: [{ partKind: 'text', content: 'both done' }] };
  },
  {
    stream: async function* (messages) {
      if (messages.length === 1) {
        yield { 0: DeltaToolCall({ name: 'slow', jsonArgs: '{"ms":60}', toolCallId: 'first' }) };
        yield { 1: DeltaToolCall({ name: 'slow', jsonArgs: '{"ms":1}', toolCallId: 'second' }) };
      } else yield 'both done';
    },
  },
);
const ordered = new DBOSAgent(new Agent({ name: 'ordered', model: parallelModel, tools: [slowFirst] }), {
  eventStreamHandler: async (_ctx, stream) => {
    for await (const e of stream) events.push(e.eventKind === 'function_tool_result' ? `result ${e.result.toolCallId}` : e.eventKind);
  },
});
let running = 0;
let maxRunning = 0;
const counted = tool({
  name: 'slow',
  parameters: z.object({ ms: z.number() }),
  execute: async ({ ms }) => {
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    await new Promise((r) => setTimeout(r, ms));
    running -= 1;
    return ms;
  },
});
const sequential = new DBOSAgent(new Agent({ name: 'sequential', model: parallelModel, tools: [counted] }), { parallelExecutionMode: 'sequential' });

const streamer = new DBOSAgent(new Agent({ name: 'streamer', model: new TestModel({ customOutputText: 'streamed words here' }) }));
const streamWorkflow = DBOS.registerWorkflow(
  async (prompt: string) => {
    const s = await streamer.runStream(prompt);
    const deltas: string[] = [];
    for await (const d of s.streamText({ delta: true })) deltas.push(d);
    return { deltas, output: await s.getOutput(), usage: s.usage().requests };
  },
  { name: 'test.streamWorkflow' },
);
const eventsWorkflow = DBOS.registerWorkflow(
  async (prompt: string) => {
    const kinds: string[] = [];
    for await (const e of ordered.runStreamEvents(prompt)) kinds.push(e.eventKind === 'function_tool_result' ? `result ${e.result.toolCallId}` : (e as AgentEvent).eventKind);
    return kinds;
  },
  { name: 'test.eventsWorkflow' },
);

const whoAmI = tool({ name: 'who_am_i', parameters: z.object({}), execute: (_args, ctx) => `user ${String(ctx.deps)}` });
const depsAgent = new DBOSAgent(new Agent<string>({ name: 'deps', model: new TestModel(), tools: [whoAmI] }));
const iterWorkflow = DBOS.registerWorkflow(
  async (prompt: string) => {
    const kinds: string[] = [];
    const run = durable.iter(prompt);
    for await (const node of run) kinds.push(node.nodeKind);
    return { kinds, output: run.result!.output };
  },
  { name: 'test.iterWorkflow' },
);
const twoAgents = DBOS.registerWorkflow(
  async (prompt: string) => {
    const a = await durable.run(prompt);
    const b = await streamer.run(prompt);
    return [a.output, b.output];
  },
  { name: 'test.twoAgents' },
);

// ------------------------------------------------------------------ lifecycle

let dbos: LaunchedDBOS;
beforeAll(async () => {
  dbos = await launchDBOS({ name: 'rehearse-dbos-agent-test' });
}, 120_000);
afterAll(async () => {
  await dbos?.shutdown();
}, 60_000);

async function stepNames(id: string): Promise<string[]> {
  return ((await DBOS.listWorkflowSteps(id)) ?? []).map((s) => s.name);
}

describe('DBOSAgent', () => {
  it('runs as the workflow {name}.run with one step per model request, same result as the plain agent', async () => {
    calls.length = 0;
    const expected = await plain.run('add 2 and 3');
    calls.length = 0;
    const r = await DBOS.withNextWorkflowID('math-1', () => durable.run('add 2 and 3'));
    expect(r.output).toBe(expected.output);
    expect(r.output).toBe('sum is 5');
    expect(r.usage()).toEqual(expected.usage());
    expect(r.newMessages().map((m) => m.kind)).toEqual(['request', 'response', 'request', 'response']);
    expect(calls).toEqual(['request 1', 'request 3']);
    // the run id is the workflow id, so a recovered run stamps its messages the same way
    expect(r.newMessages().map((m) => m.runId)).toEqual(['math-1', 'math-1', 'math-1', 'math-1']);
    const status = await DBOS.getWorkflowStatus('math-1');
    expect(status).toMatchObject({ workflowName: 'math.run', status: 'SUCCESS' });
    expect(await stepNames('math-1')).toEqual(['math__model.request', 'math__model.request']);
  });

  it('running the same workflow id again returns the recorded result without any model request', async () => {
    calls.length = 0;
    const first = await DBOS.withNextWorkflowID('math-2', () => durable.run('again'));
    expect(calls).toHaveLength(2);
    const second = await DBOS.withNextWorkflowID('math-2', () => durable.run('again'));
    expect(calls).toHaveLength(2);
    expect(second.output).toBe(first.output);
    expect(second.allMessages()).toEqual(first.allMessages());
  });

  it('a tool ModelRetry runs in workflow code and becomes a retry prompt', async () => {
    flaky = 0;
    const r = await retryAgent.run('go');
    expect(r.newMessages().some((m) => m.kind === 'request' && m.parts.some((p) => p.partKind === 'retry-prompt'))).toBe(true);
    expect(flaky).toBe(2);
  });

  it('a model error crosses the step as a value and is rethrown with its class and fields', async () => {
    const err = await DBOS.withNextWorkflowID('broken-1', () => broken.run('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelHTTPError);
    expect(err).toMatchObject({ statusCode: 400, modelName: 'm', body: { error: 'bad' } });
    // the recorded error replays as the same class
    const again = await DBOS.withNextWorkflowID('broken-1', () => broken.run('x')).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ModelHTTPError);
  });

  it('step retries from modelStepConfig retry a retryable error', async () => {
    failures = 0;
    const r = await retried.run('x');
    expect(r.output).toBe('finally');
    expect(failures).toBe(3);
    failures = -10;
    const err = await retried.run('x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelHTTPError);
    expect(failures).toBe(-7);
  });

  it('runStream inside a workflow: a request_stream step, replayed as text deltas', async () => {
    const plainStream = await streamer.wrapped.runStream('hello');
    const expected = await plainStream.getOutput();
    const got = await DBOS.withNextWorkflowID('stream-1', () => streamWorkflow('hello'));
    expect(got.output).toBe(expected);
    expect(got.deltas.join('')).toBe(expected);
    expect(got.usage).toBe(1);
    expect(await stepNames('stream-1')).toContain('streamer__model.request_stream');
  });

  it("'parallel_ordered_events': tool results reach the handler and the stream in call order", async () => {
    events.length = 0;
    const r = await ordered.run('go');
    expect(r.output).toBe('both done');
    expect(events.filter((e) => e.startsWith('result'))).toEqual(['result first', 'result second']);
    expect(events).toContain('part_start');
    const kinds = await eventsWorkflow('go');
    expect(kinds.filter((e) => e.startsWith('result'))).toEqual(['result first', 'result second']);
  });

  it("'sequential' runs one tool call at a time", async () => {
    maxRunning = 0;
    const r = await sequential.run('go');
    expect(r.output).toBe('both done');
    expect(maxRunning).toBe(1);
  });

  it('override({ model }) puts a TestModel behind the same durable steps', async () => {
    const r = await durable.override({ model: new TestModel({ customOutputText: 'overridden' }) }, () => DBOS.withNextWorkflowID('math-ov', () => durable.run('x')));
    expect(r.output).toBe('overridden');
    expect((await stepNames('math-ov'))[0]).toBe('math__model.request');
  });

  it('iter inside a workflow: nodes as usual, model requests as steps', async () => {
    const got = await DBOS.withNextWorkflowID('iter-1', () => iterWorkflow('add them'));
    expect(got.output).toBe('sum is 5');
    expect(got.kinds).toEqual(['user-prompt', 'model-request', 'call-tools', 'model-request', 'call-tools', 'end']);
    expect(await stepNames('iter-1')).toEqual(['math__model.request', 'math__model.request']);
  });

  it('two durable agents in one workflow run as child workflows with their own step names', async () => {
    const got = await DBOS.withNextWorkflowID('two-1', () => twoAgents('x'));
    expect(got).toEqual(['sum is 5', 'streamed words here']);
    const steps = (await DBOS.listWorkflowSteps('two-1')) ?? [];
    const children = [...new Set(steps.map((st) => st.childWorkflowID).filter((id): id is string => id !== null))];
    expect(children).toHaveLength(2);
    expect((await Promise.all(children.map((id) => DBOS.getWorkflowStatus(id)))).map((st) => st?.workflowName)).toEqual(['math.run', 'streamer.run']);
  });

  it('deps are workflow inputs; override({ deps }) reaches tools inside the workflow', async () => {
    const r = await depsAgent.run('who', { deps: 'ada' });
    expect(r.output).toBe('{"who_am_i":"user ada"}');
    const o = await depsAgent.override({ deps: 'grace' }, () => depsAgent.run('who', { deps: 'ada' }));
    expect(o.output).toBe('{"who_am_i":"user grace"}');
  });

  it('rejects options a workflow cannot record, a missing name and a duplicate name', async () => {
    await expect(durable.run('x', { signal: new AbortController().signal })).rejects.toThrow(UserError);
    await expect(durable.run('x', { model: new TestModel() })).rejects.toThrow(/'model'/);
    expect(() => new DBOSAgent(new Agent({ model: new TestModel() }))).toThrow(/needs a unique name/);
    expect(() => new DBOSAgent(new Agent({ name: 'math', model: new TestModel() }))).toThrow(/already exists/);
  });
});
