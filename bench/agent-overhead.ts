/**
 * Per-run overhead of the agent loop with instant scripted models. Prints one JSON line per
 * scenario: median µs per run over 5 repetitions of N sequential runs (after warm-up), µs per
 * run with batches of 100 runs in flight, and peak RSS. Each run's output and tool-call count is
 * asserted so the figure is for the real path.
 *
 * Usage: npm run bench  (or: tsx bench/agent-overhead.ts [--n 2000])
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { Agent, tool } from '../src/runtime/index.js';
import type { Model, ModelMessage, ModelResponsePart } from '../src/runtime/index.js';
import { FunctionModel, TestModel } from '../src/testing/index.js';

const nFlag = process.argv.indexOf('--n');
const N = nFlag === -1 ? 2000 : Number(process.argv[nFlag + 1]);
const WARMUP = 200;
const REPS = 5;
const BATCH = 100;

interface Scenario {
  name: 'tool-round-trip' | 'plain-text' | 'structured-output';
  model: string;
  streamed: boolean;
  agent: Agent<undefined, unknown>;
  check: (output: unknown, toolCalls: number) => void;
}

const weather = tool({ name: 'get_weather', parameters: z.object({ city: z.string() }), execute: () => 'sunny' });
const Weather = z.object({ city: z.string(), temperature_c: z.number() });

function functionScenarios(streamed: boolean): Scenario[] {
  const roundTrip = (messages: ModelMessage[]): ModelResponsePart[] =>
    messages.length === 1
      ? [{ partKind: 'tool-call', toolName: 'get_weather', args: { city: 'Paris' }, toolCallId: 'c1' }]
      : [{ partKind: 'text', content: 'It is sunny in Paris.' }];
  const fm = (fn: (m: ModelMessage[]) => ModelResponsePart[]): Model =>
    new FunctionModel(
      (m) => fn(m),
      {
        stream: async function* (m) {
          for (const p of fn(m)) {
            if (p.partKind === 'text') yield p.content;
            else if (p.partKind === 'tool-call') yield { 0: { name: p.toolName, jsonArgs: JSON.stringify(p.args), toolCallId: p.toolCallId } };
          }
        },
      },
    );
  return [
    {
      name: 'tool-round-trip',
      model: 'function',
      streamed,
      agent: new Agent({ model: fm(roundTrip), tools: [weather] }) as Agent<undefined, unknown>,
      check: (o, t) => assert.ok(o === 'It is sunny in Paris.' && t === 1, `got ${String(o)} / ${t}`),
    },
    {
      name: 'plain-text',
      model: 'function',
      streamed,
      agent: new Agent({ model: fm(() => [{ partKind: 'text', content: 'Paris' }]) }) as Agent<undefined, unknown>,
      check: (o, t) => assert.ok(o === 'Paris' && t === 0),
    },
    {
      name: 'structured-output',
      model: 'function',
      streamed,
      agent: new Agent({
        model: fm(() => [{ partKind: 'tool-call', toolName: 'final_result', args: { city: 'Paris', temperature_c: 21 }, toolCallId: 'o' }]),
        outputType: Weather,
      }) as Agent<undefined, unknown>,
      check: (o, t) => assert.ok((o as { city: string }).city === 'Paris' && (o as { temperature_c: number }).temperature_c === 21 && t === 0),
    },
  ];
}

function testScenarios(streamed: boolean): Scenario[] {
  return [
    {
      name: 'tool-round-trip',
      model: 'test',
      streamed,
      agent: new Agent({ model: new TestModel(), tools: [weather] }) as Agent<undefined, unknown>,
      check: (o, t) => assert.ok(o === '{"get_weather":"sunny"}' && t === 1, `got ${String(o)} / ${t}`),
    },
    {
      name: 'plain-text',
      model: 'test',
      streamed,
      agent: new Agent({ model: new TestModel({ customOutputText: 'Paris' }) }) as Agent<undefined, unknown>,
      check: (o, t) => assert.ok(o === 'Paris' && t === 0),
    },
    {
      name: 'structured-output',
      model: 'test',
      streamed,
      agent: new Agent({ model: new TestModel({ customOutputArgs: { city: 'Paris', temperature_c: 21 } }), outputType: Weather }) as Agent<undefined, unknown>,
      check: (o, t) => assert.ok((o as { city: string }).city === 'Paris' && t === 0),
    },
  ];
}

async function once(s: Scenario): Promise<void> {
  if (s.streamed) {
    const stream = await s.agent.runStream('What is the weather in Paris?');
    const output = await stream.getOutput();
    s.check(output, stream.usage().toolCalls);
  } else {
    const r = await s.agent.run('What is the weather in Paris?');
    s.check(r.output, r.usage().toolCalls);
  }
}

let peakRss = 0;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

async function measure(s: Scenario): Promise<void> {
  for (let i = 0; i < WARMUP; i++) await once(s);
  const reps: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await once(s);
    reps.push(((performance.now() - t0) * 1000) / N);
    sampleRss();
  }
  reps.sort((a, b) => a - b);
  const t0 = performance.now();
  for (let done = 0; done < N; done += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, N - done) }, () => once(s)));
    sampleRss();
  }
  const concurrent = ((performance.now() - t0) * 1000) / N;
  const line: Record<string, unknown> = { peer: 'rehearse', scenario: s.name };
  if (s.model !== 'function') line['model'] = s.model;
  if (s.streamed) line['streamed'] = true;
  Object.assign(line, {
    n: N,
    us_per_run_median: Number(reps[Math.floor(REPS / 2)]!.toFixed(2)),
    concurrent_us_per_run: Number(concurrent.toFixed(2)),
    max_rss_mb: Number((peakRss / 1024 / 1024).toFixed(1)),
  });
  console.log(JSON.stringify(line));
}

for (const s of [...functionScenarios(false), ...testScenarios(false), ...testScenarios(true)]) await measure(s);
