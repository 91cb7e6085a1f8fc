import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SseEvent } from './cassette.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fake-openai-server.js';
import { parseCassette, readCassette, serializeCassette } from './format.js';
import { parseSse, serializeSse } from './sse.js';
import { withCassette } from './with-cassette.js';

/** What the fake server sends next: body bytes split at the given offsets. */
let next: { contentType: string; bytes: Uint8Array; cuts: number[] } = { contentType: 'application/json', bytes: new Uint8Array(), cuts: [] };

const unicodeText = fc.string({ unit: 'grapheme', maxLength: 30 });
const eventArb: fc.Arbitrary<SseEvent> = fc.record(
  { data: fc.oneof(unicodeText, fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v))), event: fc.stringMatching(/^[a-z.]{1,10}$/), id: fc.stringMatching(/^[0-9]{1,4}$/) },
  { requiredKeys: ['data'] },
);
const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

describe('record → replay identity', () => {
  let server: FakeOpenAIServer;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rehearse-roundtrip-'));
    server = await startFakeOpenAIServer({
      respond: async (_req, res) => {
        res.writeHead(200, { 'content-type': next.contentType });
        const cuts = [...new Set(next.cuts.map((f) => Math.floor(f * next.bytes.length)))].sort((a, b) => a - b);
        let at = 0;
        for (const c of [...cuts, next.bytes.length]) {
          if (c > at) res.write(next.bytes.subarray(at, c));
          at = Math.max(at, c);
          await new Promise((r) => setTimeout(r, 1));
        }
        res.end();
      },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  async function recordThenReplay(i: number): Promise<{ live: string; replayed: string; chunks: number }> {
    const path = join(dir, `c${i}.yaml`);
    const call = (): Promise<Response> => fetch(`${server.baseURL}/chat/completions`, { method: 'POST', body: `{"n":${i}}`, headers: { 'content-type': 'application/json' } });
    const live = await withCassette(path, { mode: 'all', env: {} }, () => call().then((r) => r.text()));
    let chunks = 0;
    const replayed = await withCassette(path, { mode: 'none', env: {} }, async () => {
      const res = await call();
      const reader = (res.body as unknown as { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> } }).getReader();
      const decoder = new TextDecoder();
      let text = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks += 1;
        text += decoder.decode(value, { stream: true });
      }
      return text + decoder.decode();
    });
    return { live, replayed, chunks };
  }

  it('property: JSON bodies (unicode, split inside multi-byte characters) replay as recorded', async () => {
    let i = 0;
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), unicodeText, cutsArb, async (value, s, cuts) => {
        const payload = { value, s, emoji: `${s}😀é中` };
        const text = JSON.stringify(payload);
        next = { contentType: 'application/json', bytes: new TextEncoder().encode(text), cuts };
        const { live, replayed } = await recordThenReplay(i++);
        expect(live).toBe(text);
        expect(JSON.parse(replayed)).toEqual(JSON.parse(text));
      }),
      { numRuns: 40 },
    );
  });

  it('property: SSE bodies replay byte for byte, event by event', async () => {
    let i = 1000;
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 6 }), cutsArb, async (events, cuts) => {
        const text = `${serializeSse(events)}data: [DONE]\n\n`;
        next = { contentType: 'text/event-stream; charset=utf-8', bytes: new TextEncoder().encode(text), cuts };
        const { live, replayed, chunks } = await recordThenReplay(i++);
        expect(live).toBe(text);
        expect(replayed).toBe(text);
        expect(chunks).toBe(events.length + 1);
      }),
      { numRuns: 40 },
    );
  });

  it('keeps a non-canonical event stream as text and still replays it exactly', async () => {
    const text = ': comment\r\ndata: a\r\n\r\ndata: b\n\n';
    next = { contentType: 'text/event-stream', bytes: new TextEncoder().encode(text), cuts: [0.5] };
    const { replayed } = await recordThenReplay(5000);
    expect(replayed).toBe(text);
    expect((await readCassette(join(dir, 'c5000.yaml')))?.interactions[0]?.response.body.kind).toBe('text');
  });
});

describe('file format', () => {
  it('property: parse(serialize(cassette)) is the identity', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.array(eventArb, { maxLength: 4 }), unicodeText, (value, events, text) => {
        const data = {
          interactions: [
            {
              request: { method: 'POST', uri: 'https://api.openai.com/v1/chat/completions', headers: { 'content-type': ['application/json'] }, body: { kind: 'json' as const, value } },
              response: { status: { code: 200, message: 'OK' }, headers: {}, body: { kind: 'sse' as const, events } },
            },
            {
              request: { method: 'GET', uri: 'https://api.openai.com/v1/models', headers: {}, body: { kind: 'none' as const } },
              response: { status: { code: 404, message: 'Not Found' }, headers: { a: ['1', '2'] }, body: text === '' ? { kind: 'none' as const } : { kind: 'text' as const, text } },
            },
          ],
          metadata: { format: 1, version: '0.1.0', recordedAt: '2026-01-01T00:00:00.000Z', hosts: ['api.openai.com'] },
        };
        expect(parseCassette(serializeCassette(data), 'x.yaml')).toEqual(JSON.parse(JSON.stringify(data)));
      }),
    );
  });

  it('property: SSE text parses to events and serialises back', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 6 }), (events) => {
        const text = serializeSse(events);
        expect(serializeSse(parseSse(text) ?? [])).toBe(text);
      }),
    );
  });
});
