import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CassetteBody, CassetteRequest, MatchOn } from './cassette.js';
import { DEFAULT_MATCH_ON, RequestMatcher, requestsMatch } from './match.js';

/** The matching rule written plainly: the first unplayed recorded request that matches. */
function linearFind(recorded: readonly CassetteRequest[], played: readonly boolean[], incoming: CassetteRequest, on: readonly MatchOn[]): number {
  return recorded.findIndex((r, i) => !played[i] && requestsMatch(r, incoming, on));
}

const jsonValue = fc.dictionary(fc.constantFrom('model', 'messages', 'stream', 'n'), fc.oneof(fc.constantFrom('gpt-4o', 'x'), fc.boolean(), fc.integer({ min: 0, max: 2 })), { maxKeys: 3 });
const bodyArb: fc.Arbitrary<CassetteBody> = fc.oneof(
  fc.constant({ kind: 'none' } as const),
  jsonValue.map((value) => ({ kind: 'json', value }) as const),
  // JSON held as text must match the same JSON stored parsed, whatever the key order
  jsonValue.map((value) => ({ kind: 'text', text: JSON.stringify(Object.fromEntries(Object.entries(value).reverse())) }) as const),
  fc.constantFrom('plain', '', 'base64:YQ==').map((text) => ({ kind: 'text', text }) as const),
  fc.constant({ kind: 'base64', data: 'YQ==' } as const),
);
const requestArb: fc.Arbitrary<CassetteRequest> = fc.record({
  method: fc.constantFrom('POST', 'post', 'GET'),
  uri: fc.constantFrom(
    'https://api.openai.com/v1/chat/completions',
    'http://api.openai.com/v1/chat/completions',
    'https://api.openai.com/v1/embeddings',
    'https://api.openai.com/v1/chat/completions?b=2&a=1',
    'https://api.openai.com/v1/chat/completions?a=1&b=2',
  ),
  headers: fc.constant({}),
  body: bodyArb,
});
const matchOnArb = fc.oneof(fc.constant(DEFAULT_MATCH_ON), fc.subarray(['method', 'host', 'path', 'query', 'body'] as MatchOn[]));

describe('RequestMatcher', () => {
  it('property: answers each request in a sequence as the plain first-unplayed-match rule does', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { maxLength: 8 }), fc.array(requestArb, { maxLength: 10 }), matchOnArb, (recorded, incoming, on) => {
        const matcher = new RequestMatcher(recorded, on);
        const played = recorded.map(() => false);
        const expectedPlayed = recorded.map(() => false);
        for (const req of incoming) {
          const got = matcher.find(req, played);
          const want = linearFind(recorded, expectedPlayed, req, on);
          expect(got).toBe(want);
          if (got >= 0) played[got] = true;
          if (want >= 0) expectedPlayed[want] = true;
        }
      }),
    );
  });

  it('normalises each recorded request once, and passes normalised requests to a custom matcher', () => {
    const rec = (content: string): CassetteRequest => ({
      method: 'POST',
      uri: 'https://api.openai.com/v1/chat/completions',
      headers: {},
      body: { kind: 'json', value: { content, ts: content.length } },
    });
    let normalised = 0;
    const seen: unknown[] = [];
    const matcher = new RequestMatcher([rec('a'), rec('b'), rec('c')], DEFAULT_MATCH_ON, {
      normalize: (r) => {
        normalised += 1;
        if (r.body.kind === 'json') delete (r.body.value as { ts?: number }).ts;
      },
      match: (a, b) => {
        seen.push(a.body);
        return JSON.stringify(a.body) === JSON.stringify(b.body);
      },
    });
    const played = [false, false, false];
    expect(matcher.find(rec('c'), played)).toBe(2);
    played[2] = true;
    expect(matcher.find(rec('c'), played)).toBe(-1);
    expect(matcher.find(rec('a'), played)).toBe(0);
    // 3 recorded requests normalised once each, plus the 3 incoming ones
    expect(normalised).toBe(6);
    expect(seen).toContainEqual({ kind: 'json', value: { content: 'a' } });
  });
});
