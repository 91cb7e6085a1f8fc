/**
 * The request guard and cassettes (issue 9), and one clear error per failure (issue 11).
 * vitest.setup.ts disallows model requests, as a user's setup file would.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, aroundEach, beforeAll, describe, expect, it } from 'vitest';
import { Agent, ModelHTTPError, ModelRequestsDisallowed, OpenAIChatModel, allowModelRequests, withAllowModelRequests } from '../../runtime/index.js';
import { CassetteMismatch, type MatchOn } from './cassette.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fake-openai-server.js';
import { readCassette } from './format.js';
import { useCassette } from './use-cassette.js';
import { withCassette } from './with-cassette.js';

const noEnv = {};
const fixtures = join(process.cwd(), 'fixtures', 'cassettes', 'cassette');
const retryFixture = join(fixtures, 'with-cassette', 'retry-429-then-200.yaml');
let server: FakeOpenAIServer;
let dir: string;

beforeAll(async () => {
  server = await startFakeOpenAIServer();
  dir = mkdtempSync(join(tmpdir(), 'rehearse-guard-'));
});
afterAll(async () => {
  await server.close();
});

const agentOn = (baseURL: string) => new Agent({ model: new OpenAIChatModel('gpt-4o', { baseURL, apiKey: 'sk-test', maxRetries: 1 }) });

describe('request guard with cassettes', () => {
  it('requests are disallowed in this suite (as a setup file does)', () => {
    expect(allowModelRequests()).toBe(false);
  });

  it('replay-only cassettes serve model requests without allowing them', async () => {
    const r = await withCassette(retryFixture, { mode: 'none', env: noEnv }, () => new Agent({ model: new OpenAIChatModel('gpt-4o', { apiKey: 'sk-test', maxRetries: 1 }) }).run('What is the capital of France?'));
    expect(r.output).toBe('The capital of France is Paris.');
    // `once` with an existing file replays only too
    const path = join(dir, 'once.yaml');
    await withAllowModelRequests(true, () => withCassette(path, { env: noEnv }, () => agentOn(server.baseURL).run('hello')));
    const seen = server.requests.length;
    expect((await withCassette(path, { env: noEnv }, () => agentOn(server.baseURL).run('hello'))).output).toBe('echo: hello');
    expect(server.requests.length).toBe(seen);
  });

  it('streamed runs replay too', async () => {
    const path = join(dir, 'stream.yaml');
    const run = async () => {
      const stream = await agentOn(server.baseURL).runStream('stream please');
      return stream.getOutput();
    };
    const recorded = await withAllowModelRequests(true, () => withCassette(path, { env: noEnv }, run));
    expect(await withCassette(path, { mode: 'none', env: noEnv }, run)).toBe(recorded);
  });

  for (const [label, mode, prepare] of [
    ["'once' without a file", 'once', false],
    ["'new-episodes'", 'new-episodes', true],
    ["'all'", 'all', true],
  ] as const) {
    it(`recording (${label}) still needs requests allowed, and the message says so`, async () => {
      const path = join(dir, `rec-${mode}.yaml`);
      if (prepare) await withAllowModelRequests(true, () => withCassette(path, { env: noEnv }, () => agentOn(server.baseURL).run('first')));
      const seen = server.requests.length;
      const err = await withCassette(path, { mode, env: noEnv, allowUnplayed: true }, () => agentOn(server.baseURL).run('second')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelRequestsDisallowed);
      const message = (err as Error).message;
      expect(message).toContain(`while cassette ${path} (mode '${mode}'`);
      expect(message).toContain('recording sends real requests');
      expect(message).toContain('setAllowModelRequests(true)');
      expect(message).not.toContain('or a cassette');
      expect(server.requests.length).toBe(seen);
      // allowed, it records
      const ok = await withAllowModelRequests(true, () => withCassette(path, { mode, env: noEnv, allowUnplayed: true }, () => agentOn(server.baseURL).run('second')));
      expect(ok.output).toBe('echo: second');
    });
  }

  it('outside a cassette, or to a passthrough host, the request is real and the usual message applies', async () => {
    const outside = await agentOn(server.baseURL).run('x').catch((e: unknown) => e);
    expect(outside).toBeInstanceOf(ModelRequestsDisallowed);
    expect((outside as Error).message).toContain('Use TestModel, FunctionModel or a cassette');
    const pass = await withCassette(join(dir, 'pass.yaml'), { mode: 'none', env: noEnv, passthroughHosts: ['127.0.0.1'] }, () => agentOn(server.baseURL).run('x')).catch((e: unknown) => e);
    expect(pass).toBeInstanceOf(ModelRequestsDisallowed);
    expect((pass as Error).message).toContain('Use TestModel, FunctionModel or a cassette');
  });

  it('a test context without a cassette is not let through by a replaying cassette elsewhere', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const inside = withCassette(retryFixture, { mode: 'none', env: noEnv, allowUnplayed: true }, () => held);
    await new Promise((r) => setTimeout(r, 20));
    await expect(agentOn(server.baseURL).run('x')).rejects.toBeInstanceOf(ModelRequestsDisallowed);
    release();
    await inside;
  });
});

describe('one clear error per failure', () => {
  it('a replay miss through the model is the CassetteMismatch itself: not wrapped, no cause, thrown once', async () => {
    const path = join(dir, 'miss.yaml');
    await withAllowModelRequests(true, () => withCassette(path, { env: noEnv }, () => agentOn(server.baseURL).run('What is the capital of France?')));
    let inside: unknown;
    const err = await withCassette(path, { mode: 'none', env: noEnv, allowUnplayed: true }, async () => {
      try {
        return await agentOn(server.baseURL).run('What is the capital of Spain?');
      } catch (e) {
        inside = e;
        throw e;
      }
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CassetteMismatch);
    expect(err).toBe(inside);
    expect(err).not.toBeInstanceOf(ModelHTTPError);
    expect((err as Error).cause).toBeUndefined();
    const message = (err as Error).message;
    expect(message.split('Body diff').length).toBe(2);
    expect(message).not.toContain('\\"');
  });

  it('a replay miss through the raw SDK is rethrown as the CassetteMismatch, the SDK error as its cause', async () => {
    const path = join(dir, 'miss-sdk.yaml');
    await withAllowModelRequests(true, () => withCassette(path, { env: noEnv }, () => agentOn(server.baseURL).run('a')));
    const err = await withCassette(path, { mode: 'none', env: noEnv, allowUnplayed: true }, () =>
      new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL }).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'b' }] }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CassetteMismatch);
    expect(((err as Error).cause as { status?: number }).status).toBe(599);
  });

  let reported: ({ name: string; message: string } & Record<string, unknown>)[] = [];
  // fixtures/cassettes/cassette/guard/paris.yaml: one recorded "capital of France" exchange
  const committed = { dir: fixtures, name: 'paris', matchOn: ['method', 'path', 'body'] as MatchOn[] };
  describe('in vitest', () => {
    aroundEach(async (runTest, { task }) => {
      await runTest();
      reported = (task.result?.errors ?? []).map((e) => ({ ...e, name: String(e.name), message: String(e.message) }));
    });
    it.fails('a replay miss fails the test (useCassette + model)', async () => {
      await useCassette({ ...committed, mode: 'none', env: noEnv, allowUnplayed: true });
      await new Agent({ model: new OpenAIChatModel('gpt-4o', { apiKey: 'sk-test' }) }).run('What is the capital of Spain?');
    });
    it('…reported once, as the CassetteMismatch', () => {
      expect(reported.map((e) => e.name)).toEqual(['CassetteMismatch']);
      expect(reported[0]?.message.split('Body diff').length).toBe(2);
      // vitest prints an error's `diff` property after the message: there is none to print
      expect(reported[0]).not.toHaveProperty('diff');
    });
    it.fails('a replay miss fails the test (useCassette + raw SDK)', async () => {
      await useCassette({ ...committed, mode: 'none', env: noEnv, allowUnplayed: true });
      await new OpenAI({ apiKey: 'sk-test', maxRetries: 0 }).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'What is the capital of Spain?' }] });
    });
    it('…reported once', () => {
      expect(reported).toHaveLength(1);
      expect(reported[0]?.message).toContain('No recorded interaction in cassette');
    });
  });

  it('useCassette() outside vitest says so, and rehearse/testing loads with require() (no top-level await)', () => {
    const script = [
      "const t = require('./src/testing/index.ts');",
      "t.useCassette().then(() => console.log('no error'), (e) => console.log(e.name + ': ' + e.message));",
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: process.cwd(), encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(out.trim()).toBe(
      "UserError: useCassette() works only inside a vitest test: it('…', async () => { await useCassette(); … }). Elsewhere (node:test, scripts, evals) use withCassette(path, options, fn).",
    );
  });
});

it('recorded cassettes in this file are well-formed', async () => {
  expect((await readCassette(join(dir, 'once.yaml')))?.interactions).toHaveLength(1);
});
