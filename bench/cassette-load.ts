/**
 * Cassette load cost for big files: ~50 MB of embeddings (float arrays), ~50 MB of many small
 * keys (objects of a few short fields) and ~50 MB of many small interactions, each written by
 * rehearse in YAML and in JSON. Each load runs in a fresh child process, so its peak RSS is
 * its own. Prints one JSON line per scenario: file size, load time (ms) and peak RSS (MB),
 * beside the floor of a bare `JSON.parse` of the same file in a fresh process.
 * Target (issue 9): ≤ 5,000 ms and ≤ 600 MB for 50 MB.
 *
 * Usage: tsx bench/cassette-load.ts [--mb 50]
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Interaction } from '../src/testing/index.js';
import { readCassette, serializeCassette } from '../src/testing/index.js';

const mbAt = process.argv.indexOf('--mb');
const MB = mbAt >= 0 ? Number(process.argv[mbAt + 1]) : 50;
const TARGET = MB * 1024 * 1024;

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const request = (i: number, body: unknown): Interaction['request'] => ({
  method: 'POST',
  uri: 'https://api.openai.com/v1/embeddings',
  headers: { 'content-type': ['application/json'] },
  body: { kind: 'json', value: body ?? { model: 'text-embedding-3-small', input: `text ${i}` } },
});
const ok = (value: unknown): Interaction['response'] => ({ status: { code: 200, message: 'OK' }, headers: { 'content-type': ['application/json'] }, body: { kind: 'json', value } });

/** Interactions until their JSON bodies reach ~TARGET bytes. */
function build(make: (i: number) => Interaction, sizeOf: (it: Interaction) => number): Interaction[] {
  const out: Interaction[] = [];
  let size = 0;
  for (let i = 0; size < TARGET; i++) {
    const it = make(i);
    size += sizeOf(it);
    out.push(it);
  }
  return out;
}

const scenarios: Record<string, () => Interaction[]> = {
  embeddings: () => {
    const r = rng(1);
    const embedding = (): number[] => Array.from({ length: 1536 }, () => Math.round((r() * 2 - 1) * 1e9) / 1e9);
    return build(
      (i) => ({ request: request(i, undefined), response: ok({ object: 'list', model: 'text-embedding-3-small', data: Array.from({ length: 100 }, (_, k) => ({ object: "embedding", index: k, embedding: embedding() })) }) }),
      (it) => JSON.stringify(it.response.body.kind === 'json' ? it.response.body.value : '').length,
    );
  },
  'many-small-keys': () =>
    build(
      (i) => ({ request: request(i, { q: i }), response: ok({ items: Array.from({ length: 20_000 }, (_, k) => ({ id: k, k: `v${k % 97}`, ok: k % 2 === 0 })) }) }),
      (it) => JSON.stringify(it.response.body.kind === 'json' ? it.response.body.value : '').length,
    ),
  'many-interactions': () =>
    build(
      (i) => ({
        request: request(i, { model: 'gpt-4o', messages: [{ role: 'user', content: `question ${i}` }] }),
        response: ok({ id: `chatcmpl-${i}`, object: 'chat.completion', model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: `answer ${i} `.repeat(40) }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 80, total_tokens: 90 } }),
      }),
      (it) => 800 + JSON.stringify(it.response.body.kind === 'json' ? it.response.body.value : '').length,
    ),
};

async function child(kind: 'load' | 'json-parse', file: string): Promise<void> {
  const t0 = performance.now();
  let n: number;
  if (kind === 'load') n = (await readCassette(file))?.interactions.length ?? 0;
  else n = (JSON.parse(await readFile(file, 'utf8')) as { interactions: unknown[] }).interactions.length;
  const ms = performance.now() - t0;
  console.log(JSON.stringify({ n, ms, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
}

function measure(kind: 'load' | 'json-parse', file: string): { n: number; ms: number; peakRssMb: number } {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, [...process.execArgv, self, '--child', kind, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { n: number; ms: number; peakRssMb: number };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'rehearse-bench-load-'));
  try {
    for (const [scenario, make] of Object.entries(scenarios)) {
      const interactions = make();
      const data = { interactions, metadata: { format: 1, version: 'bench', recordedAt: new Date(0).toISOString(), hosts: ['api.openai.com'] } };
      for (const format of ['yaml', 'json'] as const) {
        const file = join(dir, `${scenario}.${format}`);
        await writeFile(file, serializeCassette(data, { format }));
        const sizeMb = Math.round(((await stat(file)).size / 1024 / 1024) * 10) / 10;
        const r = measure('load', file);
        const line: Record<string, unknown> = { peer: 'rehearse', scenario: `cassette-load-${scenario}`, format, sizeMb, interactions: r.n, loadMs: Math.round(r.ms), peakRssMb: Math.round(r.peakRssMb) };
        if (format === 'json') {
          const floor = measure('json-parse', file);
          line['floor'] = { what: 'bare JSON.parse in a fresh process', loadMs: Math.round(floor.ms), peakRssMb: Math.round(floor.peakRssMb) };
        }
        line['target'] = { loadMs: 5000, peakRssMb: 600 };
        console.log(JSON.stringify(line));
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) await child(process.argv[childAt + 1] as 'load' | 'json-parse', process.argv[childAt + 2] as string);
else await main();
