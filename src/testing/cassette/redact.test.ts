import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interaction } from './cassette.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fake-openai-server.js';
import { serializeCassette } from './format.js';
import { REDACTED, SecretDetector, redactInteraction, scanInteractions } from './redact.js';
import { withCassette } from './with-cassette.js';

const CONFIGURED = /tok_[a-z0-9]{16}/;
const options = { secretPatterns: [CONFIGURED], dropHeaders: ['x-internal-auth'] };

/** Random secrets of the shapes rehearse knows: sk- keys, bearer tokens, a configured pattern. */
const secretArb = fc.oneof(
  fc.stringMatching(/^sk-(proj-|ant-)?[A-Za-z0-9]{24,40}$/),
  fc.stringMatching(/^[A-Za-z0-9]{20,32}$/).map((t) => `Bearer ${t}`),
  fc.stringMatching(/^[a-z0-9]{16}$/).map((t) => `tok_${t}`),
);
/** The part of a secret that must not reach disk (a bearer's token). */
const core = (s: string): string => s.replace(/^Bearer /, '');

const nameArb = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
const headerNameArb = fc.oneof(fc.constantFrom('authorization', 'api-key', 'x-api-key', 'cookie', 'openai-organization', 'x-internal-auth'), nameArb.map((n) => `x-${n}`));

/** A nested JSON body with the secret at a random path (optionally inside a longer string). */
function bodyWith(secret: string): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(fc.constant(secret), fc.string().map((s) => `${s} ${secret} ${s}`));
  return fc.tuple(fc.array(fc.oneof(nameArb, fc.nat(3)), { maxLength: 4 }), leaf, fc.dictionary(nameArb, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })).map(([path, value, noise]) => {
    let v: unknown = value;
    for (const step of [...path].reverse()) v = typeof step === 'number' ? [...Array<unknown>(step).fill(null), v] : { [step]: v };
    return { ...noise, payload: v };
  });
}

const requestArb = fc
  .record({ header: secretArb, query: secretArb, body: secretArb, headerName: headerNameArb, queryName: nameArb })
  .chain((r) => bodyWith(r.body).map((body) => ({ ...r, jsonBody: body })));

function interaction(r: { header: string; query: string; headerName: string; queryName: string; jsonBody: unknown }): Interaction {
  return {
    request: {
      method: 'POST',
      uri: `https://api.example.com/v1/x?${r.queryName}=${encodeURIComponent(r.query)}&q2=${r.query.replace(/ /g, '+')}`,
      headers: { [r.headerName]: [r.header], 'content-type': ['application/json'] },
      body: { kind: 'json', value: r.jsonBody },
    },
    response: { status: { code: 200, message: 'OK' }, headers: { 'set-cookie': ['a=b'] }, body: { kind: 'json', value: { echo: r.jsonBody } } },
  };
}

describe('redaction', () => {
  it('property: a written cassette contains none of the secrets in headers, query strings and nested bodies', () => {
    fc.assert(
      fc.property(requestArb, (r) => {
        const redacted = redactInteraction(interaction(r), options);
        const text = serializeCassette({ interactions: [redacted], metadata: undefined });
        for (const s of [r.header, r.query, r.body]) expect(text).not.toContain(core(s));
        expect(scanInteractions([redacted], options)).toEqual([]);
      }),
    );
  });

  it('drops credential headers, keeps others, and redacts key-like values in place', () => {
    const it0 = redactInteraction({
      request: {
        method: 'GET',
        uri: 'https://h.example/v1/models?api_key=abc&limit=2&key=zzz',
        headers: { authorization: ['Bearer sk-test-abcdefghijklmnopqrstuvwx'], 'x-trace': ['t1 Bearer abcdefghijklmnop'], accept: ['application/json'] },
        body: { kind: 'json', value: { password: 'hunter2', nested: [{ note: 'key sk-test-abcdefghijklmnopqrstuvwx here' }], max_tokens: 5 } },
      },
      response: { status: { code: 200, message: 'OK' }, headers: { 'set-cookie': ['x=y'], 'openai-project': ['p'] }, body: { kind: 'text', text: 'ok' } },
    });
    expect(it0.request.uri).toBe('https://h.example/v1/models?api_key=REDACTED&limit=2&key=REDACTED');
    expect(it0.request.headers).toEqual({ 'x-trace': ['t1 Bearer REDACTED'], accept: ['application/json'] });
    expect(it0.request.body).toEqual({ kind: 'json', value: { password: REDACTED, nested: [{ note: 'key REDACTED here' }], max_tokens: 5 } });
    expect(it0.response.headers).toEqual({});
  });

  it('runs the user hook last and the scan catches what it leaves', () => {
    const base = interaction({ header: 'x', query: 'y', headerName: 'x-a', queryName: 'q', jsonBody: { a: 1 } });
    const hooked = redactInteraction(base, { redact: (i) => ({ ...i, request: { ...i.request, uri: 'https://api.example.com/v1/x?auth=sk-test-abcdefghijklmnopqrstuvwxyz' } }) });
    const findings = scanInteractions([hooked]);
    expect(findings).toEqual([
      { location: 'interactions[0].request.uri[auth]', preview: 'sk-tes… (34 chars)', rule: "secret name 'auth'" },
      { location: 'interactions[0].request.uri', preview: 'sk-tes… (34 chars)', rule: 'sk- key' },
    ]);
  });

  it('keeps a URL without secrets byte for byte', () => {
    const u = 'https://api.openai.com/v1/chat/completions?a=1%202&b=c+d';
    expect(new SecretDetector().redactRequest({ method: 'GET', uri: u, headers: {}, body: { kind: 'none' } }).uri).toBe(u);
  });

  describe('end to end through withCassette', () => {
    let server: FakeOpenAIServer;
    let dir: string;
    beforeAll(async () => {
      server = await startFakeOpenAIServer();
      dir = await mkdtemp(join(tmpdir(), 'rehearse-redact-'));
    });
    afterAll(async () => {
      await server.close();
    });

    it('property: recorded traffic with random secrets never reaches the file', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(requestArb, async (r) => {
          const path = join(dir, `r${n++}.yaml`);
          const i = interaction(r);
          const url = i.request.uri.replace('https://api.example.com/v1', server.baseURL);
          await withCassette(path, { ...options, mode: 'all', env: {} }, () =>
            fetch(url, { method: 'POST', headers: { [r.headerName]: r.header, 'content-type': 'application/json' }, body: JSON.stringify(r.jsonBody) }).then((res) => res.text()),
          );
          const text = await readFile(path, 'utf8');
          for (const s of [r.header, r.query, r.body]) expect(text).not.toContain(core(s));
          expect(text).toContain(REDACTED);
        }),
        { numRuns: 30 },
      );
    });
  });
});
