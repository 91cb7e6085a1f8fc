/**
 * Cassette replay cost through the real `openai` SDK: 1,000 recorded JSON interactions and
 * 1,000 recorded SSE interactions (12 events each) replayed by `withCassette` in `none` mode,
 * and the same responses served by a plain msw handler (the floor: interception + SDK with no
 * cassette work). Prints one JSON line per scenario: median µs per request over 3 repetitions
 * (after a warm-up), timing only the requests (the cassette's one-off file load is `loadMs`).
 * Each response is checked so the figure is for the real path.
 *
 * Usage: tsx bench/cassette-replay.ts [--n 1000]
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { ReadableStream, type ReadableStreamDefaultController } from 'node:stream/web';
import { join } from 'node:path';
import { http } from 'msw';
import { setupServer } from 'msw/node';
import OpenAI from 'openai';
import { fakeCompletion, fakeStreamChunks } from '../src/testing/cassette/fake-openai-server.js';
import { serializeCassette } from '../src/testing/cassette/format.js';
import { parseSse } from '../src/testing/cassette/sse.js';
import { withCassette, type Interaction } from '../src/testing/index.js';

const nAt = process.argv.indexOf('--n');
const N = nAt >= 0 ? Number(process.argv[nAt + 1]) : 1000;
const REPS = 3;
const URL = 'https://api.openai.com/v1/chat/completions';

const bodyOf = (i: number, stream: boolean): Record<string, unknown> => ({
  messages: [{ role: 'user', content: `question number ${i}` }],
  model: 'gpt-4o',
  ...(stream ? { stream: true, stream_options: { include_usage: true } } : { stream: false }),
});

function interactions(stream: boolean): Interaction[] {
  return Array.from({ length: N }, (_, i) => ({
    request: { method: 'POST', uri: URL, headers: { 'content-type': ['application/json'] }, body: { kind: 'json', value: bodyOf(i, stream) } },
    response: {
      status: { code: 200, message: 'OK' },
      headers: { 'content-type': [stream ? 'text/event-stream; charset=utf-8' : 'application/json'] },
      body: stream
        ? { kind: 'sse', events: parseSse(fakeStreamChunks(bodyOf(i, stream) as never, i).join('')) ?? [] }
        : { kind: 'json', value: fakeCompletion(bodyOf(i, stream) as never, i) },
    },
  }));
}

async function callAll(client: OpenAI, stream: boolean): Promise<void> {
  for (let i = 0; i < N; i++) {
    const params = bodyOf(i, stream) as unknown as OpenAI.ChatCompletionCreateParams;
    if (stream) {
      const s = (await client.chat.completions.create({ ...params, stream: true })) as AsyncIterable<OpenAI.ChatCompletionChunk>;
      let text = '';
      let chunks = 0;
      for await (const c of s) {
        text += c.choices[0]?.delta.content ?? '';
        chunks += 1;
      }
      assert.equal(text, `echo: question number ${i}`);
      assert.ok(chunks > 3);
    } else {
      const r = (await client.chat.completions.create({ ...params, stream: false })) as OpenAI.ChatCompletion;
      assert.equal(r.choices[0]?.message.content, `echo: question number ${i}`);
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** Runs `run` once to warm up, then REPS times; `run` returns the milliseconds of its timed part. */
async function timeIt(run: () => Promise<number>): Promise<number> {
  await run(); // warm-up
  const us: number[] = [];
  for (let r = 0; r < REPS; r++) us.push(((await run()) * 1000) / N);
  return Math.round(median(us) * 10) / 10;
}

/** Milliseconds `fn` takes. */
async function elapsedMs(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rehearse-bench-'));
  try {
    for (const stream of [false, true]) {
      const scenario = stream ? 'cassette-replay-sse' : 'cassette-replay-json';
      const recorded = interactions(stream);
      const path = join(dir, `${scenario}.yaml`);
      await writeFile(path, serializeCassette({ interactions: recorded, metadata: { format: 1, version: 'bench', recordedAt: new Date(0).toISOString(), hosts: ['api.openai.com'] } }));

      // Timed: the requests replayed while the cassette is active. Loading the file (YAML parse
      // of N interactions) and the unplayed check happen once per cassette, not per request,
      // and are reported apart as loadMs.
      const loadMs: number[] = [];
      const cassetteUs = await timeIt(async () => {
        let ms = 0;
        const t0 = performance.now();
        await withCassette(path, { mode: 'none', env: {} }, async () => {
          loadMs.push(performance.now() - t0);
          ms = await elapsedMs(() => callAll(new OpenAI({ apiKey: 'sk-bench', maxRetries: 0 }), stream));
        });
        return ms;
      });
      console.log(
        JSON.stringify({ peer: 'rehearse', scenario, n: N, usPerRequest: cassetteUs, loadMs: Math.round(median(loadMs)), matchOn: 'method+url+json-body', streamed: stream }),
      );

      let next = 0;
      const server = setupServer(
        http.post(URL, () => {
          const rec = recorded[next++ % N] as Interaction;
          const b = rec.response.body;
          if (b.kind === 'json') return new Response(JSON.stringify(b.value), { headers: { 'content-type': 'application/json' } });
          if (b.kind !== 'sse') throw new Error('unexpected body');
          const enc = new TextEncoder();
          let k = 0;
          const events = b.events;
          return new Response(
            new ReadableStream<Uint8Array>({
              pull(c: ReadableStreamDefaultController<Uint8Array>) {
                const ev = events[k++];
                if (ev === undefined) c.close();
                else c.enqueue(enc.encode(`data: ${ev.data}\n\n`));
              },
            }),
            { headers: { 'content-type': 'text/event-stream' } },
          );
        }),
      );
      server.listen({ onUnhandledRequest: 'error' });
      try {
        const floorUs = await timeIt(() => {
          next = 0;
          return elapsedMs(() => callAll(new OpenAI({ apiKey: 'sk-bench', maxRetries: 0 }), stream));
        });
        console.log(JSON.stringify({ peer: 'msw', scenario, n: N, usPerRequest: floorUs, note: 'plain msw handler serving the same responses (floor)', streamed: stream }));
      } finally {
        server.close();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
