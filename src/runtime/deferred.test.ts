/**
 * Deferred tools and human-in-the-loop approval, ported from pydantic-ai's tests/test_tools.py
 * (`test_tool_raises_call_deferred`, `test_tool_raises_approval_required`,
 * `test_deferred_tool_with_output_type`, `test_deferred_tool_without_output_type`,
 * `test_output_type_deferred_tool_requests_by_itself`, `test_call_deferred_with_metadata`,
 * `test_approval_required_with_user_prompt`, `test_approval_required_toolset`,
 * `test_tool_approved_with_metadata`, `test_unapproved_tool_invalid_args_retry`) and
 * tests/test_agent.py's deferred sections, plus docs/deferred-tools.md.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel, TestModel } from '../testing/index.js';
import {
  Agent,
  ApprovalRequired,
  CallDeferred,
  DeferredToolRequests,
  DeferredToolResults,
  ExternalToolset,
  FunctionToolset,
  HandleDeferredToolCalls,
  ModelRetry,
  ToolApproved,
  ToolDenied,
  UserError,
  tool,
} from './index.js';
import type { ModelMessage, ModelResponsePart, ToolCallPart } from './index.js';

const call = (toolName: string, args: Record<string, unknown>, toolCallId: string): ToolCallPart => ({ partKind: 'tool-call', toolName, args, toolCallId });
const text = (content: string): ModelResponsePart => ({ partKind: 'text', content });
/** Narrows a run output to the pending requests (fails the test otherwise). */
function pending(output: unknown): DeferredToolRequests {
  expect(output).toBeInstanceOf(DeferredToolRequests);
  return output as DeferredToolRequests;
}
const IDS = { runId: expect.any(String), conversationId: expect.any(String) };

describe('tests/test_tools.py deferred tools', () => {
  it('test_tool_raises_call_deferred: the run ends with the call in DeferredToolRequests.calls', async () => {
    const myTool = tool({ name: 'my_tool', parameters: z.object({ x: z.number().int() }), execute: () => { throw new CallDeferred(); } });
    const agent = new Agent({ model: new TestModel(), outputType: [z.string(), DeferredToolRequests], tools: [myTool] });
    const r = await agent.run('Hello');
    expect(r.output).toBeInstanceOf(DeferredToolRequests);
    expect(r.output).toEqual(new DeferredToolRequests({ calls: [call('my_tool', { x: 0 }, expect.any(String) as unknown as string)] }));
  });

  it('test_tool_raises_approval_required: approve with override args and continue from the history', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('my_tool', { x: 1 }, 'my_tool')] : [text('Done!')]));
    const myTool = tool({
      name: 'my_tool',
      parameters: z.object({ x: z.number().int() }),
      execute: ({ x }, ctx) => {
        if (!ctx.toolCallApproved) throw new ApprovalRequired();
        return x * 42;
      },
    });
    const agent = new Agent({ model, outputType: [z.string(), DeferredToolRequests], tools: [myTool] });
    const first = await agent.run('Hello');
    expect(first.output).toEqual(new DeferredToolRequests({ approvals: [call('my_tool', { x: 1 }, 'my_tool')] }));
    const second = await agent.run(undefined, {
      messageHistory: first.allMessages(),
      deferredToolResults: new DeferredToolResults({ approvals: { my_tool: new ToolApproved({ overrideArgs: { x: 2 } }) } }),
    });
    expect(second.output).toBe('Done!');
    const msgs = second.allMessages();
    expect(msgs.map((m) => m.kind)).toEqual(['request', 'response', 'request', 'response']);
    expect(msgs[2]).toEqual({ kind: 'request', ...IDS, parts: [{ partKind: 'tool-return', toolName: 'my_tool', content: 84, toolCallId: 'my_tool', timestamp: expect.any(String) }] });
    // the resumed run is a new run with its own id, in the same conversation
    expect(second.runId).not.toBe(first.runId);
    expect(second.conversationId).toBe(first.conversationId);
    expect(msgs[2]!.runId).toBe(second.runId);
  });

  it('test_deferred_tool_with_output_type: an external tool left uncalled does not stop structured output', async () => {
    const external = new ExternalToolset([{ name: 'my_tool', description: '', parametersJsonSchema: { type: 'object', properties: { x: { type: 'integer' } }, required: ['x'] } }]);
    const agent = new Agent({ model: new TestModel({ callTools: [] }), outputType: [z.object({ foo: z.string() }), DeferredToolRequests], toolsets: [external] });
    expect((await agent.run('Hello')).output).toEqual({ foo: 'a' });
  });

  it('test_deferred_tool_without_output_type: a deferred call without DeferredToolRequests in the output types is a UserError', async () => {
    const external = new ExternalToolset([{ name: 'my_tool', description: '', parametersJsonSchema: { type: 'object', properties: { x: { type: 'integer' } }, required: ['x'] } }]);
    const agent = new Agent({ model: new TestModel(), toolsets: [external] });
    await expect(agent.run('Hello')).rejects.toThrow(/A deferred tool call was present, but `DeferredToolRequests` is not among output types/);
    await expect(agent.run('Hello')).rejects.toBeInstanceOf(UserError);
  });

  it('test_output_type_deferred_tool_requests_by_itself', () => {
    expect(() => new Agent({ outputType: DeferredToolRequests as never })).toThrow('At least one output type must be provided other than `DeferredToolRequests`.');
    expect(() => new Agent({ outputType: [DeferredToolRequests] })).toThrow('At least one output type must be provided other than `DeferredToolRequests`.');
  });

  it('test_call_deferred_with_metadata / test_approval_required_with_metadata: metadata is keyed by tool call id', async () => {
    const model = new FunctionModel((messages) =>
      messages.length === 1 ? [call('ext', { q: 'a' }, 'c1'), call('gate', { q: 'b' }, 'c2')] : [text('ok')],
    );
    const ext = tool({ name: 'ext', parameters: z.object({ q: z.string() }), execute: () => { throw new CallDeferred({ metadata: { task: 't1' } }); } });
    const gate = tool({ name: 'gate', parameters: z.object({ q: z.string() }), execute: () => { throw new ApprovalRequired({ metadata: { reason: 'protected' } }); } });
    const r = await new Agent({ model, outputType: [z.string(), DeferredToolRequests], tools: [ext, gate] }).run('go');
    const out = pending(r.output);
    expect(out.calls.map((c) => c.toolCallId)).toEqual(['c1']);
    expect(out.approvals.map((c) => c.toolCallId)).toEqual(['c2']);
    expect(out.metadata).toEqual({ c1: { task: 't1' }, c2: { reason: 'protected' } });
  });

  it('test_approval_required_with_user_prompt: a new prompt goes after the tool results in the next request', async () => {
    const seen: ModelMessage[][] = [];
    const model = new FunctionModel((messages) => {
      seen.push(messages);
      return messages.length === 1 ? [call('delete_file', { path: 'a' }, 'd1')] : [text('done')];
    });
    const del = tool({ name: 'delete_file', parameters: z.object({ path: z.string() }), requiresApproval: true, execute: ({ path }) => `deleted ${path}` });
    const agent = new Agent({ model, outputType: [z.string(), DeferredToolRequests], tools: [del] });
    const first = await agent.run('Delete a');
    const r = await agent.run('And tell me', { messageHistory: first.allMessages(), deferredToolResults: new DeferredToolResults({ approvals: { d1: new ToolDenied('Deleting files is not allowed') } }) });
    expect(r.output).toBe('done');
    const last = seen[seen.length - 1]!;
    expect(last[last.length - 1]).toMatchObject({
      kind: 'request',
      parts: [
        { partKind: 'tool-return', toolName: 'delete_file', content: 'Deleting files is not allowed', toolCallId: 'd1', outcome: 'denied' },
        { partKind: 'user-prompt', content: 'And tell me' },
      ],
    });
  });

  it('test_tool_approved_with_metadata: DeferredToolResults.metadata reaches ctx.toolCallMetadata', async () => {
    let seen: unknown;
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('t', {}, 'c1')] : [text('ok')]));
    const t = tool({ name: 't', parameters: z.object({}), requiresApproval: true, execute: (_a, ctx) => { seen = ctx.toolCallMetadata; return ctx.toolCallApproved; } });
    const agent = new Agent({ model, outputType: [z.string(), DeferredToolRequests], tools: [t] });
    const first = await agent.run('x');
    const r = await agent.run(undefined, { messageHistory: first.allMessages(), deferredToolResults: new DeferredToolResults({ approvals: { c1: true }, metadata: { c1: { who: 'alice' } } }) });
    expect(seen).toEqual({ who: 'alice' });
    expect(r.allMessages()[2]!.parts[0]).toMatchObject({ partKind: 'tool-return', content: true });
  });

  it('test_unapproved_tool_invalid_args_retry: an approval-needing call with bad args is retried, not deferred', async () => {
    const model = new FunctionModel((messages) =>
      messages.length === 1 ? [call('t', { n: 'x' }, 'c1')] : messages.length === 3 ? [call('t', { n: 1 }, 'c2')] : [text('never')],
    );
    const t = tool({ name: 't', parameters: z.object({ n: z.number() }), requiresApproval: true, execute: () => 'ran' });
    const r = await new Agent({ model, outputType: [z.string(), DeferredToolRequests], tools: [t] }).run('x');
    expect(r.output).toEqual(new DeferredToolRequests({ approvals: [call('t', { n: 1 }, 'c2')] }));
    expect(r.allMessages()[2]!.parts[0]).toMatchObject({ partKind: 'retry-prompt', toolName: 't', toolCallId: 'c1' });
  });

  it('external results: values become tool returns, ModelRetry becomes a retry prompt', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('ext', { q: 'a' }, 'e1'), call('ext', { q: 'b' }, 'e2')] : [text('fine')]));
    const external = new ExternalToolset([{ name: 'ext', parametersJsonSchema: { type: 'object', properties: { q: { type: 'string' } } } }]);
    const agent = new Agent({ model, outputType: [z.string(), DeferredToolRequests], toolsets: [external] });
    const first = await agent.run('x');
    const req = pending(first.output);
    expect(req.calls.map((c) => c.toolCallId)).toEqual(['e1', 'e2']);
    const r = await agent.run(undefined, { messageHistory: first.allMessages(), deferredToolResults: req.buildResults({ calls: { e1: 42, e2: new ModelRetry('try later') } }) });
    expect(r.allMessages()[2]!.parts).toMatchObject([
      { partKind: 'tool-return', toolName: 'ext', content: 42, toolCallId: 'e1' },
      { partKind: 'retry-prompt', toolName: 'ext', content: 'try later', toolCallId: 'e2' },
    ]);
  });

  it('results for calls already answered are refused; results without history are refused', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('a', {}, 'a1'), call('b', {}, 'b1')] : [text('ok')]));
    const a = tool({ name: 'a', parameters: z.object({}), execute: () => 'A' });
    const b = tool({ name: 'b', parameters: z.object({}), requiresApproval: true, execute: () => 'B' });
    const agent = new Agent({ model, outputType: [z.string(), DeferredToolRequests], tools: [a, b] });
    const first = await agent.run('x');
    // the run keeps the executed tool's result in a trailing request
    expect(first.allMessages()[2]!.parts).toMatchObject([{ partKind: 'tool-return', toolName: 'a', content: 'A' }]);
    await expect(agent.run(undefined, { messageHistory: first.allMessages(), deferredToolResults: new DeferredToolResults({ calls: { a1: 'again' } }) })).rejects.toThrow(
      "Tool call 'a1' was already executed and its result cannot be overridden.",
    );
    await expect(agent.run(undefined, { deferredToolResults: new DeferredToolResults() })).rejects.toThrow('Tool call results were provided, but the message history is empty.');
    const r = await agent.run(undefined, { messageHistory: first.allMessages(), deferredToolResults: new DeferredToolResults({ approvals: { b1: true } }) });
    expect(r.output).toBe('ok');
    expect(r.newMessages()[0]!.parts).toMatchObject([{ partKind: 'tool-return', toolName: 'b', content: 'B' }]);
  });
});

describe('DeferredToolRequests.buildResults (pydantic-ai _deferred.py)', () => {
  const reqs = new DeferredToolRequests({ calls: [call('e', {}, 'e1')], approvals: [call('a', {}, 'a1'), call('a', {}, 'a2')] });
  it('approveAll approves every approval not listed; unknown ids are refused', () => {
    const r = reqs.buildResults({ approvals: { a1: new ToolDenied() }, approveAll: true, calls: { e1: 1 } });
    expect(r.approvals['a1']).toBeInstanceOf(ToolDenied);
    expect(r.approvals['a2']).toBeInstanceOf(ToolApproved);
    expect(() => reqs.buildResults({ approvals: { e1: true } })).toThrow(/not in this DeferredToolRequests.approvals: \["e1"\]/);
    expect(() => reqs.buildResults({ calls: { a1: 1 } })).toThrow(/not in this DeferredToolRequests.calls: \["a1"\]/);
  });
  it('remaining() leaves exactly the unanswered ids (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { maxLength: 8 }), fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), (ids, answer) => {
        const r = new DeferredToolRequests({ approvals: ids.map((id) => call('t', {}, id)) });
        const answered = ids.filter((_, i) => answer[i]);
        const rest = r.remaining(new DeferredToolResults({ approvals: Object.fromEntries(answered.map((id) => [id, true])) }));
        const left = ids.filter((id) => !answered.includes(id));
        if (left.length === 0) expect(rest).toBeUndefined();
        else expect(rest!.approvals.map((c) => c.toolCallId)).toEqual(left);
      }),
    );
  });
});

describe('HandleDeferredToolCalls (docs/deferred-tools.md "Resolving deferred calls with a handler")', () => {
  it('approves, denies and answers calls inline so the run continues in one call', async () => {
    const model = new FunctionModel((messages) =>
      messages.length === 1 ? [call('delete_file', { path: 'x' }, 'd1'), call('update_file', { path: '.env', content: '' }, 'u1'), call('send_to_worker', { task: 't' }, 'w1')] : [text('all handled')],
    );
    const tools = new FunctionToolset([
      tool({ name: 'delete_file', parameters: z.object({ path: z.string() }), requiresApproval: true, execute: ({ path }) => `File '${path}' deleted` }),
      tool({
        name: 'update_file',
        parameters: z.object({ path: z.string(), content: z.string() }),
        execute: ({ path }, ctx) => {
          if (path === '.env' && !ctx.toolCallApproved) throw new ApprovalRequired();
          return `File '${path}' updated`;
        },
      }),
      tool({ name: 'send_to_worker', parameters: z.object({ task: z.string() }), execute: () => { throw new CallDeferred(); } }),
    ]);
    const handler = new HandleDeferredToolCalls(async (_ctx, requests) => {
      const approvals: Record<string, boolean | ToolDenied> = {};
      for (const c of requests.approvals) approvals[c.toolCallId] = c.toolName === 'delete_file' ? new ToolDenied('Deleting files is not allowed') : true;
      const calls = Object.fromEntries(requests.calls.map((c) => [c.toolCallId, `(external result for ${c.toolName})`]));
      return requests.buildResults({ approvals, calls });
    });
    const r = await new Agent({ model, toolsets: [tools], capabilities: [handler] }).run('go');
    expect(r.output).toBe('all handled');
    const parts = r.allMessages()[2]!.parts;
    expect(parts).toHaveLength(3);
    expect(parts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ toolCallId: 'd1', content: 'Deleting files is not allowed', outcome: 'denied' }),
        expect.objectContaining({ toolCallId: 'u1', content: "File '.env' updated" }),
        expect.objectContaining({ toolCallId: 'w1', content: '(external result for send_to_worker)' }),
      ]),
    );
  });

  it('calls the handler leaves unresolved bubble up as DeferredToolRequests', async () => {
    const model = new FunctionModel(() => [call('a', {}, 'a1'), call('b', {}, 'b1')]);
    const a = tool({ name: 'a', parameters: z.object({}), requiresApproval: true, execute: () => 'A' });
    const b = tool({ name: 'b', parameters: z.object({}), requiresApproval: true, execute: () => 'B' });
    const handler = new HandleDeferredToolCalls((_ctx, requests) => requests.buildResults({ approvals: { a1: true } }));
    const r = await new Agent({ model, outputType: [z.string(), DeferredToolRequests], tools: [a, b], capabilities: [handler] }).run('go');
    expect(r.output).toEqual(new DeferredToolRequests({ approvals: [call('b', {}, 'b1')] }));
    expect(r.allMessages()[2]!.parts).toMatchObject([{ toolCallId: 'a1', content: 'A' }]);
  });
});
