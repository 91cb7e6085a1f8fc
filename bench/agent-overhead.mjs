/**
 * Per-run overhead of the agent loop with instant scripted models. Prints one JSON line per
 * scenario: median µs per run over 5 repetitions of N sequential runs (after warm-up) in wall
 * time and in CPU time of this process (`cpu_us_per_run_median`, the figure that holds on a
 * shared, loaded machine), µs per run with batches of 100 runs in flight, and peak RSS. Each run's output and tool-call count is
 * asserted so the figure is for the real path.
 *
 * Beside rehearse, a `floor` peer does the tool round trip by hand (no framework): call the
 * scripted model, validate the tool arguments with the same zod schema, run the tool, append
 * the tool return, call the model again — the least any loop can cost on this machine, measured
 * in the same process.
 *
 * Plain JavaScript so it runs on the built package with plain `node`:
 *   npm run bench                                   (tsx, from src/)
 *   npm run build && node bench/agent-overhead.mjs --dist   (from dist/, no TypeScript loader)
 * Options: --n 2000 (runs per repetition), --only tool-round-trip
 */
import assert from 'node:assert/strict';
import { z } from 'zod';

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};
const DIST = process.argv.includes('--dist');
const N = Number(arg('--n') ?? 2000);
const ONLY = arg('--only');
const WARMUP = 200;
const REPS = 5;
const BATCH = 100;
const base = DIST ? '../dist' : '../src';
const { Agent, tool } = await import(`${base}/runtime/index.js`);
const { FunctionModel, TestModel } = await import(`${base}/testing/index.js`);
const BUILD = DIST ? 'dist' : 'src';

const PROMPT = 'What is the weather in Paris?';
const weatherArgs = z.object({ city: z.string() });
const weather = tool({ name: 'get_weather', parameters: weatherArgs, execute: () => 'sunny' });
const Weather = z.object({ city: z.string(), temperature_c: z.number() });

const roundTrip = (messages) =>
  messages.length === 1
    ? [{ partKind: 'tool-call', toolName: 'get_weather', args: { city: 'Paris' }, toolCallId: 'c1' }]
    : [{ partKind: 'text', content: 'It is sunny in Paris.' }];

/** A FunctionModel over `fn`, streaming too; its call log is cleared so it does not grow over the bench. */
function fm(fn) {
  const model = new FunctionModel((m) => fn(m), {
    stream: async function* (m) {
      for (const p of fn(m)) {
        if (p.partKind === 'text') yield p.content;
        else yield { 0: { name: p.toolName, jsonArgs: JSON.stringify(p.args), toolCallId: p.toolCallId } };
      }
    },
  });
  return model;
}

function scenarios(streamed) {
  const fnScenarios = [
    {
      name: 'tool-round-trip',
      model: 'function',
      agent: new Agent({ model: fm(roundTrip), tools: [weather] }),
      check: (o, t) => assert.ok(o === 'It is sunny in Paris.' && t === 1, `got ${String(o)} / ${t}`),
    },
    {
      name: 'plain-text',
      model: 'function',
      agent: new Agent({ model: fm(() => [{ partKind: 'text', content: 'Paris' }]) }),
      check: (o, t) => assert.ok(o === 'Paris' && t === 0),
    },
    {
      name: 'structured-output',
      model: 'function',
      agent: new Agent({ model: fm(() => [{ partKind: 'tool-call', toolName: 'final_result', args: { city: 'Paris', temperature_c: 21 }, toolCallId: 'o' }]), outputType: Weather }),
      check: (o, t) => assert.ok(o.city === 'Paris' && o.temperature_c === 21 && t === 0),
    },
  ];
  const testScenarios = [
    {
      name: 'tool-round-trip',
      model: 'test',
      agent: new Agent({ model: new TestModel(), tools: [weather] }),
      check: (o, t) => assert.ok(o === '{"get_weather":"sunny"}' && t === 1, `got ${String(o)} / ${t}`),
    },
    {
      name: 'plain-text',
      model: 'test',
      agent: new Agent({ model: new TestModel({ customOutputText: 'Paris' }) }),
      check: (o, t) => assert.ok(o === 'Paris' && t === 0),
    },
    {
      name: 'structured-output',
      model: 'test',
      agent: new Agent({ model: new TestModel({ customOutputArgs: { city: 'Paris', temperature_c: 21 } }), outputType: Weather }),
      check: (o, t) => assert.ok(o.city === 'Paris' && t === 0),
    },
  ];
  return (streamed ? testScenarios : [...fnScenarios, ...testScenarios]).map((s) => ({ ...s, streamed }));
}

function clearCalls(agentModel) {
  if (agentModel && Array.isArray(agentModel.calls)) agentModel.calls.length = 0;
}

async function once(s) {
  if (s.streamed) {
    const stream = await s.agent.runStream(PROMPT);
    s.check(await stream.getOutput(), stream.usage().toolCalls);
  } else {
    const r = await s.agent.run(PROMPT);
    s.check(r.output, r.usage().toolCalls);
  }
}

/** The hand-written loop: the same model function, zod validation and tool, no framework. */
const floorModel = async (messages) => roundTrip(messages);
async function floorOnce() {
  const messages = [{ kind: 'request', parts: [{ partKind: 'user-prompt', content: PROMPT }] }];
  let toolCalls = 0;
  for (;;) {
    const parts = await floorModel(messages.slice());
    messages.push({ kind: 'response', parts });
    const calls = parts.filter((p) => p.partKind === 'tool-call');
    if (calls.length === 0) {
      const output = parts.map((p) => p.content).join('');
      assert.ok(output === 'It is sunny in Paris.' && toolCalls === 1);
      return;
    }
    const returns = [];
    for (const c of calls) {
      const args = weatherArgs.parse(c.args);
      returns.push({ partKind: 'tool-return', toolName: c.toolName, toolCallId: c.toolCallId, content: await weather.execute(args) });
      toolCalls++;
    }
    messages.push({ kind: 'request', parts: returns });
  }
}

let peakRss = 0;
const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));

async function measure(line, run, model) {
  for (let i = 0; i < WARMUP; i++) await run();
  const reps = [];
  const cpu = [];
  for (let r = 0; r < REPS; r++) {
    clearCalls(model);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await run();
    reps.push(((performance.now() - t0) * 1000) / N);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / N);
    sampleRss();
  }
  reps.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  clearCalls(model);
  const t0 = performance.now();
  for (let done = 0; done < N; done += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, N - done) }, () => run()));
    sampleRss();
  }
  clearCalls(model);
  const concurrent = ((performance.now() - t0) * 1000) / N;
  Object.assign(line, {
    build: BUILD,
    n: N,
    us_per_run_median: Number(reps[Math.floor(REPS / 2)].toFixed(2)),
    cpu_us_per_run_median: Number(cpu[Math.floor(REPS / 2)].toFixed(2)),
    concurrent_us_per_run: Number(concurrent.toFixed(2)),
    max_rss_mb: Number((peakRss / 1024 / 1024).toFixed(1)),
  });
  console.log(JSON.stringify(line));
}

await measure({ peer: 'floor', scenario: 'tool-round-trip' }, floorOnce, undefined);
for (const s of [...scenarios(false), ...scenarios(true)]) {
  if (ONLY !== undefined && s.name !== ONLY) continue;
  const line = { peer: 'rehearse', scenario: s.name };
  if (s.model !== 'function') line.model = s.model;
  if (s.streamed) line.streamed = true;
  const model = s.agent.model;
  await measure(line, () => once(s), model);
}
