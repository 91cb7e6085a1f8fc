import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FunctionModel } from '../testing/index.js';
import { Agent, InvalidMessageHistory, ModelMessagesSchema, ModelRetry, parseModelMessages, retryPromptText, tool } from './index.js';
import type { ModelResponsePart } from './index.js';

describe('parseModelMessages', () => {
  it('reports the path of the first bad field', () => {
    const bad = [
      { kind: 'request', parts: [{ partKind: 'user-prompt', content: 'hi', timestamp: '2024-01-01T00:00:00.000Z' }] },
      { kind: 'response', parts: [{ partKind: 'tool-call', toolName: 'x', args: '{}' }], usage: { inputTokens: 1, outputTokens: 1 }, timestamp: '2024-01-01T00:00:00.000Z' },
    ];
    expect(() => parseModelMessages(bad)).toThrow(InvalidMessageHistory);
    expect(() => parseModelMessages(bad)).toThrow(/^Invalid message history at \[1\]\.parts\[0\]\.toolCallId: /);
    expect(() => parseModelMessages([{ kind: 'nope' }])).toThrow(/at \[0\]\.kind/);
  });

  it('formats retry prompts as pydantic-ai does', () => {
    expect(retryPromptText({ partKind: 'retry-prompt', content: 'bad', toolName: 't', toolCallId: 'c', timestamp: '' })).toBe('bad\n\nFix the errors and try again.');
    expect(retryPromptText({ partKind: 'retry-prompt', content: 'bad', toolCallId: 'c', timestamp: '' })).toBe('Validation feedback:\nbad\n\nFix the errors and try again.');
    expect(retryPromptText({ partKind: 'retry-prompt', content: [{ type: 'missing', loc: ['a'], msg: 'Field required' }], toolName: 't', toolCallId: 'c', timestamp: '' })).toBe(
      '1 validation error:\n```json\n[\n  {\n    "type": "missing",\n    "loc": [\n      "a"\n    ],\n    "msg": "Field required"\n  }\n]\n```\n\nFix the errors and try again.',
    );
  });
});

describe('message histories the runtime produces (property)', () => {
  const step = fc.oneof(
    fc.record({ kind: fc.constant('text' as const), text: fc.string() }),
    fc.record({ kind: fc.constant('tool' as const), city: fc.oneof(fc.string(), fc.integer()), fail: fc.boolean() }),
    fc.record({ kind: fc.constant('thinking' as const), text: fc.string() }),
  );

  it('survive JSON round trip and the zod schema unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 5 }), fc.string(), fc.string({ unit: 'grapheme' }), async (steps, prompt, toolResult) => {
        let i = 0;
        const model = new FunctionModel(() => {
          const s = steps[i++];
          if (s === undefined) return [{ partKind: 'text', content: 'end' }];
          const parts: ModelResponsePart[] = [];
          if (s.kind === 'text') parts.push({ partKind: 'text', content: s.text });
          if (s.kind === 'thinking') parts.push({ partKind: 'thinking', content: s.text }, { partKind: 'text', content: 'x' });
          if (s.kind === 'tool') parts.push({ partKind: 'tool-call', toolName: 'lookup', args: JSON.stringify({ city: s.city, fail: s.fail }), toolCallId: `id${i}` });
          return parts;
        });
        const lookup = tool({
          name: 'lookup',
          parameters: z.object({ city: z.string(), fail: z.boolean() }),
          retries: 10,
          execute: ({ fail }) => {
            if (fail) throw new ModelRetry('try again');
            return { result: toolResult, nested: [1, { a: null }] };
          },
        });
        const agent = new Agent({ model, tools: [lookup], retries: 10, outputRetries: 10, systemPrompt: 'sys' });
        const result = await agent.run(prompt);
        const messages = result.allMessages();
        const roundTripped: unknown = JSON.parse(JSON.stringify(messages));
        expect(roundTripped).toEqual(messages);
        expect(ModelMessagesSchema.parse(roundTripped)).toEqual(messages);
        expect(parseModelMessages(JSON.parse(result.allMessagesJson()))).toEqual(messages);
      }),
      { numRuns: 60 },
    );
  });
});
