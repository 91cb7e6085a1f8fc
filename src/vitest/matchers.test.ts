import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, tool } from '../runtime/index.js';
import type { ModelMessage, ModelResponsePart } from '../runtime/index.js';
import { FunctionModel } from '../testing/index.js';
import './index.js';

const names = ['search', 'fetch', 'summarise'] as const;
const tools = names.map((name) => tool({ name, parameters: z.object({ q: z.string() }), execute: ({ q }) => `${name}:${q}` }));

/** A run that calls `calls` one per model request, then answers with structured output (an output-tool call). */
async function runCalling(calls: readonly { name: string; q: string }[]) {
  let step = 0;
  const model = new FunctionModel(() => {
    const c = calls[step++];
    const part: ModelResponsePart = c
      ? { partKind: 'tool-call', toolName: c.name, args: { q: c.q }, toolCallId: `c${step}` }
      : { partKind: 'tool-call', toolName: 'final_result', args: { answer: 'done' }, toolCallId: 'out' };
    return { parts: [part] };
  });
  return new Agent({ model, tools, outputType: z.object({ answer: z.string() }) }).run('go');
}

describe('rehearse/vitest matchers', () => {
  it('toHaveCalledTool matches name and arguments (asymmetric matchers too), leaving out the output tool', async () => {
    const result = await runCalling([{ name: 'search', q: 'paris' }, { name: 'fetch', q: 'u1' }]);
    expect(result).toHaveCalledTool('search');
    expect(result).toHaveCalledTool('search', { q: 'paris' });
    expect(result).toHaveCalledTool('fetch', expect.objectContaining({ q: expect.any(String) }));
    expect(result).not.toHaveCalledTool('summarise');
    expect(result).not.toHaveCalledTool('search', { q: 'rome' });
    expect(result).not.toHaveCalledTool('final_result');
    expect(result.allMessages()).toHaveCalledTool('fetch', { q: 'u1' });
  });

  it('toHaveCalledTool failure lists the calls made', async () => {
    const result = await runCalling([{ name: 'search', q: 'paris' }]);
    expect(() => expect(result).toHaveCalledTool('fetch')).toThrow(/expected the run to call tool 'fetch'; its tool calls:\n {2}1\. search\(\{"q": "paris"\}\)/);
    expect(() => expect(result).not.toHaveCalledTool('search')).toThrow(/expected the run not to call tool 'search'/);
    expect(() => expect(42).toHaveCalledTool('x')).toThrow(/expected an AgentRunResult \(or run\) or a ModelMessage\[\], received number/);
  });

  it('toHaveToolCallSequence holds for the exact calls in order and fails for any other sequence (property)', async () => {
    const call = fc.record({ name: fc.constantFrom(...names), q: fc.string({ maxLength: 5 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(call, { maxLength: 5 }), fc.array(call, { maxLength: 5 }), async (calls, other) => {
        const result = await runCalling(calls);
        expect(result).toHaveToolCallSequence(calls.map((c) => c.name));
        expect(result).toHaveToolCallSequence(calls.map((c) => ({ name: c.name, args: { q: c.q } })));
        const same = other.length === calls.length && other.every((o, i) => o.name === calls[i]!.name && o.q === calls[i]!.q);
        if (!same) expect(result).not.toHaveToolCallSequence(other.map((c) => ({ name: c.name, args: { q: c.q } })));
      }),
      { numRuns: 40 },
    );
  });

  it('toHaveToolCallSequence failure shows both sequences', async () => {
    const result = await runCalling([{ name: 'search', q: 'a' }, { name: 'fetch', q: 'b' }]);
    expect(() => expect(result).toHaveToolCallSequence(['fetch', 'search'])).toThrow(/to be the sequence \["fetch", "search"\]; they were:\n {2}1\. search/);
  });

  it('toHaveUsage compares the given fields of a result or of messages', async () => {
    const result = await runCalling([{ name: 'search', q: 'a' }]);
    const u = result.usage();
    expect(result).toHaveUsage({ requests: 2, toolCalls: 1 });
    expect(result).toHaveUsage({ inputTokens: u.inputTokens, totalTokens: expect.any(Number) });
    expect(result).not.toHaveUsage({ requests: 3 });
    const messages: ModelMessage[] = result.allMessages();
    expect(messages).toHaveUsage({ requests: 2, toolCalls: 1, inputTokens: u.inputTokens, outputTokens: u.outputTokens });
    expect(() => expect(result).toHaveUsage({ requests: 5 })).toThrow(/expected the run's usage to match \{"requests": 5\}; it was \{"requests": 2\}/);
    expect(() => expect(result).toHaveUsage({ tokens: 1 } as never)).toThrow(/unknown usage field\(s\) tokens/);
  });
});
