/**
 * Concurrent and nested cassettes (issue 9): each request goes to the cassette of the async
 * context that made it, nested → the inner one; `Promise.all` over 8 `withCassette` calls (what
 * an eval with `maxConcurrency: 8` does), random interleavings (property), and vitest's
 * `describe.concurrent` with `useCassette` / `useCassettePerTest`.
 */
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, OpenAIChatModel } from '../../runtime/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fake-openai-server.js';
import { readCassette } from './format.js';
import { interceptionActive } from './interception.js';
import { useCassette, useCassettePerTest } from './use-cassette.js';
import { Cassette, activeCassette, withCassette } from './with-cassette.js';

const noEnv = {};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const contentsOf = async (path: string): Promise<string[]> =>
  ((await readCassette(path))?.interactions ?? []).map((it) => {
    const body = it.request.body;
    return body.kind === 'json' ? String((body.value as { messages: { content: string }[] }).messages[0]?.content) : '?';
  });

let server: FakeOpenAIServer;
let baseURL = '';
beforeAll(async () => {
  server = await startFakeOpenAIServer();
  baseURL = server.baseURL;
});
afterAll(async () => {
  await server.close();
});

const ask = async (content: string, delayMs = 0): Promise<string> => {
  await sleep(delayMs);
  const client = new OpenAI({ apiKey: 'sk-test', baseURL, maxRetries: 0 });
  const r = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] });
  return String(r.choices[0]?.message.content);
};

/** One request through node:http (the ClientRequest interceptor), routed like fetch. */
const askHttp = (content: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const req = http.request(`${baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let s = '';
      res.on('data', (c: Buffer) => (s += c.toString()));
      res.on('end', () => resolve(String((JSON.parse(s) as { choices: { message: { content: string } }[] }).choices[0]?.message.content)));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }] }));
  });

describe('withCassette, concurrently', () => {
  it('Promise.all of 8 withCassette calls (an eval with maxConcurrency 8): each records and replays only its own requests', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-concurrent-'));
    const cases = Array.from({ length: 8 }, (_, i) => i);
    const run = (mode: 'once' | 'none') =>
      Promise.all(
        cases.map((i) =>
          withCassette(join(dir, `case-${i}.yaml`), { mode, env: noEnv }, async () => {
            // an agent run over the real SDK code path, and a raw node:http request
            const agent = new Agent({ model: new OpenAIChatModel('gpt-4o', { baseURL, apiKey: 'sk-test' }) });
            await sleep((i * 7) % 5);
            const first = mode === 'once' ? await import('../../runtime/index.js').then((rt) => rt.withAllowModelRequests(true, () => agent.run(`case ${i} a`))) : await agent.run(`case ${i} a`);
            const second = await askHttp(`case ${i} b`);
            return [first.output, second];
          }),
        ),
      );
    const recorded = await run('once');
    expect(recorded).toEqual(cases.map((i) => [`echo: case ${i} a`, `echo: case ${i} b`]));
    for (const i of cases) expect(await contentsOf(join(dir, `case-${i}.yaml`))).toEqual([`case ${i} a`, `case ${i} b`]);
    const seen = server.requests.length;
    expect(await run('none')).toEqual(recorded);
    expect(server.requests.length).toBe(seen);
    expect(interceptionActive()).toBe(false);
  });

  it('routes every request to its own context’s cassette under random interleavings and nesting (property)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-interleave-'));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ asks: fc.array(fc.nat(6), { minLength: 1, maxLength: 3 }), nested: fc.option(fc.nat(6), { nil: undefined }), delay: fc.nat(4) }), { minLength: 1, maxLength: 5 }),
        async (tasks) => {
          n += 1;
          const expected = new Map<string, string[]>();
          const path = (name: string) => join(dir, `${n}-${name}.yaml`);
          await Promise.all(
            tasks.map(async (t, i) => {
              const outer = `t${i}`;
              expected.set(outer, t.asks.map((d) => `${outer} d${d}`));
              if (t.nested !== undefined) expected.set(`${outer}-inner`, [`${outer}-inner`]);
              await sleep(t.delay);
              await withCassette(path(outer), { env: noEnv }, async () => {
                await Promise.all(
                  t.asks.map(async (d, k) => {
                    await sleep(d);
                    await (k % 2 === 0 ? ask(`${outer} d${d}`) : askHttp(`${outer} d${d}`));
                  }),
                );
                if (t.nested !== undefined) {
                  const nested = t.nested;
                  await withCassette(path(`${outer}-inner`), { env: noEnv }, () => ask(`${outer}-inner`, nested));
                }
              });
            }),
          );
          for (const [name, want] of expected) expect((await contentsOf(path(name))).sort()).toEqual([...want].sort());
        },
      ),
      { numRuns: 15 },
    );
  });

  it('a request made outside every cassette context is not intercepted while others are active', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-outside-'));
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const inside = withCassette(join(dir, 'held.yaml'), { mode: 'none', env: noEnv, allowUnplayed: true }, () => held);
    for (let i = 0; i < 200 && !interceptionActive(); i += 1) await sleep(5);
    expect(interceptionActive()).toBe(true);
    const before = server.requests.length;
    expect(await ask('outside')).toBe('echo: outside');
    expect(server.requests.length).toBe(before + 1);
    release();
    await inside;
  });
});

describe('nested cassettes', () => {
  it('the inner one serves requests inside it (replay), the outer one before and after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-nested-'));
    const outer = join(dir, 'outer.yaml');
    const inner = join(dir, 'inner.yaml');
    const body = async () => {
      const a = await ask('outer 1');
      const b = await withCassette(inner, { env: noEnv }, async () => {
        expect(activeCassette()?.path).toBe(inner);
        return ask('inner');
      });
      expect(activeCassette()?.path).toBe(outer);
      return [a, b, await ask('outer 2')];
    };
    const recorded = await withCassette(outer, { env: noEnv }, body);
    const seen = server.requests.length;
    expect(await withCassette(outer, { mode: 'none', env: noEnv }, body)).toEqual(recorded);
    expect(server.requests.length).toBe(seen);
    expect(await contentsOf(outer)).toEqual(['outer 1', 'outer 2']);
    expect(await contentsOf(inner)).toEqual(['inner']);
    expect(activeCassette()).toBeUndefined();
  });
});

describe('Cassette.start() without a callback', () => {
  it('binds to the rest of the calling async function; once stopped, its context falls back to the outer cassette', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-start-'));
    const outer = join(dir, 'outer.yaml');
    const inner = join(dir, 'inner.yaml');
    await withCassette(outer, { env: noEnv }, async () => {
      const started = await Cassette.start(inner, { env: noEnv });
      expect(activeCassette()).toBe(started);
      await ask('inner');
      await started.stop();
      expect(activeCassette()?.path).toBe(outer);
      await ask('outer');
    });
    expect(await contentsOf(inner)).toEqual(['inner']);
    expect(await contentsOf(outer)).toEqual(['outer']);
  });
});

const vitestDir = mkdtempSync(join(tmpdir(), 'rehearse-describe-concurrent-'));
const names = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];

describe.concurrent('useCassette in describe.concurrent: recording', () => {
  for (const [i, name] of names.entries())
    it(`records ${name}`, async (ctx) => {
      const cassette = await useCassette({ dir: vitestDir, env: noEnv, test: ctx });
      await sleep((i * 5) % 7);
      expect(activeCassette()).toBe(cassette);
      expect(await ask(`${name} 1`, i % 3)).toBe(`echo: ${name} 1`);
      expect(await askHttp(`${name} 2`)).toBe(`echo: ${name} 2`);
    });
});

describe.concurrent('useCassettePerTest in describe.concurrent: recording', () => {
  useCassettePerTest({ dir: vitestDir, env: noEnv });
  for (const [i, name] of names.entries())
    it(`per-test ${name}`, async () => {
      await sleep((i * 3) % 5);
      expect(activeCassette()?.path).toContain(`per-test-${name}`);
      expect(await ask(`${name} per test`, i % 2)).toBe(`echo: ${name} per test`);
    });
});

describe('each concurrent test wrote only its own requests', () => {
  it('useCassette and useCassettePerTest cassettes', async () => {
    for (const name of names) {
      expect(await contentsOf(join(vitestDir, 'concurrent', `useCassette-in-describe.concurrent-recording__records-${name}.yaml`))).toEqual([`${name} 1`, `${name} 2`]);
      expect(await contentsOf(join(vitestDir, 'concurrent', `useCassettePerTest-in-describe.concurrent-recording__per-test-${name}.yaml`))).toEqual([`${name} per test`]);
    }
  });
});

describe.concurrent('useCassette in describe.concurrent: replay only', () => {
  for (const [i, name] of names.entries())
    it(`replays ${name}`, async ({ task, onTestFinished }) => {
      await useCassette({ dir: vitestDir, mode: 'none', env: noEnv, name: `useCassette-in-describe.concurrent-recording__records-${name}`, test: { task, onTestFinished } });
      await sleep((i * 5) % 7);
      expect(await askHttp(`${name} 2`)).toBe(`echo: ${name} 2`);
      expect(await ask(`${name} 1`)).toBe(`echo: ${name} 1`);
    });
});
