import { existsSync, mkdtempSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, aroundEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fake-openai-server.js';
import { readCassette } from './format.js';
import { cassettePathForTest, sanitizeTestName, useCassette, useCassettePerTest } from './use-cassette.js';
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
    expect(cassettePathForTest({ testPath: '/r/foo.test.ts', testName: 't', root: '/c', format: 'json' })).toBe('/c/foo/t.json');
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

  it('records in JSON with format: json', async () => {
    const cassette = await useCassette({ dir, env: noEnv, format: 'json' });
    expect(cassette.path.endsWith('useCassette__records-in-JSON-with-format-json.json')).toBe(true);
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL });
    expect((await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'json' }] })).choices[0]?.message.content).toBe('echo: json');
  });

  it('wrote the previous recording as JSON, which replays', async () => {
    const path = join(dir, 'use-cassette', 'useCassette__records-in-JSON-with-format-json.json');
    const text = await readFile(path, 'utf8');
    expect((JSON.parse(text) as { interactions: unknown[] }).interactions).toHaveLength(1);
    expect((await readCassette(path))?.interactions[0]?.request.uri).toMatch(/\/chat\/completions$/);
    await expect(useCassette({ dir, env: noEnv, format: 'xml' as 'json' })).rejects.toThrow("useCassette: format must be 'yaml' or 'json', got \"xml\"");
  });
});

const ask = async (client: OpenAI, content: string): Promise<string | null | undefined> =>
  (await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] })).choices[0]?.message.content;

describe('useCassettePerTest', () => {
  describe('replay', () => {
    // registered first, so it wraps the cassette's aroundEach and sees the test's final result
    aroundEach(async (runTest, { task }) => {
      await runTest();
      if (task.name.startsWith('fails the test')) unplayedErrors = [...(task.result?.errors ?? [])];
    });
    useCassettePerTest({ dir: fixtures, mode: 'none', env: noEnv });

    it("replays this test's own cassette", async () => {
      expect(activeCassette()?.path).toBe(join(fixtures, 'use-cassette', 'useCassettePerTest__replay__replays-this-test-s-own-cassette.yaml'));
      expect(await ask(new OpenAI({ apiKey: 'sk-test' }), 'What is the capital of France?')).toBe('The capital of France is Paris.');
    });

    describe('nested', () => {
      it('nested describes get their own cassette too', async () => {
        // the same name vitest reports for the test, sanitised
        const { testPath, currentTestName } = expect.getState();
        expect(activeCassette()?.path).toBe(cassettePathForTest({ testPath: testPath ?? '', testName: currentTestName ?? '', root: fixtures }));
        expect(activeCassette()?.path).toContain('useCassettePerTest__replay__nested__nested-describes');
        expect(await ask(new OpenAI({ apiKey: 'sk-test' }), 'What is the capital of France?')).toBe('The capital of France is Paris.');
      });
    });

    it.fails('fails the test when its cassette is left unplayed', () => {
      // no request: the cassette's one interaction stays unplayed
      expect(activeCassette()?.fileExists).toBe(true);
    });
  });

  let unplayedErrors: unknown[] = [];
  it('failed the previous test with CassetteUnplayed, and stopped its cassette', () => {
    expect(activeCassette()).toBeUndefined();
    expect(unplayedErrors.map((e) => (e as Error).message)).toEqual([expect.stringContaining('played 0/1; unused: #1')]);
  });

  const recordDir = mkdtempSync(join(tmpdir(), 'rehearse-per-test-'));
  describe('record', () => {
    let server: FakeOpenAIServer;
    beforeAll(async () => {
      server = await startFakeOpenAIServer();
    });
    afterAll(async () => {
      await server.close();
    });
    useCassettePerTest({ dir: recordDir, env: noEnv });

    it('first', async () => {
      expect(activeCassette()?.records).toBe(true);
      expect(await ask(new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL }), 'one')).toBe('echo: one');
    });
    it('second', async () => {
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: server.baseURL });
      expect([await ask(client, 'two'), await ask(client, 'three')]).toEqual(['echo: two', 'echo: three']);
    });
  });

  it('wrote one cassette per test of the previous describe', async () => {
    const at = (name: string): string => join(recordDir, 'use-cassette', `useCassettePerTest__record__${name}.yaml`);
    expect((await readCassette(at('first')))?.interactions).toHaveLength(1);
    expect((await readCassette(at('second')))?.interactions).toHaveLength(2);
  });

  it('refuses to run outside vitest collection', async () => {
    const { execFileSync } = await import('node:child_process');
    const script = "import('./src/testing/cassette/use-cassette.ts').then((m) => { try { m.useCassettePerTest(); } catch (e) { console.log(e.name + ': ' + e.message); } })";
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: process.cwd(), encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    expect(out.trim()).toBe('UserError: useCassettePerTest() must be called in a vitest test file, inside describe() or at its top level.');
  });
});
