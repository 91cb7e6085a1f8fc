import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../runtime/index.js';
import { CassetteMismatch } from './cassette.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fake-openai-server.js';
import { parseJsonPath, withoutJsonPaths } from './json-path.js';
import { withCassette } from './with-cassette.js';

describe('JSON paths', () => {
  it('reads the subset and refuses the rest', () => {
    expect(parseJsonPath('$.metadata.request_id')).toEqual([{ key: 'metadata' }, { key: 'request_id' }]);
    expect(parseJsonPath('user')).toEqual([{ key: 'user' }]);
    expect(parseJsonPath("messages[*].id['x.y']")).toEqual([{ key: 'messages' }, { any: true }, { key: 'id' }, { key: 'x.y' }]);
    expect(parseJsonPath('a[2].*')).toEqual([{ key: 'a' }, { index: 2 }, { any: true }]);
    for (const bad of ['$', 'a..b', 'a[-1]', 'a[x]', '$.a b']) expect(() => parseJsonPath(bad)).toThrow(UserError);
  });

  it('removes object keys, marks array elements, and leaves the input alone', () => {
    const v = { a: 1, metadata: { request_id: 'r1', keep: true }, messages: [{ id: 'm1', content: 'x' }, { id: 'm2', content: 'y' }], list: [1, 2, 3] };
    expect(withoutJsonPaths(v, ['metadata.request_id', 'messages[*].id', 'list[1]', 'missing.path'])).toEqual({
      a: 1,
      metadata: { keep: true },
      messages: [{ content: 'x' }, { content: 'y' }],
      list: [1, '<ignored>', 3],
    });
    expect(v.metadata.request_id).toBe('r1');
  });

  it('property: two bodies that differ only at ignored paths compare equal', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), fc.string(), (base, x, y, id) => {
        const a = { base, metadata: { volatile: x, id }, items: [{ ts: x, v: 1 }] };
        const b = { base, metadata: { volatile: y, id }, items: [{ ts: y, v: 1 }] };
        expect(withoutJsonPaths(a, ['metadata.volatile', 'items[*].ts'])).toEqual(withoutJsonPaths(b, ['$.metadata.volatile', 'items[*].ts']));
      }),
    );
  });
});

describe('ignoreJsonPaths in matching', () => {
  let server: FakeOpenAIServer;
  let dir: string;
  beforeEach(async () => {
    server = await startFakeOpenAIServer();
    dir = await mkdtemp(join(tmpdir(), 'rehearse-ignore-'));
  });
  afterEach(async () => {
    await server.close();
  });
  const post = (body: unknown): Promise<unknown> =>
    fetch(`${server.baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json());
  const body = (requestId: string, content: string) => ({ model: 'gpt-4o', metadata: { request_id: requestId }, messages: [{ id: requestId, role: 'user', content }] });

  it('a volatile field does not break replay; other fields still must match', async () => {
    const path = join(dir, 'c.yaml');
    const opts = { env: {}, ignoreJsonPaths: ['$.metadata.request_id', 'messages[*].id'] };
    const live = await withCassette(path, opts, () => post(body('req-1', 'hello')));
    const replayed = await withCassette(path, { ...opts, mode: 'none' }, () => post(body('req-2', 'hello')));
    expect(replayed).toEqual(live);
    // without the option the volatile field is a mismatch
    await expect(withCassette(path, { env: {}, mode: 'none' }, () => post(body('req-3', 'hello')))).rejects.toBeInstanceOf(CassetteMismatch);
    // a change outside the ignored paths is still a mismatch, and the diff leaves the ignored paths out
    const err = await withCassette(path, { ...opts, mode: 'none' }, () => post(body('req-4', 'bye'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CassetteMismatch);
    expect((err as CassetteMismatch).bodyDiff).toContain('"content": "bye"');
    expect((err as CassetteMismatch).bodyDiff).not.toContain('req-');
  });

  it('a bad path fails when the cassette starts', async () => {
    await expect(withCassette(join(dir, 'x.yaml'), { env: {}, mode: 'none', ignoreJsonPaths: ['a..b'] }, () => 1)).rejects.toThrow(UserError);
  });
});
