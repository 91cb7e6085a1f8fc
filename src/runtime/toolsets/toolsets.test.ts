/**
 * Toolsets, ported from pydantic-ai's tests/test_toolsets.py (`test_function_toolset`,
 * `test_function_toolset_instructions`, `test_prepared_toolset_*`,
 * `test_comprehensive_toolset_composition`, `test_renamed_toolset_name_collision`,
 * `test_combined_toolset_instructions`, `test_toolset_max_retries_inherits_from_agent`,
 * `test_tool_explicit_retries_overrides_toolset_and_agent`, `test_approval_required_toolset`)
 * and docs/toolsets.md.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel, TestModel } from '../../testing/index.js';
import {
  Agent,
  ApprovalRequiredToolset,
  CombinedToolset,
  DeferredToolRequests,
  DeferredToolResults,
  ExternalToolset,
  FilteredToolset,
  FunctionToolset,
  PrefixedToolset,
  PreparedToolset,
  RenamedToolset,
  UserError,
  WrapperToolset,
  tool,
} from '../index.js';
import type { AbstractToolset, RunContext, ToolCallPart, ToolsetTool } from '../index.js';

function ctxOf<Deps = undefined>(deps?: Deps, maxRetries = 1): RunContext<Deps> {
  return {
    deps: deps as Deps,
    usage: undefined as never,
    messages: [],
    lastAttempt: false,
    prompt: undefined,
    model: new TestModel(),
    modelSettings: undefined,
    retry: 0,
    maxRetries,
    toolName: undefined,
    toolCallId: undefined,
    runStep: 0,
    signal: undefined,
    toolCallApproved: false,
    toolCallMetadata: undefined,
    runId: 'r',
    conversationId: 'c',
    metadata: undefined,
  };
}
const add = tool({ name: 'add', description: 'Add two numbers', parameters: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
const subtract = tool({ name: 'subtract', description: 'Subtract two numbers', parameters: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a - b });
const call = (toolName: string, args: Record<string, unknown>, toolCallId: string): ToolCallPart => ({ partKind: 'tool-call', toolName, args, toolCallId });

async function names(t: AbstractToolset<any>, ctx: RunContext<any> = ctxOf()): Promise<string[]> {
  return [...(await t.getTools(ctx)).keys()];
}
async function callTool(t: AbstractToolset<any>, name: string, args: Record<string, unknown>, ctx: RunContext<any> = ctxOf()): Promise<unknown> {
  const tools = await t.getTools(ctx);
  return t.callTool(name, args, ctx, tools.get(name) as ToolsetTool);
}

describe('tests/test_toolsets.py', () => {
  it('test_function_toolset: tools listed by name, called with validated args, per-tool retries', async () => {
    const ts = new FunctionToolset([add, tool({ ...{ name: 'retry_me', parameters: z.object({}), retries: 5 }, execute: () => 1 })]);
    const tools = await ts.getTools(ctxOf(undefined, 2));
    expect([...tools.keys()]).toEqual(['add', 'retry_me']);
    expect(tools.get('add')!.maxRetries).toBe(2);
    expect(tools.get('retry_me')!.maxRetries).toBe(5);
    expect(tools.get('add')!.toolDef).toMatchObject({ name: 'add', description: 'Add two numbers', kind: 'function' });
    expect(await callTool(ts, 'add', { a: 1, b: 2 })).toBe(3);
    expect(() => ts.addTool(add)).toThrow("Tool name conflicts with existing tool: 'add'");
  });

  it('test_function_toolset_instructions: strings and functions, blank ones left out', async () => {
    const ts = new FunctionToolset([add], { instructions: ['Use add for sums.', '  ', (ctx: RunContext<string>) => `deps=${ctx.deps}`] });
    expect(await ts.getInstructions(ctxOf('x'))).toEqual(['Use add for sums.', 'deps=x']);
    expect(await new FunctionToolset([add]).getInstructions(ctxOf())).toBeUndefined();
  });

  it('test_prepared_toolset_sync_prepare_func / _user_error_none_result / _add_new_tools / _change_tool_names', async () => {
    const base = new FunctionToolset([add, subtract]);
    expect(await names(new PreparedToolset(base, (_c, defs) => defs.slice(0, 1)))).toEqual(['add']);
    await expect(names(new PreparedToolset(base, function prepareReturnsNone() { return undefined as never; }))).rejects.toThrow("Prepare function 'prepareReturnsNone' returned `undefined`");
    const msg = 'Prepare function cannot add or rename tools. Use `FunctionToolset.addTool()` or `RenamedToolset` instead.';
    await expect(names(base.prepared((_c, defs) => [...defs, { name: 'new_tool', parametersJsonSchema: {}, kind: 'function' }]))).rejects.toThrow(msg);
    await expect(names(base.prepared((_c, defs) => defs.map((d) => (d.name === 'add' ? { ...d, name: 'modified_add' } : d))))).rejects.toThrow(msg);
  });

  it('test_comprehensive_toolset_composition: filter, prefix, rename, prepare and combine, then call through all of it', async () => {
    interface Deps { userRole: string; enableAdvanced: boolean }
    const math = new FunctionToolset<Deps>([add, subtract]);
    const str = new FunctionToolset<Deps>([tool({ name: 'concat', parameters: z.object({ a: z.string(), b: z.string() }), execute: ({ a, b }) => a + b })]);
    const filtered = math.filtered((ctx, def) => ctx.deps.enableAdvanced || def.name !== 'subtract');
    const prefixed = filtered.prefixed('math');
    const renamed = new CombinedToolset<Deps>([prefixed, str.prefixed('str')]).renamed({ plus: 'math_add' });
    const prepared = renamed.prepared((ctx, defs) => defs.map((d) => ({ ...d, description: `${d.description ?? ''} (for ${ctx.deps.userRole})` })));
    const admin = ctxOf<Deps>({ userRole: 'admin', enableAdvanced: true });
    const user = ctxOf<Deps>({ userRole: 'user', enableAdvanced: false });
    expect(await names(prepared, admin)).toEqual(['plus', 'math_subtract', 'str_concat']);
    expect(await names(prepared, user)).toEqual(['plus', 'str_concat']);
    expect((await prepared.getTools(admin)).get('plus')!.toolDef.description).toBe('Add two numbers (for admin)');
    expect(await callTool(prepared, 'plus', { a: 2, b: 3 }, admin)).toBe(5);
    expect(await callTool(prepared, 'math_subtract', { a: 2, b: 3 }, admin)).toBe(-1);
    expect(await callTool(prepared, 'str_concat', { a: 'x', b: 'y' }, admin)).toBe('xy');
  });

  it('combined toolsets refuse a name defined twice, naming both toolsets (pydantic-ai message)', async () => {
    const a = new FunctionToolset([add], { id: 'first' });
    const b = new FunctionToolset([add], { id: 'second' });
    await expect(names(new CombinedToolset([a, b]))).rejects.toThrow(
      "FunctionToolset 'second' defines a tool whose name conflicts with existing tool from FunctionToolset 'first': 'add'. Rename the tool or wrap the toolset in a `PrefixedToolset` to avoid name conflicts.",
    );
    await expect(names(new CombinedToolset([a, new PrefixedToolset(b, 'b')]))).resolves.toEqual(['add', 'b_add']);
  });

  it('test_renamed_toolset_name_collision: a rename onto an existing name is caught when combined with the agent tools', async () => {
    const agent = new Agent({ model: new TestModel(), tools: [add], toolsets: [new FunctionToolset([subtract]).renamed({ add: 'subtract' })] });
    await expect(agent.run('x')).rejects.toThrow(/conflicts with existing tool from FunctionToolset: 'add'/);
  });

  it('test_combined_toolset_instructions / test_wrapper_toolsets_delegate_instructions', async () => {
    const a = new FunctionToolset([add], { instructions: 'A' });
    const b = new FunctionToolset([subtract], { instructions: 'B' });
    expect(await new CombinedToolset([a, new WrapperToolset(b), new FunctionToolset()]).getInstructions(ctxOf())).toEqual(['A', 'B']);
    expect(await new CombinedToolset([new FunctionToolset()]).getInstructions(ctxOf())).toBeUndefined();
  });

  it('toolset instructions reach the request after the agent instructions', async () => {
    const model = new TestModel();
    const agent = new Agent({ model, instructions: 'Agent says hi.', toolsets: [new FunctionToolset([add], { instructions: 'Use add for sums.' })] });
    const r = await agent.run('1+1?');
    expect(r.allMessages()[0]).toMatchObject({ instructions: 'Agent says hi.\n\nUse add for sums.' });
  });

  it('test_toolset_max_retries_inherits_from_agent / test_tool_explicit_retries_overrides_toolset_and_agent', async () => {
    const flaky = (name: string, retries?: number) =>
      tool({ name, parameters: z.object({}), ...(retries !== undefined ? { retries } : {}), execute: (_a, ctx) => ({ retry: ctx.retry, maxRetries: ctx.maxRetries }) });
    const ts = new FunctionToolset([flaky('inherit'), flaky('own', 7)], { maxRetries: 4 });
    const tools = await ts.getTools(ctxOf(undefined, 3));
    expect(tools.get('inherit')!.maxRetries).toBe(4);
    expect(tools.get('own')!.maxRetries).toBe(7);
    const agentTools = await new FunctionToolset([flaky('x')]).getTools(ctxOf(undefined, 3));
    expect(agentTools.get('x')!.maxRetries).toBe(3);
    const model = new FunctionModel((m) => (m.length === 1 ? [call('inherit', {}, 'c1')] : [{ partKind: 'text', content: 'done' }]));
    const r = await new Agent({ model, toolsets: [ts], retries: 9 }).run('x');
    expect(r.allMessages()[2]!.parts[0]).toMatchObject({ content: { retry: 0, maxRetries: 4 } });
  });

  it('test_approval_required_toolset: only calls the function says need approval wait for it', async () => {
    const model = new FunctionModel((m) => (m.length === 1 ? [call('add', { a: 1, b: 2 }, 'small'), call('add', { a: 100, b: 2 }, 'big')] : [{ partKind: 'text', content: 'done' }]));
    const ts = new ApprovalRequiredToolset(new FunctionToolset([add]), (_ctx, _def, args) => (args['a'] as number) > 10);
    const agent = new Agent({ model, outputType: [z.string(), DeferredToolRequests], toolsets: [ts] });
    const first = await agent.run('x');
    expect(first.output).toEqual(new DeferredToolRequests({ approvals: [call('add', { a: 100, b: 2 }, 'big')] }));
    expect(first.allMessages()[2]!.parts).toMatchObject([{ toolCallId: 'small', content: 3 }]);
    const second = await agent.run(undefined, { messageHistory: first.allMessages(), deferredToolResults: new DeferredToolResults({ approvals: { big: true } }) });
    expect(second.output).toBe('done');
    expect(second.newMessages()[0]!.parts).toMatchObject([{ toolCallId: 'big', content: 102 }]);
  });

  it('per-tool prepare: a tool can change its definition per step or drop out', async () => {
    const model = new TestModel();
    const hidden = tool({ name: 'hidden', parameters: z.object({}), prepare: (ctx: RunContext<boolean>, def) => (ctx.deps ? { ...def, description: 'now visible' } : undefined), execute: () => 'h' });
    const agent = new Agent<boolean>({ model, tools: [hidden] });
    await agent.run('x', { deps: false });
    expect(model.lastModelRequestParameters!.functionTools).toEqual([]);
    await agent.run('x', { deps: true });
    expect(model.lastModelRequestParameters!.functionTools).toMatchObject([{ name: 'hidden', description: 'now visible' }]);
  });

  it('prefixing is reversible for any valid prefix and name (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), async (prefix, name) => {
        const ts = new FunctionToolset([tool({ name, parameters: z.object({ v: z.number() }), execute: ({ v }) => v * 2 })]).prefixed(prefix);
        expect(await names(ts)).toEqual([`${prefix}_${name}`]);
        expect(await callTool(ts, `${prefix}_${name}`, { v: 21 })).toBe(42);
      }),
    );
  });

  it('external and filtered toolsets in an agent: only allowed tools are offered to the model', async () => {
    const model = new TestModel({ callTools: [] });
    const ext = new ExternalToolset([{ name: 'client_side', parametersJsonSchema: { type: 'object', properties: {} } }]);
    await new Agent({ model, toolsets: [ext, new FilteredToolset(new FunctionToolset([add, subtract]), (_c, d) => d.name === 'add')], outputType: [z.string(), DeferredToolRequests] }).run('x');
    expect(model.lastModelRequestParameters!.functionTools.map((d) => [d.name, d.kind])).toEqual([
      ['client_side', 'external'],
      ['add', 'function'],
    ]);
  });

  it('toolsets per run and in override; override replaces the agent toolsets, run toolsets add', async () => {
    const model = new TestModel({ callTools: [] });
    const agent = new Agent({ model, toolsets: [new FunctionToolset([add])] });
    await agent.run('x', { toolsets: [new FunctionToolset([subtract])] });
    expect(model.lastModelRequestParameters!.functionTools.map((d) => d.name)).toEqual(['add', 'subtract']);
    await agent.override({ toolsets: [new RenamedToolset(new FunctionToolset([subtract]), { minus: 'subtract' })] }, () => agent.run('x'));
    expect(model.lastModelRequestParameters!.functionTools.map((d) => d.name)).toEqual(['minus']);
    await expect(agent.run('x', { toolsets: [new FunctionToolset([add])] })).rejects.toBeInstanceOf(UserError);
  });
});
