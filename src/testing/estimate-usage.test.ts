import { describe, expect, it } from 'vitest';
import type { ModelMessage } from '../runtime/index.js';
import { BinaryContent, ImageUrl } from '../runtime/index.js';
import { estimateStringTokens, estimateUsage } from './estimate-usage.js';

const ts = '2024-01-01T00:00:00.000Z';

describe('estimateStringTokens', () => {
  it('splits on whitespace, quotes, commas, dots and colons', () => {
    expect(estimateStringTokens('')).toBe(0);
    expect(estimateStringTokens('hello world')).toBe(2);
    expect(estimateStringTokens('  hello   world  ')).toBe(2);
    expect(estimateStringTokens('a,b.c:d"e')).toBe(5);
    // leading/trailing separators leave empty pieces, as Python's re.split does
    expect(estimateStringTokens('"a"')).toBe(3);
    expect(estimateStringTokens('{"weather_forecast":"Sunny with a chance of rain"}')).toBe(9);
    expect(estimateStringTokens('   ')).toBe(1);
  });

  it('counts content lists: strings by words, binary by bytes, urls not at all', () => {
    expect(estimateStringTokens([])).toBe(0);
    expect(estimateStringTokens(['one two', ImageUrl('https://x/y.png'), BinaryContent(new Uint8Array([1, 2, 3]), 'image/png')])).toBe(5);
  });
});

describe('estimateUsage', () => {
  it('is 50 input tokens for nothing', () => {
    expect(estimateUsage([])).toEqual({ inputTokens: 50, outputTokens: 0 });
  });

  it('counts request and response parts cumulatively, ignoring instructions', () => {
    const messages: ModelMessage[] = [
      {
        kind: 'request',
        instructions: 'these words are not counted at all',
        parts: [
          { partKind: 'system-prompt', content: 'be nice', timestamp: ts },
          { partKind: 'user-prompt', content: 'hello there', timestamp: ts },
        ],
      },
      {
        kind: 'response',
        parts: [
          { partKind: 'thinking', content: 'hmm ok' },
          { partKind: 'tool-call', toolName: 'f', args: { a: 'x' }, toolCallId: 'c1' },
        ],
        usage: { inputTokens: 0, outputTokens: 0 },
        timestamp: ts,
      },
      {
        kind: 'request',
        parts: [
          { partKind: 'tool-return', toolName: 'f', content: 'done', toolCallId: 'c1', timestamp: ts },
          { partKind: 'retry-prompt', toolName: 'g', content: 'bad', toolCallId: 'c2', timestamp: ts },
        ],
      },
      { kind: 'response', parts: [{ partKind: 'text', content: 'all good' }], usage: { inputTokens: 0, outputTokens: 0 }, timestamp: ts },
    ];
    // input: 50 + 2 + 2 + 1 + tokens('bad\n\nFix the errors and try again.') (= 8, trailing '.' leaves an empty piece)
    // output: 2 + (1 + tokens('{"a":"x"}') = 1 + 4) + 2   (values checked against Python's re.split)
    expect(estimateUsage(messages)).toEqual({ inputTokens: 63, outputTokens: 9 });
  });

  it('counts empty tool-call args as "{}" and JSON string args as they are', () => {
    const r: ModelMessage = {
      kind: 'response',
      parts: [
        { partKind: 'tool-call', toolName: 'f', args: '', toolCallId: 'c' },
        { partKind: 'tool-call', toolName: 'f', args: '{"x": 1, "y": 2}', toolCallId: 'd' },
      ],
      usage: { inputTokens: 0, outputTokens: 0 },
      timestamp: ts,
    };
    // '{}' → 1 piece; '{"x": 1, "y": 2}' → ['{', 'x', '1', 'y', '2}'] = 5
    expect(estimateUsage([r])).toEqual({ inputTokens: 50, outputTokens: 2 + 6 });
  });

  it('counts non-string tool returns as compact JSON and null as empty', () => {
    const req: ModelMessage = {
      kind: 'request',
      parts: [
        { partKind: 'tool-return', toolName: 'f', content: { a: 1, b: [1, 2] }, toolCallId: 'c', timestamp: ts },
        { partKind: 'tool-return', toolName: 'g', content: null, toolCallId: 'd', timestamp: ts },
      ],
    };
    // '{"a":1,"b":[1,2]}' → ['{','a','1','b','[1','2]}'] = 6; '' → 0
    expect(estimateUsage([req])).toEqual({ inputTokens: 56, outputTokens: 0 });
  });
});

describe('countTokenPieces (property)', () => {
  it('equals the length of the regex split pydantic-ai uses', async () => {
    const { default: fc } = await import('fast-check');
    const { countTokenPieces } = await import('./estimate-usage.js');
    const chars = fc.constantFrom('a', 'b', ' ', '\t', '\n', '"', ',', '.', ':', '\u00a0', '\u2028', 'é', '😀', '\ufeff', '-');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: chars }), fc.string({ unit: 'grapheme' })), (s) => {
        expect(countTokenPieces(s)).toBe(s.trim().split(/[\s",.:]+/).length);
      }),
      { numRuns: 500 },
    );
  });
});
