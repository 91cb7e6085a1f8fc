import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCassetteCommands, runCassetteCli } from './cli.js';

const corpus = join(process.cwd(), 'fixtures', 'cassettes', 'cassette', 'corpus');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCassetteCli(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

describe('rehearse cassette inspect', () => {
  it('prints a summary table of a JSON cassette', async () => {
    const r = await run(['cassette', 'inspect', join(corpus, 'test_openai_instructions_with_tool_calls_keep_instructions.yaml')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('VCR.py (foreign)');
    expect(r.out).toMatch(/2 interaction\(s\), \d+ input tokens, \d+ output tokens/);
    expect(r.out).toContain('api.openai.com/v1/chat/completions');
    expect(r.out).toMatch(/│ 1 +│ POST/);
    expect(r.out).toContain('gpt-4.1-mini');
  });

  it('shows streamed interactions with their event count and usage', async () => {
    const r = await run(['cassette', 'inspect', join(corpus, 'test_temporal_agent_run_stream.yaml')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/yes \(\d+ events\)/);
    expect(r.out).toMatch(/1 interaction\(s\), [1-9]\d* input tokens/);
  });

  it('exits 1 with the path and line for a malformed file, 2 for bad usage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rehearse-cli-'));
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'interactions: [\n');
    const r = await run(['cassette', 'inspect', bad]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`Malformed cassette ${bad}:`);
    expect((await run(['cassette', 'inspect'])).code).toBe(2);
    expect((await run(['cassette', 'inspect', join(dir, 'nope.yaml')])).code).toBe(1);
  });
});

describe('rehearse cassette redact-check', () => {
  it('exits 0 on the clean corpus', async () => {
    const r = await run(['cassette', 'redact-check', join(process.cwd(), 'fixtures', 'cassettes')]);
    expect(r.out).toMatch(/redact-check: \d+ file\(s\) clean/);
    expect(r.code).toBe(0);
  });

  it('exits 1 and names the file and location of a secret, masked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rehearse-cli-'));
    await mkdir(join(dir, 'sub'));
    await cp(join(corpus, 'test_valid_response.yaml'), join(dir, 'clean.yaml'));
    const secret = ['sk', 'proj', 'abcdefghijklmnopqrstuvwxyz0123'].join('-'); // built at run time: no key-like literal in the tree
    await writeFile(
      join(dir, 'sub', 'leak.yaml'),
      `interactions:\n- request:\n    method: POST\n    uri: https://api.openai.com/v1/x\n    headers:\n      authorization: [Bearer ${secret}]\n    parsed_body: {key: ${secret}}\n  response:\n    status: {code: 200, message: OK}\n    body: {string: ''}\nversion: 1\n`,
    );
    await writeFile(join(dir, 'notes.yml'), `not: [a cassette\ntoken: ${secret}\n`);
    const r = await run(['cassette', 'redact-check', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('leak.yaml:6: interactions[0].request.headers.authorization[0]');
    expect(r.out).toContain("leak.yaml:7: interactions[0].request.body.key: sk-pro… (38 chars) (secret name 'key')");
    expect(r.out).toContain('notes.yml:2: line 2: sk-pro… (38 chars) (sk- key)');
    expect(r.out).toContain('redact-check: secrets found in 2 of 3 file(s)');
    expect(r.out).not.toContain(secret);
  });

  it('uses the same detector: secret names, environment secrets, and temp files of interrupted writes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rehearse-cli-'));
    const envSecret = ['Qw9', 'Er8Ty7Ui6Op5'].join('');
    const name = 'REHEARSE_CLI_TEST_API_KEY';
    await writeFile(
      join(dir, 'a.yaml'),
      `interactions:\n- request:\n    method: GET\n    uri: https://api.example.com/v1/${envSecret}\n    headers:\n      x-functions-key: [abcdefgh]\n  response:\n    status: {code: 200, message: OK}\n    body: {string: ''}\nversion: 1\n`,
    );
    await writeFile(join(dir, '.b.json.4242.beef.tmp'), `{"interactions": [{"request": {"method": "GET", "uri": "https://x.example/?token=${envSecret}`);
    process.env[name] = envSecret;
    try {
      const r = await run(['cassette', 'redact-check', dir]);
      expect(r.code).toBe(1);
      expect(r.out).toContain("a.yaml:6: interactions[0].request.headers.x-functions-key: ab… (8 chars) (secret name 'x-functions-key')");
      expect(r.out).toContain('a.yaml:4: interactions[0].request.uri: Qw9Er… (15 chars) (known secret)');
      expect(r.out).toContain('.b.json.4242.beef.tmp:1: line 1: Qw9Er… (15 chars) (known secret)');
      expect(r.out).toContain('redact-check: secrets found in 2 of 2 file(s)');
      expect(r.out).not.toContain(envSecret);
      const noEnv = await run(['cassette', 'redact-check', dir, '--no-env']);
      expect(noEnv.out).not.toContain('known secret');
    } finally {
      delete process.env[name];
    }
  });

  it('takes extra patterns', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rehearse-cli-'));
    await cp(join(corpus, 'test_valid_response.yaml'), join(dir, 'a.yaml'));
    expect((await run(['cassette', 'redact-check', dir, '--pattern', 'chatcmpl-Bu8v[A-Za-z]+'])).code).toBe(1);
  });

  it('registers on an existing program', () => {
    const program = registerCassetteCommands(new Command('rehearse'));
    const cassette = program.commands.find((c) => c.name() === 'cassette');
    expect(cassette?.commands.map((c) => c.name())).toEqual(['inspect', 'redact-check']);
  });
});
