/**
 * Proved by a crash: a durable agent runs in a child process against a fake OpenAI server on
 * 127.0.0.1 (or a cassette); the child is SIGKILLed while its slow tool runs, after the first
 * model request completed; a new process with the same executor id recovers the workflow. The
 * completed request is not sent again and the output equals an uninterrupted run's.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer } from '../testing/cassette/fake-openai-server.js';
import type { FakeOpenAIServer, FakeRequest } from '../testing/cassette/fake-openai-server.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import type { EmbeddedPostgres } from './embedded-postgres.js';

const CHILD = fileURLToPath(new URL('./test-helpers/durable-child.ts', import.meta.url));

/** First request: call the slow tool; after a tool result: answer with it. */
function respond(req: FakeRequest, res: import('node:http').ServerResponse): void {
  const body = req.body as { model: string; messages: { role: string; content?: unknown }[] };
  const toolMsg = body.messages.find((m) => m.role === 'tool');
  const message = toolMsg
    ? { role: 'assistant', content: `It is ${String(toolMsg.content)}.`, refusal: null }
    : { role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'slow_lookup', arguments: '{"city":"Paris"}' } }] };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: `chatcmpl-${toolMsg ? 2 : 1}`,
      object: 'chat.completion',
      created: 1_700_000_000,
      model: body.model,
      choices: [{ index: 0, message, finish_reason: toolMsg ? 'stop' : 'tool_calls', logprobs: null }],
      usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
    }),
  );
}

interface ChildResult {
  output: string;
  messages: number;
  played?: boolean[];
  calls: number;
}

interface Child {
  proc: ChildProcess;
  toolStarted: Promise<void>;
  result: Promise<ChildResult>;
}

let pg: EmbeddedPostgres;
let dir: string;
const servers: FakeOpenAIServer[] = [];

/**
 * Each test has its own fake server, counting only its requests, and its own system database
 * (tests run concurrently, and DBOS recovery re-enqueues work that any process of the same
 * application on that database may pick up).
 */
async function fakeServer(database: string): Promise<{ server: FakeOpenAIServer; url: string }> {
  const server = await startFakeOpenAIServer({ respond });
  servers.push(server);
  const url = new URL(pg.url);
  url.pathname = `/${database}`;
  return { server, url: url.toString() };
}

function child(t: { server: FakeOpenAIServer; url: string }, env: Record<string, string>): Child {
  const server = t.server;
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: { ...process.env, DATABASE_URL: t.url, OPENAI_BASE_URL: server.baseURL, TOOL_MS: '10', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let onTool: () => void = () => undefined;
  const toolStarted = new Promise<void>((r) => (onTool = r));
  proc.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    if (out.includes('tool-started')) onTool();
  });
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const result = new Promise<ChildResult>((resolve, reject) => {
    proc.on('exit', (code, signal) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (line) resolve(JSON.parse(line.slice(7)) as ChildResult);
      else reject(new Error(`child exited (${code ?? signal}) without a result\n${out}\n${err}`));
    });
  });
  result.catch(() => undefined);
  return { proc, toolStarted, result };
}

async function killAfterToolStarts(c: Child): Promise<void> {
  await c.toolStarted;
  const exited = new Promise((r) => c.proc.on('exit', r));
  c.proc.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  [pg, dir] = await Promise.all([startEmbeddedPostgres(), mkdtemp(join(tmpdir(), 'rehearse-crash-'))]);
}, 120_000);
afterAll(async () => {
  await Promise.all([pg?.stop(), ...servers.map((s) => s.close()), dir ? rm(dir, { recursive: true, force: true }) : undefined]);
}, 60_000);

describe.concurrent('crash recovery of a durable agent', () => {
  it('against a fake server: SIGKILL mid-tool, recovered by the same executor id, no completed request re-sent', async () => {
    const t = await fakeServer('crash_server');
    const server = t.server;
    const before = server.requests.length;
    const uninterrupted = await child(t, { EXECUTOR_ID: 'exec-a', WORKFLOW_ID: 'wf-plain', PHASE: 'start' }).result;
    expect(server.requests.length - before).toBe(2);
    expect(uninterrupted.output).toBe('It is Paris: 21 degrees.');

    const start = server.requests.length;
    const doomed = child(t, { EXECUTOR_ID: 'exec-b', WORKFLOW_ID: 'wf-crash', PHASE: 'start', TOOL_MS: '600000' });
    await killAfterToolStarts(doomed);
    expect(server.requests.length - start).toBe(1);

    const recovered = await child(t, { EXECUTOR_ID: 'exec-b', WORKFLOW_ID: 'wf-crash', PHASE: 'recover' }).result;
    expect(recovered).toEqual({ ...uninterrupted });
    // one request before the crash, one after: the first was not sent again
    expect(server.requests.length - start).toBe(2);
    const sent = server.requests.slice(start).map((r) => (r.body as { messages: unknown[] }).messages.length);
    expect(sent).toEqual([1, 3]);
    // the request after recovery is the uninterrupted run's second request
    expect(server.requests[start + 1]!.body).toEqual(server.requests[before + 1]!.body);
  }, 300_000);

  it('with a cassette: the recovered process replays only the request after the crash', async () => {
    const t = await fakeServer('crash_cassette');
    const server = t.server;
    const cassette = join(dir, 'crash.yaml');
    const recorded = await child(t, { EXECUTOR_ID: 'exec-c', WORKFLOW_ID: 'wf-rec', PHASE: 'start', CASSETTE: cassette, CASSETTE_MODE: 'all' }).result;
    expect(recorded.output).toBe('It is Paris: 21 degrees.');

    const offline = server.requests.length;
    const doomed = child(t, { EXECUTOR_ID: 'exec-d', WORKFLOW_ID: 'wf-cas', PHASE: 'start', TOOL_MS: '600000', CASSETTE: cassette, CASSETTE_MODE: 'none' });
    await killAfterToolStarts(doomed);
    const recovered = await child(t, { EXECUTOR_ID: 'exec-d', WORKFLOW_ID: 'wf-cas', PHASE: 'recover', CASSETTE: cassette, CASSETTE_MODE: 'none' }).result;
    expect(recovered.output).toBe(recorded.output);
    expect(recovered.messages).toBe(recorded.messages);
    // interaction 1 came from the step record, only interaction 2 was replayed
    expect(recovered.played).toEqual([false, true]);
    expect(server.requests.length).toBe(offline);
  }, 300_000);

  it('with a FunctionModel behind override: after recovery only the request after the crash reaches it', async () => {
    const t = await fakeServer('crash_function');
    const server = t.server;
    const doomed = child(t, { EXECUTOR_ID: 'exec-f', WORKFLOW_ID: 'wf-fn', PHASE: 'start', TOOL_MS: '600000', MODEL: 'function' });
    await killAfterToolStarts(doomed);
    const recovered = await child(t, { EXECUTOR_ID: 'exec-f', WORKFLOW_ID: 'wf-fn', PHASE: 'recover', MODEL: 'function' }).result;
    // an uninterrupted run (the fake-server test compares with one) makes 2 calls; after the crash only 1 is left
    expect(recovered).toMatchObject({ output: 'It is Paris: 21 degrees.', messages: 4, calls: 1 });
    expect(server.requests).toHaveLength(0); // the override's FunctionModel answered every request
  }, 300_000);
});
