import { mkdir, mkdtemp, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CassetteFormatError, type CassetteData, type Interaction } from './cassette.js';
import { cleanStaleTempFiles, parseCassette, readCassette, serializeCassette, writeFileAtomic } from './format.js';
import { withCassette } from './with-cassette.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rehearse-format-'));
});

const interaction = (i: number): Interaction => ({
  request: { method: 'POST', uri: 'https://api.openai.com/v1/chat/completions', headers: { 'content-type': ['application/json'] }, body: { kind: 'json', value: { model: 'gpt-4o', n: i } } },
  response: { status: { code: 200, message: 'OK' }, headers: { 'content-type': ['application/json'] }, body: { kind: 'json', value: { id: `c${i}`, choices: [{ message: { content: `answer ${i}` } }] } } },
});
const data: CassetteData = {
  interactions: [interaction(0), interaction(1)],
  metadata: { format: 1, version: '0.1.0', recordedAt: '2026-01-01T00:00:00.000Z', hosts: ['api.openai.com'] },
};
const yaml = serializeCassette(data);

/** The error parsing `text` gives (fails the test if it parses). */
function errorOf(text: string, name = 'c.yaml'): CassetteFormatError {
  try {
    parseCassette(text, join(dir, name));
  } catch (e) {
    expect(e).toBeInstanceOf(CassetteFormatError);
    return e as CassetteFormatError;
  }
  throw new Error(`parsed without error:\n${text}`);
}

/** 1-based line of the first line of `text` containing `needle`. */
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('cassette files are validated on load: file, line and field named', () => {
  it.each([999, 100, 1.5])('status.code %s', (code) => {
    const text = yaml.replace('code: 200', `code: ${code}`);
    const e = errorOf(text);
    expect(e.field).toBe('interactions[0].response.status.code');
    expect(e.line).toBe(lineOf(text, `code: ${code}`));
    expect(e.message).toMatch(new RegExp(`^Malformed cassette .*c\\.yaml:${e.line}: interactions\\[0\\]\\.response\\.status\\.code: expected an (integer )?HTTP status`));
  });

  it('property: a file cut anywhere (YAML or JSON) never loads, so it never replays an empty 200', () => {
    const json = serializeCassette(data, { format: 'json' });
    fc.assert(
      fc.property(fc.boolean(), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (asJson, f) => {
        const full = asJson ? json : yaml;
        const cut = full.slice(0, Math.floor(f * (full.trimEnd().length - 1)) + 1);
        const e = errorOf(cut, asJson ? 'c.json' : 'c.yaml');
        expect(e.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
    // the motivating cut: everything but the final `version: 1`
    const e = errorOf(yaml.slice(0, yaml.indexOf('version: 1')));
    expect(e.message).toContain('version: 1');
    expect(e.message).toContain('truncated');
  });

  it('a YAML alias bomb is refused with the file name and the line of the first alias', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(', ')}]`), 'interactions: []', 'version: 1', ''].join('\n');
    const e = errorOf(bomb, 'bomb.yaml');
    expect(e.message).toContain(`${join(dir, 'bomb.yaml')}:2: too many YAML alias expansions`);
  });

  it('a directory at the cassette path names the path', async () => {
    const p = join(dir, 'is-a-dir.yaml');
    await mkdir(p);
    await expect(readCassette(p)).rejects.toThrow(`Malformed cassette ${p}: this path is a directory, not a cassette file`);
    await expect(withCassette(p, { mode: 'none', env: {} }, () => 1)).rejects.toBeInstanceOf(CassetteFormatError);
    // mode 'all' never reads the file: the directory is refused before the body runs
    let ran = false;
    const all = await withCassette(p, { mode: 'all', env: {} }, () => (ran = true)).catch((e: unknown) => e);
    expect(all).toBeInstanceOf(CassetteFormatError);
    expect((all as Error).message).toBe(`Malformed cassette ${p}: this path is a directory, not a cassette file`);
    expect(ran).toBe(false);
    expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/^\.is-a-dir\.yaml\..*\.tmp$/));
  });

  it.each([
    ['format: 1', 'format: "one"', 'rehearse.format'],
    ['recordedAt: 2026-01-01T00:00:00.000Z', 'recordedAt: 5', 'rehearse.recordedAt'],
    ['recordedAt: 2026-01-01T00:00:00.000Z', 'recordedAt: yesterday', 'rehearse.recordedAt'],
    ['version: 0.1.0', 'version: [0, 1]', 'rehearse.version'],
  ])('wrong metadata type: %s → %s', (from, to, field) => {
    const text = yaml.replace(from, to);
    expect(text).not.toBe(yaml);
    const e = errorOf(text);
    expect(e.field).toBe(field);
    expect(e.line).toBe(lineOf(text, to));
  });

  it('hosts given as a string instead of a list', () => {
    const text = yaml.replace(/hosts:\n\s+- api.openai.com/, 'hosts: api.openai.com');
    expect(errorOf(text).field).toBe('rehearse.hosts');
  });

  it('a duplicate `interactions:` key is reported at the duplicate', () => {
    const text = `${yaml.replace('version: 1\n', '')}interactions: []\nversion: 1\n`;
    const e = errorOf(text);
    expect(e.message).toContain('duplicate key');
    expect(e.line).toBe(text.split('\n').lastIndexOf('interactions: []') + 1);
  });

  it('a header given as a mapping where a list is expected', () => {
    const text = yaml.replace('content-type:\n          - application/json', 'content-type:\n          value: application/json');
    expect(text).not.toBe(yaml);
    const e = errorOf(text);
    expect(e.field).toBe('interactions[0].request.headers.content-type');
    expect(e.message).toContain('a header must be a list of values');
    expect(e.line).toBe(lineOf(text, 'value: application/json'));
  });

  it('an unclosed quote is reported where it opens, not at the end of the file', () => {
    const text = yaml.replace('uri: https://api.openai.com/v1/chat/completions', 'uri: "https://api.openai.com/v1/chat/completions');
    const e = errorOf(text);
    expect(e.line).toBe(lineOf(text, 'uri: "https'));
    expect(e.message).toContain('unclosed quote');
  });

  it('other shape errors: a missing response, a relative URI, an SSE event without data, a body of the wrong type', () => {
    expect(errorOf('interactions:\n  - request: {method: GET, uri: "https://a.example/"}\nversion: 1\n').field).toBe('interactions[0].response');
    expect(errorOf(yaml.replace('uri: https://api.openai.com/v1/chat/completions', 'uri: /v1/x')).field).toBe('interactions[0].request.uri');
    expect(errorOf(yaml.replace(/parsed_body:\n(\s+)model: gpt-4o\n\s+n: 0/, 'sse_events:\n$1- event: x')).field).toBe('interactions[0].request.sse_events[0]');
    expect(errorOf(yaml.replace(/parsed_body:\n(\s+)model: gpt-4o\n\s+n: 0/, 'body: [1, 2]')).field).toBe('interactions[0].request.body');
  });

  it('JSON cassettes: the same schema, with lines', () => {
    const json = serializeCassette(data, { format: 'json' });
    expect(parseCassette(json, 'x.json')).toEqual(data);
    const bad = json.replace('"code": 200', '"code": 999');
    const e = errorOf(bad, 'c.json');
    expect(e.field).toBe('interactions[0].response.status.code');
    expect(e.line).toBe(lineOf(bad, '"code": 999'));
    expect(errorOf('{"interactions": [\n  {"request": \n', 'c.json').message).toContain('invalid JSON');
  });

  it('a .json cassette path records JSON and replays it; JSON bodies over 64 KiB are stored as one string', async () => {
    const { startFakeOpenAIServer } = await import('./fake-openai-server.js');
    const big = { data: Array.from({ length: 3000 }, (_, i) => ({ index: i, embedding: [i / 7, i / 11, i / 13] })) };
    const server = await startFakeOpenAIServer({ respond: (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(big)) });
    try {
      const path = join(dir, 'e2e.json');
      const call = (): Promise<unknown> => fetch(`${server.baseURL}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"input":"x"}' }).then((r) => r.json());
      expect(await withCassette(path, { env: {} }, call)).toEqual(big);
      const text = await readFile(path, 'utf8');
      const file = JSON.parse(text) as { interactions: { request: { parsed_body: unknown }; response: { body: { string: string } } }[]; version: number };
      expect(file.version).toBe(1);
      expect(file.interactions[0]?.request.parsed_body).toEqual({ input: 'x' });
      expect(JSON.parse(file.interactions[0]?.response.body.string ?? '')).toEqual(big);
      await server.close();
      expect(await withCassette(path, { env: {}, mode: 'none' }, call)).toEqual(big);
    } finally {
      await server.close().catch(() => undefined);
    }
  });

  it('every cassette in fixtures/ (rehearse and VCR.py) still loads', async () => {
    const root = join(process.cwd(), 'fixtures', 'cassettes');
    const files = (await readdir(root, { recursive: true })).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) expect((await readCassette(join(root, f)))?.interactions.length, f).toBeGreaterThan(0);
  });
});

describe('atomic writes clean stale temp files', () => {
  it('removes temp files of dead processes and old ones, keeps a fresh one of a live writer', async () => {
    const d = await mkdtemp(join(tmpdir(), 'rehearse-tmp-'));
    const path = join(d, 'c.yaml');
    const dead = join(d, '.c.yaml.999999999.abcd.tmp'); // no such pid
    const old = join(d, `.c.yaml.${process.pid}.0101.tmp`);
    const fresh = join(d, `.c.yaml.${process.pid}.beef.tmp`);
    const other = join(d, '.other.yaml.999999999.abcd.tmp');
    for (const p of [dead, old, fresh, other]) await writeFile(p, 'partial');
    await utimes(old, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    await writeFileAtomic(path, 'interactions: []\nversion: 1\n');
    expect((await readdir(d)).sort()).toEqual(['.c.yaml.' + `${process.pid}.beef.tmp`, '.other.yaml.999999999.abcd.tmp', 'c.yaml'].sort());
    expect(await readFile(path, 'utf8')).toBe('interactions: []\nversion: 1\n');
    expect(await cleanStaleTempFiles(path, 0)).toEqual([fresh]);
  });
});
