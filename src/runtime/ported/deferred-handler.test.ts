/**
 * Ported from pydantic-ai's tests/test_capabilities.py, region "HandleDeferredToolCalls"
 * (`test_deferred_tool_handler_*`), with the capability built in its keyword form
 * (`new HandleDeferredToolCalls({ handler })`), as a translation of `HandleDeferredToolCalls(handler=...)`.
 */
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  Agent,
  ApprovalRequired,
  DeferredToolRequests,
  DeferredToolResults,
  HandleDeferredToolCalls,
  PrefixTools,
  PrepareTools,
  ProcessHistory,
  ToolDenied,
  ToolsetCapability,
  ToolReturn,
  CallDeferred,
  ToolApproved,
  ModelRetry,
  FunctionToolset,
  UserError,
  tool,
  type ModelMessage,
  type ToolReturnPart,
} from '../index.js';
import { FunctionModel, TestModel } from '../../testing/index.js';
import { call, text } from './helpers.js';

/** A tool that asks for approval until it is approved, then returns `result(args)`. */
const gated = <A extends z.ZodRawShape>(name: string, shape: A, result: (args: z.infer<z.ZodObject<A>>) => unknown) =>
  tool({
    name,
    parameters: z.object(shape),
    execute: (args, ctx) => {
      if (!ctx.toolCallApproved) throw new ApprovalRequired();
      return result(args as z.infer<z.ZodObject<A>>);
    },
  });

const toolReturns = (messages: readonly ModelMessage[]) =>
  messages.flatMap((m) => (m.kind === 'request' ? m.parts.filter((p): p is ToolReturnPart => p.partKind === 'tool-return') : []));

describe('HandleDeferredToolCalls (tests/test_capabilities.py)', () => {
  it('test_deferred_tool_handler_approve: approves inline and the run continues', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('my_tool', { x: 5 }, 'call1')] : [text('Done!')]));
    const agent = new Agent({
      model,
      tools: [gated('my_tool', { x: z.number().int() }, ({ x }) => x * 10)],
      capabilities: [new HandleDeferredToolCalls({ handler: async (_ctx, requests) => new DeferredToolResults({ approvals: Object.fromEntries(requests.approvals.map((c) => [c.toolCallId, true])) }) })],
    });
    const result = await agent.run('Hello');
    expect(result.output).toBe('Done!');
    expect(toolReturns(result.allMessages())).toMatchObject([{ toolName: 'my_tool', toolCallId: 'call1', content: 50 }]);
  });

  it("test_deferred_tool_handler_deny: a denial is a tool return with outcome 'denied'", async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('my_tool', { x: 5 }, 'call1')] : [text('Understood, denied.')]));
    const agent = new Agent({
      model,
      tools: [gated('my_tool', { x: z.number().int() }, ({ x }) => x * 10)],
      capabilities: [
        new HandleDeferredToolCalls({
          handler: async (_ctx, requests) => new DeferredToolResults({ approvals: Object.fromEntries(requests.approvals.map((c) => [c.toolCallId, new ToolDenied('Not allowed.')])) }),
        }),
      ],
    });
    const result = await agent.run('Hello');
    expect(result.output).toBe('Understood, denied.');
    const returns = toolReturns(result.allMessages());
    expect(returns).toHaveLength(1);
    expect(returns[0]).toMatchObject({ toolCallId: 'call1', outcome: 'denied', content: 'Not allowed.' });
  });

  it('test_deferred_tool_handler_no_output_type_needed: resolving every call needs no DeferredToolRequests output', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('my_tool', { x: 3 }, 'call1')] : [text('Result received.')]));
    const agent = new Agent({
      model,
      outputType: z.string(),
      tools: [gated('my_tool', { x: z.number().int() }, ({ x }) => x * 100)],
      capabilities: [new HandleDeferredToolCalls({ handler: (_ctx, requests) => requests.buildResults({ approveAll: true }) })],
    });
    expect((await agent.run('Hello')).output).toBe('Result received.');
  });

  it('test_deferred_tool_handler_none_fallback: without a handler, deferred calls end the run as DeferredToolRequests', async () => {
    const agent = new Agent({
      model: new TestModel(),
      outputType: [z.string(), DeferredToolRequests],
      tools: [tool({ name: 'my_tool', parameters: z.object({ x: z.number().int() }), execute: () => { throw new ApprovalRequired(); } })],
    });
    const result = await agent.run('Hello');
    expect(result.output).toBeInstanceOf(DeferredToolRequests);
    expect((result.output as DeferredToolRequests).approvals).toHaveLength(1);
  });

  it('test_deferred_tool_handler_partial_resolution: the calls left unresolved bubble up', async () => {
    const model = new FunctionModel(() => [call('tool_a', {}, 'a1'), call('tool_b', {}, 'b1')]);
    const agent = new Agent({
      model,
      outputType: [z.string(), DeferredToolRequests],
      tools: [gated('tool_a', {}, () => 'a done'), gated('tool_b', {}, () => 'b done')],
      capabilities: [
        new HandleDeferredToolCalls({
          handler: async (_ctx, requests) => {
            const results = new DeferredToolResults();
            for (const c of requests.approvals) if (c.toolName === 'tool_a') results.approvals[c.toolCallId] = true;
            return results;
          },
        }),
      ],
    });
    const result = await agent.run('Hello');
    expect(result.output).toBeInstanceOf(DeferredToolRequests);
    const out = result.output as DeferredToolRequests;
    expect(out.approvals.map((c) => c.toolName)).toEqual(['tool_b']);
  });

  it('test_deferred_tool_handler_sync_handler: a synchronous handler works', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('my_tool', {}, 'call1')] : [text('OK')]));
    const agent = new Agent({
      model,
      tools: [gated('my_tool', {}, () => 'done')],
      capabilities: [new HandleDeferredToolCalls({ handler: (_ctx, requests) => new DeferredToolResults({ approvals: Object.fromEntries(requests.approvals.map((c) => [c.toolCallId, true])) }) })],
    });
    expect((await agent.run('Hello')).output).toBe('OK');
  });

  it('test_deferred_tool_handler_accumulation: two handlers each resolve different calls', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('tool_a', {}, 'a1'), call('tool_b', {}, 'b1')] : [text('Both done.')]));
    const seenByB: string[] = [];
    const agent = new Agent({
      model,
      tools: [gated('tool_a', {}, () => 'a result'), gated('tool_b', {}, () => 'b result')],
      capabilities: [
        new HandleDeferredToolCalls({
          handler: (_ctx, requests) => {
            const results = new DeferredToolResults();
            for (const c of requests.approvals) if (c.toolName === 'tool_a') results.approvals[c.toolCallId] = true;
            return results;
          },
        }),
        new HandleDeferredToolCalls({
          handler: (_ctx, requests) => {
            seenByB.push(...requests.approvals.map((c) => c.toolName));
            return new DeferredToolResults({ approvals: Object.fromEntries(requests.approvals.map((c) => [c.toolCallId, true])) });
          },
        }),
      ],
    });
    const result = await agent.run('Hello');
    expect(result.output).toBe('Both done.');
    expect(toolReturns(result.allMessages()).map((p) => p.content).sort()).toEqual(['a result', 'b result']);
    // one of the two handlers answered tool_a; tool_b was answered by the second
    expect(seenByB).toContain('tool_b');
  });

  it('test_deferred_tool_handler_unresolved_no_output_type_error: unresolved calls without DeferredToolRequests are a UserError', async () => {
    const model = new FunctionModel(() => [call('my_tool', {}, 'call1')]);
    const agent = new Agent({
      model,
      outputType: z.string(),
      tools: [gated('my_tool', {}, () => 'done')],
      capabilities: [new HandleDeferredToolCalls({ handler: async () => new DeferredToolResults() })],
    });
    const err = await agent.run('Hello').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/DeferredToolRequests/);
  });

  it('test_deferred_tool_handler_wrapper_capability: the handler works through prefixTools (a wrapping capability)', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('my_tool', {}, 'call1')] : [text('Done.')]));
    const inner = new HandleDeferredToolCalls({ handler: (_ctx, requests) => new DeferredToolResults({ approvals: Object.fromEntries(requests.approvals.map((c) => [c.toolCallId, true])) }) });
    const wrapped = inner.prefixTools('ns');
    expect(wrapped).toBeInstanceOf(PrefixTools);
    const agent = new Agent({ model, tools: [gated('my_tool', {}, () => 'done')], capabilities: [wrapped] });
    expect((await agent.run('Hello')).output).toBe('Done.');
  });

  it('a handler returning null or undefined declines, so the calls bubble up', async () => {
    const model = new FunctionModel(() => [call('my_tool', {}, 'call1')]);
    for (const declined of [null, undefined]) {
      const agent = new Agent({
        model,
        outputType: [z.string(), DeferredToolRequests],
        tools: [gated('my_tool', {}, () => 'done')],
        capabilities: [new HandleDeferredToolCalls({ handler: () => declined })],
      });
      expect((await agent.run('Hello')).output).toBeInstanceOf(DeferredToolRequests);
    }
  });
});

describe("capabilities' keyword forms (pydantic-ai's dataclass fields)", () => {
  it('ProcessHistory({ processor }), PrepareTools({ prepareFunc }), ToolsetCapability({ toolset }), PrefixTools({ wrapped, prefix })', async () => {
    const sent: number[] = [];
    const model = new FunctionModel((messages, info) => {
      sent.push(messages.length);
      return messages.length === 1 ? [call(info.functionTools.map((t) => t.name).join('+'), {}, 'c1')] : [text(info.functionTools.map((t) => t.name).join(','))];
    });
    const toolset = new FunctionToolset([tool({ name: 'kept', parameters: z.object({}), execute: () => 'k' }), tool({ name: 'dropped', parameters: z.object({}), execute: () => 'd' })]);
    const agent = new Agent({
      model,
      capabilities: [
        new ProcessHistory({ processor: (messages: ModelMessage[]) => messages }),
        new PrepareTools({ prepareFunc: (_ctx, defs) => defs.filter((d) => !d.name.endsWith('dropped')) }),
        new PrefixTools({ wrapped: new ToolsetCapability({ toolset }), prefix: 'ns' }),
      ],
    });
    const result = await agent.run('go');
    expect(result.output).toBe('ns_kept');
    expect(toolReturns(result.allMessages())).toMatchObject([{ toolName: 'ns_kept', content: 'k' }]);
    expect(() => new PrefixTools({ wrapped: new ToolsetCapability(toolset) } as never)).toThrow(/needs a prefix/);
  });
});

describe('ToolReturn (tests/test_tools.py, tests/test_capabilities.py)', () => {
  const userPrompts = (messages: readonly ModelMessage[]) =>
    messages.flatMap((m) => (m.kind === 'request' ? m.parts.filter((p) => p.partKind === 'user-prompt').map((p) => p.content) : []));

  it('test_deferred_tool_handler_approved_tool_returns_tool_return: metadata stays on the part, content follows as a user prompt', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('my_tool', {}, 'call1')] : [text('Done.')]));
    const agent = new Agent({
      model,
      tools: [gated('my_tool', {}, () => new ToolReturn({ returnValue: 'result', metadata: { source: 'tool' }, content: 'user prompt extra' }))],
      capabilities: [new HandleDeferredToolCalls({ handler: (_ctx, r) => r.buildResults({ approveAll: true }) })],
    });
    const result = await agent.run('Hello');
    expect(result.output).toBe('Done.');
    const returns = toolReturns(result.allMessages()).filter((p) => p.toolName === 'my_tool');
    expect(returns).toHaveLength(1);
    expect(returns[0]).toMatchObject({ content: 'result', metadata: { source: 'tool' } });
    expect(userPrompts(result.allMessages()).filter((c) => c === 'user prompt extra')).toHaveLength(1);
  });

  it('test_deferred_tool_handler_external_call: an external result given as a ToolReturn keeps its metadata', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('my_tool', { x: 3 }, 'call1')] : [text('Got it.')]));
    const agent = new Agent({
      model,
      tools: [tool({ name: 'my_tool', parameters: z.object({ x: z.number().int() }), execute: () => { throw new CallDeferred(); } })],
      capabilities: [
        new HandleDeferredToolCalls({
          handler: (_ctx, requests) => new DeferredToolResults({ calls: Object.fromEntries(requests.calls.map((c) => [c.toolCallId, new ToolReturn({ returnValue: 'external result', metadata: { source: 'ext' } })])) }),
        }),
      ],
    });
    const result = await agent.run('Hello');
    expect(result.output).toBe('Got it.');
    expect(toolReturns(result.allMessages())).toMatchObject([{ toolCallId: 'call1', content: 'external result', metadata: { source: 'ext' } }]);
  });

  it('tool returns come first, then the user content of each ToolReturn in call order; only the return value reaches the model', async () => {
    let secondRequest: ModelMessage[] = [];
    const model = new FunctionModel((messages) => {
      if (messages.length === 1) return [call('get_price', { fruit: 'apple' }, 'p_apple'), call('get_price', { fruit: 'pear' }, 'p_pear')];
      secondRequest = messages;
      return [text('Done!')];
    });
    const getPrice = tool({
      name: 'get_price',
      parameters: z.object({ fruit: z.string() }),
      execute: ({ fruit }) => new ToolReturn(10.0, { content: `The price of ${fruit} is 10.0.`, metadata: { fruit, price: 10.0 } }),
    });
    const result = await new Agent({ model, tools: [getPrice] }).run('prices?');
    const last = secondRequest.at(-1)!;
    expect(last.kind).toBe('request');
    expect(last.parts.map((p) => p.partKind)).toEqual(['tool-return', 'tool-return', 'user-prompt', 'user-prompt']);
    expect(last.parts.map((p) => (p as { content: unknown }).content)).toEqual([10, 10, 'The price of apple is 10.0.', 'The price of pear is 10.0.']);
    expect(toolReturns(result.allMessages()).map((p) => p.metadata)).toEqual([{ fruit: 'apple', price: 10 }, { fruit: 'pear', price: 10 }]);
  });

  it('a list holding ToolReturns is refused (return it directly)', async () => {
    const model = new FunctionModel(() => [call('t', {}, 'c1')]);
    const t = tool({ name: 't', parameters: z.object({}), execute: () => [new ToolReturn({ returnValue: 1 })] });
    await expect(new Agent({ model, tools: [t] }).run('x')).rejects.toThrow("The return value of tool 't' contains invalid nested `ToolReturn` objects");
  });
});

describe('HandleDeferredToolCalls, more cases (tests/test_capabilities.py)', () => {
  const approveEach = (value: (id: string) => unknown) => (_ctx: unknown, requests: DeferredToolRequests) =>
    new DeferredToolResults({ approvals: Object.fromEntries(requests.approvals.map((c) => [c.toolCallId, value(c.toolCallId)])) as never });

  it('test_deferred_tool_handler_external_call_plain_value', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('my_tool', {}, 'call1')] : [text('Got it.')]));
    const agent = new Agent({
      model,
      tools: [tool({ name: 'my_tool', parameters: z.object({}), execute: () => { throw new CallDeferred(); } })],
      capabilities: [new HandleDeferredToolCalls({ handler: (_ctx, r) => new DeferredToolResults({ calls: Object.fromEntries(r.calls.map((c) => [c.toolCallId, 'plain string result'])) }) })],
    });
    const result = await agent.run('Hello');
    expect(result.output).toBe('Got it.');
    expect(toolReturns(result.allMessages())).toMatchObject([{ content: 'plain string result' }]);
  });

  it('test_deferred_tool_handler_re_deferred_with_metadata: a tool deferring again after approval stays unresolved, with its metadata', async () => {
    let count = 0;
    const model = new FunctionModel(() => [call('my_tool', {}, 'call1')]);
    const agent = new Agent({
      model,
      outputType: [z.string(), DeferredToolRequests],
      tools: [tool({ name: 'my_tool', parameters: z.object({}), execute: () => { count += 1; throw new ApprovalRequired({ metadata: { attempt: count } }); } })],
      capabilities: [new HandleDeferredToolCalls({ handler: approveEach(() => true) })],
    });
    const result = await agent.run('Hello');
    expect(result.output).toBeInstanceOf(DeferredToolRequests);
    const out = result.output as DeferredToolRequests;
    expect(out.approvals).toHaveLength(1);
    expect(out.metadata['call1']).toEqual({ attempt: 2 });
  });

  it('test_deferred_tool_handler_batch_deny_via_bool_and_default: false and a bare ToolDenied both deny with the default message', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('needs_approval', { x: 1 }, 'bool_false'), call('needs_approval', { x: 2 }, 'default_denied')] : [text('ok')]));
    const agent = new Agent({
      model,
      tools: [gated('needs_approval', { x: z.number().int() }, ({ x }) => x)],
      capabilities: [new HandleDeferredToolCalls({ handler: () => new DeferredToolResults({ approvals: { bool_false: false, default_denied: new ToolDenied() } }) })],
    });
    const result = await agent.run('go');
    expect(result.output).toBe('ok');
    const byId = Object.fromEntries(toolReturns(result.allMessages()).map((p) => [p.toolCallId, p]));
    expect(byId['bool_false']).toMatchObject({ outcome: 'denied', content: new ToolDenied().message });
    expect(byId['default_denied']).toMatchObject({ outcome: 'denied', content: new ToolDenied().message });
    expect(new ToolDenied({ message: 'No.' }).message).toBe('No.');
    expect(new ToolDenied({}).message).toBe('The tool call was denied.');
  });

  it('test_deferred_tool_handler_batch_approve_via_tool_approved_default', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('needs_approval', { x: 7 }, 'c1')] : [text('done')]));
    const agent = new Agent({
      model,
      tools: [gated('needs_approval', { x: z.number().int() }, ({ x }) => x * 2)],
      capabilities: [new HandleDeferredToolCalls({ handler: approveEach(() => new ToolApproved()) })],
    });
    const result = await agent.run('go');
    expect(result.output).toBe('done');
    const returns = toolReturns(result.allMessages());
    expect(returns).toHaveLength(1);
    expect(returns[0]!.outcome).not.toBe('denied');
    expect(returns[0]!.content).toBe(14);
  });

  it('test_deferred_tool_handler_batch_external_tool_return_metadata', async () => {
    const model = new FunctionModel((messages) => (messages.length === 1 ? [call('external_tool', {}, 'c1')] : [text('done')]));
    const agent = new Agent({
      model,
      tools: [tool({ name: 'external_tool', parameters: z.object({}), execute: () => { throw new CallDeferred(); } })],
      capabilities: [
        new HandleDeferredToolCalls({
          handler: (_ctx, r) => new DeferredToolResults({ calls: Object.fromEntries(r.calls.map((c) => [c.toolCallId, new ToolReturn({ returnValue: 'computed', metadata: { source: 'external' }, content: 'user extra' })])) }),
        }),
      ],
    });
    const result = await agent.run('go');
    expect(result.output).toBe('done');
    const messages = result.allMessages();
    expect(toolReturns(messages)).toMatchObject([{ content: 'computed', metadata: { source: 'external' } }]);
    const extras = messages.flatMap((m) => (m.kind === 'request' ? m.parts.filter((p) => p.partKind === 'user-prompt' && p.content === 'user extra') : []));
    expect(extras).toHaveLength(1);
  });

  it('test_deferred_tool_handler_batch_external_retry_prompt_part: a RetryPromptPart external result is a retry, names taken from the call', async () => {
    let calls = 0;
    const model = new FunctionModel(() => (++calls === 1 ? [call('external_tool', {}, 'c1')] : [text('retried')]));
    const agent = new Agent({
      model,
      tools: [tool({ name: 'external_tool', parameters: z.object({}), execute: () => { throw new CallDeferred(); } })],
      capabilities: [
        new HandleDeferredToolCalls({
          handler: (_ctx, r) =>
            new DeferredToolResults({ calls: Object.fromEntries(r.calls.map((c) => [c.toolCallId, { partKind: 'retry-prompt', content: 'retry via part', toolName: '', toolCallId: '', timestamp: '' }])) }),
        }),
      ],
    });
    const result = await agent.run('go');
    expect(result.output).toBe('retried');
    const retries = result.allMessages().flatMap((m) => (m.kind === 'request' ? m.parts.filter((p) => p.partKind === 'retry-prompt') : []));
    expect(retries).toMatchObject([{ toolCallId: 'c1', toolName: 'external_tool', content: 'retry via part' }]);
  });

  it('test_deferred_tool_handler_batch_external_model_retry: a ModelRetry external result is a retry prompt, not a return', async () => {
    let calls = 0;
    const model = new FunctionModel(() => (++calls === 1 ? [call('external_tool', {}, 'c1')] : [text('retried')]));
    const agent = new Agent({
      model,
      tools: [tool({ name: 'external_tool', parameters: z.object({}), execute: () => { throw new CallDeferred(); } })],
      capabilities: [new HandleDeferredToolCalls({ handler: (_ctx, r) => new DeferredToolResults({ calls: Object.fromEntries(r.calls.map((c) => [c.toolCallId, new ModelRetry('try again')])) }) })],
    });
    const result = await agent.run('go');
    expect(result.output).toBe('retried');
    const messages = result.allMessages();
    const retries = messages.flatMap((m) => (m.kind === 'request' ? m.parts.filter((p) => p.partKind === 'retry-prompt') : []));
    expect(retries).toMatchObject([{ toolCallId: 'c1', content: 'try again' }]);
    expect(toolReturns(messages).filter((p) => p.toolCallId === 'c1')).toEqual([]);
  });
});

describe("tools given as tool()'s options (a translation of pydantic-ai's @agent.tool)", () => {
  it('agent.tool({...}), tools: [{...}] and new FunctionToolset([{...}]) make the tools', async () => {
    const model = new FunctionModel((messages, info) =>
      messages.length === 1 ? info.functionTools.map((t, i) => call(t.name, { x: i }, `c${i}`)) : [text(info.functionTools.map((t) => t.name).sort().join(','))],
    );
    const agent = new Agent({
      model,
      tools: [{ name: 'from_option', parameters: z.object({ x: z.number() }), execute: ({ x }: { x: number }) => x + 1 }],
      toolsets: [new FunctionToolset([{ name: 'from_toolset', parameters: z.object({ x: z.number() }), execute: () => 'ts' }])],
    });
    agent.tool({ name: 'from_method', parameters: z.object({ x: z.number() }), execute: () => 'm' });
    const result = await agent.run('go');
    expect(result.output).toBe('from_method,from_option,from_toolset');
    expect(toolReturns(result.allMessages()).map((p) => [p.toolName, p.content])).toEqual([
      ['from_option', 1],
      ['from_method', 'm'],
      ['from_toolset', 'ts'],
    ]);
    expect(() => agent.tool({ name: 'bad name!', parameters: z.object({}), execute: () => 1 })).toThrow(/is not valid/);
  });
});
