/**
 * Agent specs, ported from pydantic-ai's tests/test_capabilities.py (`test_agent_from_spec_instructions`,
 * `_instructions_list`, `_instructions_merged`, `_model_settings`, `_model_settings_merged`,
 * `_metadata`, `_metadata_override`, `test_prefix_tools_from_spec`) and docs/agent-spec.md.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel, TestModel } from '../testing/index.js';
import { AbstractCapability, Agent, FunctionToolset, UserError, tool } from './index.js';
import type { AgentInfo } from '../testing/index.js';

function recorder() {
  const seen: AgentInfo[] = [];
  const model = new FunctionModel((_m, info) => {
    seen.push(info);
    return [{ partKind: 'text', content: 'ok' }];
  });
  return { seen, model };
}

describe('Agent.fromSpec (tests/test_capabilities.py)', () => {
  it('test_agent_from_spec_instructions / _list / _merged: spec instructions first, then the code ones', async () => {
    const { seen, model } = recorder();
    await Agent.fromSpec({ model: 'test', instructions: 'From spec.' }).run('x', { model });
    await Agent.fromSpec({ model: 'test', instructions: ['One.', 'Two.'] }).run('x', { model });
    await Agent.fromSpec({ model: 'test', instructions: 'Spec.' }, { instructions: 'Code.' }).run('x', { model });
    expect(seen.map((i) => i.instructions)).toEqual(['From spec.', 'One.\n\nTwo.', 'Spec.\n\nCode.']);
  });

  it('test_agent_from_spec_model_settings / _merged: snake_case settings, code settings on top', async () => {
    const { seen, model } = recorder();
    await Agent.fromSpec({ model: 'test', model_settings: { max_tokens: 100, temperature: 0.5, timeout: 2 } }, { modelSettings: { temperature: 0.1 } }).run('x', { model });
    expect(seen[0]!.modelSettings).toEqual({ maxTokens: 100, temperature: 0.1, timeoutMs: 2000 });
  });

  it('test_agent_from_spec_metadata / _override', async () => {
    expect((await Agent.fromSpec({ model: 'test', metadata: { env: 'spec', team: 'a' } }).run('x', { model: new TestModel() })).metadata).toEqual({ env: 'spec', team: 'a' });
    expect((await Agent.fromSpec({ model: 'test', metadata: { env: 'spec' } }, { metadata: { env: 'code' } }).run('x', { model: new TestModel() })).metadata).toEqual({ env: 'code' });
  });

  it('test_prefix_tools_from_spec: capabilities by name, with custom capability types', async () => {
    class Maths extends AbstractCapability<any> {
      static fromSpec(): Maths {
        return new Maths();
      }
      override getToolset() {
        return new FunctionToolset([tool({ name: 'add', parameters: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b })]);
      }
    }
    const model = new TestModel({ callTools: [] });
    const agent = Agent.fromSpec(
      { model: 'test', capabilities: [{ PrefixTools: { prefix: 'calc', capability: 'Maths' } }, { SetToolMetadata: { tools: ['calc_add'], owner: 'maths' } }] },
      { capabilityTypes: [Maths] },
    );
    await agent.run('x', { model });
    expect(model.lastModelRequestParameters!.functionTools.map((d) => [d.name, d.metadata])).toEqual([['calc_add', { owner: 'maths' }]]);
  });

  it('template instructions render from deps ({{name}}), as pydantic-ai TemplateStr', async () => {
    const { seen, model } = recorder();
    await Agent.fromSpec<{ user: { name: string } }>({ model: 'test', instructions: 'You are helping {{ user.name }}.' }).run('x', { model, deps: { user: { name: 'Ada' } } });
    expect(seen[0]!.instructions).toBe('You are helping Ada.');
  });

  it('bad specs name the field', () => {
    expect(() => Agent.fromSpec({})).toThrow("Invalid agent spec at 'model': required");
    expect(() => Agent.fromSpec({ model: 'test', retries: -1 })).toThrow("at 'retries'");
    expect(() => Agent.fromSpec({ model: 'test', capabilities: ['Nope'] })).toThrow("at 'capabilities[0]': unknown capability 'Nope'");
    expect(() => Agent.fromSpec({ model: 'test', colour: 'red' })).toThrow(UserError);
    expect(() => Agent.fromSpec({ model: 'test', end_strategy: 'soon' })).toThrow("at 'end_strategy'");
  });

  it('the spec run option applies a spec to one run', async () => {
    const { seen, model } = recorder();
    const agent = new Agent({ instructions: 'Agent.' });
    // the spec's model serves a run that names none; a run's own model wins
    expect((await agent.run('x', { spec: { model: 'test' } })).allMessages()[1]).toMatchObject({ modelName: 'test' });
    await agent.run('x', { model, spec: { model: 'test', instructions: 'Spec for this run.', model_settings: { temperature: 0 } } });
    await agent.run('x', { model });
    expect(seen.map((i) => [i.instructions, i.modelSettings])).toEqual([
      ['Agent.\n\nSpec for this run.', { temperature: 0 }],
      ['Agent.', undefined],
    ]);
  });
});

describe('Agent.fromFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rehearse-spec-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads YAML and JSON specs', async () => {
    await writeFile(join(dir, 'agent.yaml'), 'model: test\nname: researcher\ninstructions: You are a helpful research assistant.\nmodel_settings:\n  max_tokens: 8192\nretries:\n  tools: 3\n');
    const agent = await Agent.fromFile(join(dir, 'agent.yaml'));
    expect(agent.name).toBe('researcher');
    const { seen, model } = recorder();
    await agent.run('x', { model });
    expect(seen[0]).toMatchObject({ instructions: 'You are a helpful research assistant.', modelSettings: { maxTokens: 8192 } });
    await writeFile(join(dir, 'agent.json'), JSON.stringify({ model: 'test', instructions: 'json' }));
    expect((await Agent.fromFile(join(dir, 'agent.json'))).name).toBe('agent');
  });

  it('names the file and line of a YAML error and the field of a bad value', async () => {
    await writeFile(join(dir, 'broken.yaml'), 'model: test\ninstructions: [unclosed\n');
    await expect(Agent.fromFile(join(dir, 'broken.yaml'))).rejects.toThrow(/broken\.yaml:\d+ is not valid YAML/);
    await writeFile(join(dir, 'bad.yaml'), 'model: test\nretries: many\n');
    await expect(Agent.fromFile(join(dir, 'bad.yaml'))).rejects.toThrow(/Invalid agent spec in .*bad\.yaml at 'retries'/);
    await expect(Agent.fromFile(join(dir, 'missing.yaml'))).rejects.toThrow(/Cannot read agent spec .*missing\.yaml/);
  });
});
