import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fake-openai-server.js';
import { readCassette } from './format.js';
import { cassettePathForTest, sanitizeTestName, useCassette } from './use-cassette.js';
import { activeCassette } from './with-cassette.js';

const fixtures = join(process.cwd(), 'fixtures', 'cassettes', 'cassette');
const noEnv = {};

describe('cassette naming', () => {
  it('names fixtures/cassettes/<test-file>/<sanitised test name>.yaml', () => {
    expect(sanitizeTestName('agent > calls a tool: weather/2 "now"')).toBe('agent__calls-a-tool-weather-2-now');
    expect(sanitizeTestName('test_tool_choice_matrix[auto-openai]')).toBe('test_tool_choice_matrix[auto-openai]');
    expect(sanitizeTestName(' > ')).toBe('unnamed');
    expect(cassettePathForTest({ testPath: '/repo/src/x/agent.test.ts', testName: 'a > b c', root: '/repo/fixtures/cassettes' })).toBe(
      '/repo/fixtures/cassettes/agent/a__b-c.yaml',
    );
    expect(cassettePathForTest({ testPath: '/r/foo.spec.mts', testName: 't', root: '/c' })).toBe('/c/foo/t.yaml');
  });
});

describe('useCassette', () => {
  let server: FakeOpenAIServer;
  let dir: string;
  beforeAll(async () => {
    server = await startFakeOpenAIServer();
    dir = await mkdtemp(join(tmpdir(), 'rehearse-use-cassette-'));
  });
  afterAll(async () => {
    await server.close();
  });

  it('replays a committed cassette named after the test', async () => {
    const cassette = await useCassette({ dir: fixtures, mode: 'none', env: noEnv });
    expect(cassette.path).toBe(join(fixtures, 'use-cassette', 'useCassette__replays-a-committed-cassette-named-after-the-test.yaml'));
    const client = new OpenAI({ apiKey: 'sk-test' });
    const r = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'What is the capital of France?' }] });
    expect(r.choices[0]?.message.content).toBe('The capital of France is Paris.');
  });

  let unplayedErrors: unknown[] = [];
  it.fails('fails the test when interactions are left unplayed', async () => {
    onTestFinished((ctx) => {
      unplayedErrors = [...(ctx.task.result?.errors ?? [])];
    });
    await useCassette({ dir: fixtures, mode: 'none', env: noEnv });
    // no request: the cassette's one interaction stays unplayed, and onTestFinished fails the test
  });

  it('failed the previous test with CassetteUnplayed', () => {
    expect(unplayedErrors.map((e) => (e as Error).message)).toEqual([expect.stringContaining('played 0/1; unused: #1')]);
  });

  it('records into a new cassette and writes it when the test passes', async () => {
    const cassette = await useCassette({ dir, env: noEnv });
    expect(cassette.records).toBe(true);
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL });
    const r = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'rec' }] });
    expect(r.choices[0]?.message.content).toBe('echo: rec');
  });

  it('wrote the recording of the previous test and stopped its cassette', async () => {
    expect(activeCassette()).toBeUndefined();
    const path = join(dir, 'use-cassette', 'useCassette__records-into-a-new-cassette-and-writes-it-when-the-test-passes.yaml');
    expect(existsSync(path)).toBe(true);
    expect((await readCassette(path))?.interactions).toHaveLength(1);
  });
});
