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
 * The scripted models' call logs (`FunctionModel.calls`) are emptied after every run, as a test's
 * fresh model would be. Each scenario runs in a fresh child process (same starting heap and JIT state whatever ran
 * before it; its peak RSS is its own). Warm-up: two discarded repetitions of N runs (at least 200 runs), so that JIT tiers and V8's heap
 * sizing have settled before anything is timed: the figure is the steady per-run cost, not how
 * large the heap happened to be at start-up (a lighter import starts with a smaller heap, and
 * would otherwise pay its first heap growth inside the timed repetitions).
 *
 * Plain JavaScript so it runs on the built package with plain `node`:
 *   npm run bench                                   (tsx, from src/)
 *   npm run build && node bench/agent-overhead.mjs --dist   (from dist/, no TypeScript loader)
 * Options: --n 2000 (runs per repetition), --only tool-round-trip, --root <checkout> (measure
 * another checkout of rehearse, e.g. an older commit, with this same bench: its src/ or dist/
 * and its own zod; bench/agent-overhead-ab.sh interleaves two checkouts).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
};
const DIST = process.argv.includes('--dist');
const N = Number(arg('--n') ?? 2000);
const ONLY = arg('--only');
const WARMUP = Math.max(200, 2 * N);
const REPS = 5;
const BATCH = 100;
const ROOT = arg('--root');
const rootUrl = ROOT === undefined ? new URL('..', import.meta.url).href : `${pathToFileURL(path.resolve(ROOT)).href}/`;
const { z } = ROOT === undefined ? await import('zod') : await import(new URL('node_modules/zod/index.js', rootUrl).href);
const base = new URL(DIST ? 'dist' : 'src', rootUrl).href;
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
  // as a test's fresh model: the call log of thousands of runs would make the figure one of
  // V8's heap sizing (how much the log has promoted), not of the loop
  clearCalls(s.agent.model);
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
    ...(ROOT === undefined ? {} : { root: ROOT }),
    n: N,
    us_per_run_median: Number(reps[Math.floor(REPS / 2)].toFixed(2)),
    cpu_us_per_run_median: Number(cpu[Math.floor(REPS / 2)].toFixed(2)),
    concurrent_us_per_run: Number(concurrent.toFixed(2)),
    max_rss_mb: Number((peakRss / 1024 / 1024).toFixed(1)),
  });
  console.log(JSON.stringify(line));
}

const CHILD = arg('--child');
const keyOf = (s) => `${s.name}:${s.model}:${s.streamed ? 'streamed' : 'run'}`;
const all = [...scenarios(false), ...scenarios(true)].filter((s) => ONLY === undefined || s.name === ONLY);
if (CHILD === 'floor') {
  await measure({ peer: 'floor', scenario: 'tool-round-trip' }, floorOnce, undefined);
} else if (CHILD !== undefined) {
  const s = all.find((x) => keyOf(x) === CHILD);
  if (s === undefined) throw new Error(`no scenario ${CHILD}`);
  const line = { peer: 'rehearse', scenario: s.name };
  if (s.model !== 'function') line.model = s.model;
  if (s.streamed) line.streamed = true;
  await measure(line, () => once(s), s.agent.model);
} else {
  // each scenario in a fresh process: the same starting heap and JIT state for every scenario,
  // whatever ran before it (and its peak RSS is its own)
  for (const key of ['floor', ...all.map(keyOf)]) {
    const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2), '--child', key], {
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    });
    process.stdout.write(out);
  }
}
