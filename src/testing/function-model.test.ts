import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, UserError, tool } from '../runtime/index.js';
import { DeltaThinkingPart, DeltaToolCall, FunctionModel } from './index.js';

describe('FunctionModel', () => {
  it('fills timestamp, model name and estimated usage, and records every call with its AgentInfo', async () => {
    const model = new FunctionModel(function answer() {
      return { parts: [{ partKind: 'text', content: 'Paris is the capital.' }] };
    });
    expect(model.modelName).toBe('function:answer:');
    const agent = new Agent({ model, instructions: 'Be brief.' });
    const r = await agent.run('Capital of France?');
    const response = r.allMessages()[1]!;
    expect(response).toMatchObject({ kind: 'response', modelName: 'function:answer:' });
    expect(Date.parse((response as { timestamp: string }).timestamp)).not.toBeNaN();
    // pydantic-ai's estimate: 50 + 3 pieces of 'Capital of France?'; 'Paris is the capital.' splits into 5 (the final '.' leaves an empty piece)
    expect(r.usage()).toMatchObject({ inputTokens: 53, outputTokens: 5, requests: 1 });
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]!.info).toMatchObject({ instructions: 'Be brief.', allowTextOutput: true, functionTools: [], outputTools: [] });
  });

  it('keeps usage the function gives', async () => {
    const model = new FunctionModel(() => ({ parts: [{ partKind: 'text', content: 'x' }], usage: { inputTokens: 7, outputTokens: 3 } }));
    expect((await new Agent({ model }).run('q')).usage()).toMatchObject({ inputTokens: 7, outputTokens: 3 });
  });

  it('streams text, tool-call and thinking deltas, with explicit delta tags', async () => {
    const echo = tool({ name: 'echo', parameters: z.object({ v: z.string() }), execute: ({ v }) => v });
    const model = new FunctionModel(undefined, {
      stream: async function* (messages) {
        if (messages.length === 1) {
          yield { 0: DeltaThinkingPart({ content: 'Let me call echo.' }) };
          yield { 1: DeltaToolCall({ name: 'echo', jsonArgs: '{"v":"hi"}', toolCallId: 'e1' }) };
        } else yield 'done';
      },
    });
    const stream = await new Agent({ model, tools: [echo] }).runStream('go');
    expect(await stream.getOutput()).toBe('done');
    expect(stream.allMessages()[1]).toMatchObject({
      parts: [{ partKind: 'thinking', content: 'Let me call echo.' }, { partKind: 'tool-call', toolName: 'echo', args: '{"v":"hi"}', toolCallId: 'e1' }],
    });
    // streamed usage as pydantic-ai: 50 input tokens; output counted per delta: 5 for the thinking text, 4 for '{"v":"hi"}'
    expect((stream.allMessages()[1] as { usage: unknown }).usage).toEqual({ inputTokens: 50, outputTokens: 9 });
  });

  it('says what to do when a function is missing', async () => {
    expect(() => new FunctionModel()).toThrow(UserError);
    const streamOnly = new FunctionModel(undefined, { stream: async function* () { yield 'x'; } });
    await expect(new Agent({ model: streamOnly }).run('q')).rejects.toThrow(/only a stream function/);
    const plainOnly = new FunctionModel(() => [{ partKind: 'text', content: 'x' }]);
    await expect(new Agent({ model: plainOnly }).runStream('q')).rejects.toThrow(/no stream function/);
  });
});
