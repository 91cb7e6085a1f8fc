import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel, captureRunMessages, CapturedRunError } from '../testing/index.js';
import {
  Agent,
  ModelRequestsDisallowed,
  allowModelRequests,
  checkAllowModelRequests,
  interceptedErrorFor,
  registerModelRequestInterception,
  setAllowModelRequests,
  tool,
  withAllowModelRequests,
} from './index.js';

const echoModel = (name: string) => new FunctionModel((_m, info) => [{ partKind: 'text', content: `${name}|${info.instructions ?? ''}` }], { modelName: name });

describe('agent.override', () => {
  it('overrides the model for runs inside the callback, including async work it starts, and restores after', async () => {
    const agent = new Agent({ model: echoModel('base') });
    const inner = await agent.override({ model: echoModel('over') }, async () => {
      const direct = await agent.run('x');
      const later = await new Promise<string>((resolve) => setTimeout(() => void agent.run('x').then((r) => resolve(r.output)), 1));
      return [direct.output, later];
    });
    expect(inner).toEqual(['over|', 'over|']);
    expect((await agent.run('x')).output).toBe('base|');
  });

  it('works on an agent built without a model', async () => {
    const agent = new Agent();
    await expect(agent.run('x')).rejects.toThrow(/No model/);
    const out = await agent.override({ model: echoModel('m') }, () => agent.run('x'));
    expect(out.output).toBe('m|');
  });

  it('stacks nested overrides and restores each on exit', async () => {
    const agent = new Agent({ model: echoModel('base'), instructions: 'base instructions' });
    await agent.override({ model: echoModel('outer') }, async () => {
      expect((await agent.run('x')).output).toBe('outer|base instructions');
      await agent.override({ instructions: 'inner instructions' }, async () => {
        expect((await agent.run('x')).output).toBe('outer|inner instructions');
      });
      expect((await agent.run('x')).output).toBe('outer|base instructions');
    });
  });

  it('overrides deps, tools, name and retries', async () => {
    const t = tool({ name: 'who', parameters: z.object({}), execute: (_a, ctx: { deps: string }) => ctx.deps });
    const model = new FunctionModel((messages) =>
      messages.length === 1 ? [{ partKind: 'tool-call', toolName: 'who', args: '{}', toolCallId: 'w' }] : [{ partKind: 'text', content: String((messages[2] as { parts: { content: unknown }[] }).parts[0]!.content) }],
    );
    const agent = new Agent<string>({ model });
    const r = await agent.override({ deps: 'override-deps', tools: [t], name: 'renamed', retries: 0 }, () => agent.run('x', { deps: 'run-deps' }));
    expect(r.output).toBe('override-deps');
  });

  it('ignores per-run modelSettings while modelSettings is overridden', async () => {
    const model = new FunctionModel((_m, info) => [{ partKind: 'text', content: JSON.stringify(info.modelSettings) }]);
    const agent = new Agent({ model, modelSettings: { maxTokens: 5 } });
    expect((await agent.run('x', { modelSettings: { temperature: 1 } })).output).toBe('{"maxTokens":5,"temperature":1}');
    const r = await agent.override({ modelSettings: { temperature: 0 } }, () => agent.run('x', { modelSettings: { temperature: 1 } }));
    expect(r.output).toBe('{"maxTokens":5,"temperature":0}');
  });

  it('has no `using` form: enterWith would leak into the caller (issue 9)', () => {
    const agent = new Agent({ model: echoModel('base') });
    expect('overrideScope' in agent).toBe(false);
  });

  it('100 concurrent contexts each see their own override, and the caller none after Promise.all', async () => {
    const agent = new Agent({ model: echoModel('base'), instructions: 'base' });
    const outputs = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        // odd contexts also override instructions: no sibling may see them
        agent.override(i % 2 === 1 ? { model: echoModel(`m${i}`), instructions: `i${i}` } : { model: echoModel(`m${i}`) }, async () => {
          await new Promise((r) => setTimeout(r, (i * 7) % 5));
          const first = (await agent.run('x')).output;
          await new Promise((r) => setTimeout(r, (i * 3) % 4));
          return [first, (await agent.run('x')).output];
        }),
      ),
    );
    outputs.forEach((pair, i) => expect(pair).toEqual(Array(2).fill(`m${i}|${i % 2 === 1 ? `i${i}` : 'base'}`)));
    expect((await agent.run('x')).output).toBe('base|base');
  });

  it('never leaks overrides between concurrent tasks (property)', async () => {
    const agent = new Agent({ model: echoModel('base') });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.option(fc.constantFrom('a', 'b', 'c'), { nil: undefined }), fc.nat(3)), { minLength: 1, maxLength: 12 }), async (tasks) => {
        const outputs = await Promise.all(
          tasks.map(async ([name, delay]) => {
            const go = async () => {
              await new Promise((r) => setTimeout(r, delay));
              return (await agent.run('x')).output;
            };
            return name === undefined ? go() : agent.override({ model: echoModel(name) }, go);
          }),
        );
        expect(outputs).toEqual(tasks.map(([name]) => `${name ?? 'base'}|`));
      }),
      { numRuns: 30 },
    );
  });
});

describe('agent.override across vitest tests', () => {
  const shared = new Agent({ model: echoModel('base') });
  let leftRunning: Promise<string> | undefined;
  it('first test overrides the model and leaves a run pending', async () => {
    await shared.override({ model: echoModel('first-test') }, async () => {
      expect((await shared.run('x')).output).toBe('first-test|');
      leftRunning = new Promise((r) => setTimeout(r, 20)).then(async () => (await shared.run('x')).output);
    });
  });
  it('the next test sees the agent unchanged, while the work started inside still sees its override', async () => {
    expect((await shared.run('x')).output).toBe('base|');
    expect(await leftRunning).toBe('first-test|');
    expect((await shared.run('x')).output).toBe('base|');
  });
});

describe('captureRunMessages', () => {
  it('captures the messages of the first run inside', async () => {
    const agent = new Agent({ model: echoModel('m') });
    const { result, messages } = await captureRunMessages(async () => {
      const r = await agent.run('first');
      await agent.run('second');
      return r.output;
    });
    expect(result).toBe('m|');
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatchObject({ parts: [{ content: 'first' }] });
  });

  it('attaches the captured messages to the error of a failing run', async () => {
    const boom = tool({ name: 'boom', parameters: z.object({}), execute: () => { throw new Error('tool broke'); } });
    const model = new FunctionModel(() => [{ partKind: 'tool-call', toolName: 'boom', args: '{}', toolCallId: 'b' }]);
    const agent = new Agent({ model, tools: [boom] });
    const err = await captureRunMessages(() => agent.run('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe('tool broke');
    expect((err as { messages: unknown[] }).messages.map((m) => (m as { kind: string }).kind)).toEqual(['request', 'response']);
    const wrapped = await captureRunMessages(() => Promise.reject('plain string')).catch((e: unknown) => e);
    expect(wrapped).toBeInstanceOf(CapturedRunError);
  });

  it('lets the innermost of nested captures win', async () => {
    const agent = new Agent({ model: echoModel('m') });
    const outer = await captureRunMessages(async () => {
      const inner = await captureRunMessages(() => agent.run('inner'));
      expect(inner.messages[0]).toMatchObject({ parts: [{ content: 'inner' }] });
      await agent.run('outer');
    });
    expect(outer.messages[0]).toMatchObject({ parts: [{ content: 'outer' }] });
  });
});

describe('request guard', () => {
  it('is off in this project’s tests and scoped by withAllowModelRequests', () => {
    expect(allowModelRequests()).toBe(false);
    expect(() => checkAllowModelRequests('gpt-4o')).toThrow(ModelRequestsDisallowed);
    withAllowModelRequests(true, () => expect(() => checkAllowModelRequests('gpt-4o')).not.toThrow());
    expect(allowModelRequests()).toBe(false);
  });

  it('reads REHEARSE_ALLOW_MODEL_REQUESTS when no setting is made', () => {
    setAllowModelRequests(undefined);
    const before = process.env['REHEARSE_ALLOW_MODEL_REQUESTS'];
    try {
      process.env['REHEARSE_ALLOW_MODEL_REQUESTS'] = 'false';
      expect(allowModelRequests()).toBe(false);
      process.env['REHEARSE_ALLOW_MODEL_REQUESTS'] = 'true';
      expect(allowModelRequests()).toBe(true);
    } finally {
      if (before === undefined) delete process.env['REHEARSE_ALLOW_MODEL_REQUESTS'];
      else process.env['REHEARSE_ALLOW_MODEL_REQUESTS'] = before;
      setAllowModelRequests(false);
    }
  });

  it('asks registered interception layers: a replayed request is allowed, a recorded one names its recorder', () => {
    let kind: 'replay' | 'record' | undefined;
    const seen: (string | undefined)[] = [];
    const unregister = registerModelRequestInterception({
      serving: ({ url }) => {
        seen.push(url);
        return kind === undefined ? undefined : { kind, by: 'layer X' };
      },
      errorFor: (e) => (e instanceof Error && e.message === 'mine' ? new Error('unwrapped') : undefined),
    });
    try {
      kind = 'replay';
      expect(() => checkAllowModelRequests('m', { url: 'http://h/v1' })).not.toThrow();
      kind = 'record';
      expect(() => checkAllowModelRequests('m', { url: 'http://h/v1' })).toThrow(/while layer X records it, and recording sends real requests/);
      kind = undefined;
      expect(() => checkAllowModelRequests('m')).toThrow(/Use TestModel, FunctionModel or a cassette/);
      expect(seen).toEqual(['http://h/v1', 'http://h/v1', undefined]);
      expect(interceptedErrorFor(new Error('other'))).toBeUndefined();
      expect(interceptedErrorFor(new Error('mine'))?.message).toBe('unwrapped');
      // allowed requests never ask
      withAllowModelRequests(true, () => checkAllowModelRequests('m'));
      expect(seen).toHaveLength(3);
    } finally {
      unregister();
    }
    kind = 'replay';
    expect(() => checkAllowModelRequests('m')).toThrow(ModelRequestsDisallowed);
  });

  it('leaves FunctionModel exempt', async () => {
    expect((await new Agent({ model: echoModel('f') }).run('x')).output).toBe('f|');
  });
});
