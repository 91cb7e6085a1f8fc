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

describe('the three layers', () => {
  const req = (over: Partial<Interaction['request']>): Interaction => ({
    request: { method: 'POST', uri: 'https://api.example.com/v1/x', headers: {}, body: { kind: 'none' }, ...over },
    response: { status: { code: 200, message: 'OK' }, headers: {}, body: { kind: 'none' } },
  });
  const secret = ['Zq8', 'vT2mN5pL9xR4kW7'].join(''); // no known format: only names or registration reveal it

  it('names: every header, query parameter and JSON key of the vocabulary, whatever the value type', () => {
    const headers = ['x-goog-api-key', 'x-amz-security-token', 'private-token', 'ocp-apim-subscription-key', 'x-auth-token', 'x-access-token', 'x-functions-key', 'x-secret-key', 'anthropic-api-key', 'x-custom-token'];
    const query = ['auth', 'apiToken', 'x-api-key', 'private_token', 'jwt', 'session', 'sig', 'client_secret'];
    const keys = ['token', 'api_key', 'private_key', 'session_token', 'credential', 'bearer', 'password', 'passwd', 'refresh_token', 'id_token', 'access_token', 'apiKey', 'jwt', 'cookie'];
    const it0 = redactInteraction(
      req({
        uri: `https://api.example.com/v1/x?${query.map((q) => `${q}=${secret}`).join('&')}&limit=2`,
        headers: Object.fromEntries(headers.map((h) => [h, [secret]])),
        body: { kind: 'json', value: { nested: [Object.fromEntries(keys.map((k) => [k, secret]))], api_key: [secret, secret], credential: { user: 'u', pin: 1234, ok: true }, max_tokens: 5 } },
      }),
      { secretEnv: false },
    );
    const text = serializeCassette({ interactions: [it0], metadata: undefined });
    expect(text).not.toContain(secret);
    expect(it0.request.uri).toContain('&limit=2');
    expect(it0.request.body).toEqual({
      kind: 'json',
      value: { nested: [Object.fromEntries(keys.map((k) => [k, REDACTED]))], api_key: [REDACTED, REDACTED], credential: { user: REDACTED, pin: REDACTED, ok: true }, max_tokens: 5 },
    });
  });

  it('names: counts, logprob tokens and JSON-schema property names stay readable', () => {
    const value = {
      max_tokens: 5,
      usage: { prompt_tokens: 1, completion_tokens: 2 },
      logprobs: { content: [{ token: 'Hello', logprob: -0.1 }] },
      tools: [{ function: { parameters: { type: 'object', properties: { password: { type: 'string' } }, required: ['password'] } } }],
    };
    const out = redactInteraction(req({ headers: { 'x-ratelimit-remaining-tokens': ['100'] }, body: { kind: 'json', value } }), { secretEnv: false });
    expect(out.request.body).toEqual({ kind: 'json', value });
    expect(out.request.headers).toEqual({ 'x-ratelimit-remaining-tokens': ['100'] });
  });

  it('names: URL-encoded and multipart form fields, JSON held in strings (tool-call arguments)', () => {
    const form = redactInteraction(req({ headers: { 'content-type': ['application/x-www-form-urlencoded'] }, body: { kind: 'text', text: `grant_type=x&client_secret=${secret}&refresh_token=${secret}` } }), { secretEnv: false });
    expect(form.request.body).toEqual({ kind: 'text', text: `grant_type=x&client_secret=${REDACTED}&refresh_token=${REDACTED}` });
    const multipart = `--b1\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n--b1\r\nContent-Disposition: form-data; name="api_key"\r\n\r\n${secret}\r\n--b1--\r\n`;
    const mp = redactInteraction(req({ headers: { 'content-type': ['multipart/form-data; boundary=b1'] }, body: { kind: 'text', text: multipart } }), { secretEnv: false });
    expect(mp.request.body).toEqual({ kind: 'text', text: multipart.replace(secret, REDACTED) });
    // a big JSON body is kept as text: its keys are still names
    const bigText = redactInteraction(req({ body: { kind: 'text', text: JSON.stringify({ data: [{ token: secret }] }) } }), { secretEnv: false });
    expect(bigText.request.body).toEqual({ kind: 'text', text: JSON.stringify({ data: [{ token: REDACTED }] }) });
    const args = redactInteraction(req({ body: { kind: 'json', value: { arguments: JSON.stringify({ city: 'Paris', password: secret }) } } }), { secretEnv: false });
    expect(args.request.body).toEqual({ kind: 'json', value: { arguments: JSON.stringify({ city: 'Paris', password: REDACTED }) } });
  });

  it('values: token formats anywhere (URL path, free text, headers, SSE, bytes)', () => {
    const parts = {
      jwt: ['eyJhbGciOiJIUzI1NiJ9', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0', 'dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'].join('.'),
      google: ['AIza', 'SyA1234567890abcdefghijklmnopqrstuv'].join(''),
      github: ['ghp', '_', 'a'.repeat(36)].join(''),
      pat: ['github_pat', '_', 'B'.repeat(30)].join(''),
      slack: ['xoxb', '-', '1234567890-abcdefghijkl'].join(''),
      aws: ['AKIA', 'IOSFODNN7EXAMPLE'].join(''),
      anthropic: ['sk', 'ant', 'api03', 'c'.repeat(30)].join('-'),
    };
    for (const [name, token] of Object.entries(parts)) {
      const out = redactInteraction(
        req({
          uri: `https://api.example.com/v1/keys/${token}/x`,
          headers: { 'x-note': [`see ${token}`] },
          body: { kind: 'base64', data: Buffer.from(`\x00\xff\x01 ${token} \xfe`, 'latin1').toString('base64') },
        }),
        { secretEnv: false },
      );
      const sse = redactInteraction({ ...req({}), response: { status: { code: 200, message: 'OK' }, headers: {}, body: { kind: 'sse', events: [{ data: JSON.stringify({ delta: `t ${token}` }) }, { data: `raw ${token}` }] } } }, { secretEnv: false });
      const text = serializeCassette({ interactions: [out, sse], metadata: undefined });
      expect(text, name).not.toContain(token);
      expect(Buffer.from((out.request.body as { data: string }).data, 'base64').toString('latin1'), name).toContain(` ${REDACTED} `);
    }
  });

  it('values: in binary bodies a token may touch any byte (no word boundary there)', () => {
    const token = ['sk', 'ant', 'api03', 'd'.repeat(30)].join('-');
    const aws = ['AKIA', '4E8P6OLACRM1A4AG'].join('');
    const data = Buffer.from(`\x00\xffk${token}7\xfe|${aws}Q\x01`, 'latin1').toString('base64');
    const out = redactInteraction(req({ body: { kind: 'base64', data } }), { secretEnv: false });
    expect(Buffer.from((out.request.body as { data: string }).data, 'base64').toString('latin1')).toBe(`\x00\xffk${REDACTED}\xfe|${REDACTED}Q\x01`);
    // binary data that happens to be valid UTF-8 is still binary
    const utf8 = redactInteraction(req({ headers: { 'content-type': ['application/octet-stream'] }, body: { kind: 'text', text: `k${token}|${aws}Q` } }), { secretEnv: false });
    expect(utf8.request.body).toEqual({ kind: 'text', text: `k${REDACTED}|${REDACTED}Q` });
    // in text a glued prefix is a word, not a key (a hyphenated word that contains the prefix)
    const word = 'risk' + '-free-investment-strategy';
    expect(redactInteraction(req({ body: { kind: 'text', text: word } }), { secretEnv: false }).request.body).toEqual({ kind: 'text', text: word });
  });

  it('known secrets: environment variables, secretValues and registerSecrets, in raw, URL-encoded and base64 forms', async () => {
    const envSecret = ['Aa1+/', 'Bb2Cc3Dd4Ee5Ff6'].join(''); // + and / differ when URL-encoded
    const option = ['opt', 'Value', '98765'].join('');
    const registered = ['reg', 'Value', '13579'].join('');
    const { registerSecrets } = await import('./redact.js');
    const unregister = registerSecrets({ values: [registered] });
    try {
      const blob = Buffer.from(`xy${envSecret}|${option}|${registered}z`).toString('base64');
      const it0 = req({
        uri: `https://api.example.com/v1/${encodeURIComponent(envSecret)}/x?q=${encodeURIComponent(option)}`,
        headers: { 'x-note': [registered] },
        body: { kind: 'json', value: { text: `a ${envSecret} b`, image: `data:image/png;base64,${blob}` } },
      });
      const text = serializeCassette({ interactions: [new SecretDetector({ secretValues: [option] }, { MY_SERVICE_API_KEY: envSecret, SHORT_TOKEN: 'abc' }).redactInteraction(it0)], metadata: undefined });
      for (const s of [envSecret, option, registered]) {
        expect(text).not.toContain(s);
        expect(text).not.toContain(encodeURIComponent(s));
        for (let k = 0; k < 3; k++) expect(text).not.toContain(Buffer.from(s).subarray(k, k + 9).toString('base64'));
      }
      // short values, plain words, booleans and paths are not secrets; secretEnv: false ignores the environment
      const notSecrets = { SHORT_TOKEN: 'abc', DEPLOY_KEY: 'production', SSL_KEY_FILE: process.cwd(), FEATURE_TOKEN: 'false' };
      expect(new SecretDetector({}, notSecrets).values.knownCount).toBe(new SecretDetector().values.knownCount);
      // a value that looks like a path but names no file is a secret (AWS secret keys may start with '/')
      expect(new SecretDetector({}, { AWS_SECRET_ACCESS_KEY: '/wJalrXUtnFEMI/K7MDENG/bPxRfiCY' }).values.knownCount).toBe(new SecretDetector().values.knownCount + 1);
      expect(new SecretDetector({ secretEnv: false }, { MY_SERVICE_API_KEY: envSecret }).redactRequest(it0.request).uri).toContain(encodeURIComponent(envSecret));
    } finally {
      unregister();
    }
    expect(new SecretDetector({ secretEnv: false }).values.knownCount).toBe(0);
  });

  it('response headers: location, www-authenticate, set-cookie, x-*-token', () => {
    const out = redactInteraction(
      {
        ...req({}),
        response: {
          status: { code: 302, message: 'Found' },
          headers: { location: [`https://app.example.com/cb?code=1&access_token=${secret}`], 'www-authenticate': [`Bearer realm="x", token="${secret}"`], 'set-cookie': [`sid=${secret}`], 'x-upload-token': [secret] },
          body: { kind: 'none' },
        },
      },
      { secretEnv: false },
    );
    expect(out.response.headers).toEqual({ location: [`https://app.example.com/cb?code=1&access_token=${REDACTED}`], 'www-authenticate': [REDACTED], 'x-upload-token': [REDACTED] });
  });

  it('registerSecrets adds names and patterns for every cassette until removed; URL passwords are a format', async () => {
    const { registerSecrets } = await import('./redact.js');
    const it0 = req({ uri: `https://bob:${secret}@db.example.com/x`, headers: { 'x-tenant': ['acme-1'], 'x-internal-trace': ['t1'], 'x-note': ['acme_0123456789abcdef0123456789abcdef'] } });
    const unregister = registerSecrets({ names: ['x-tenant', /^x-internal-/], patterns: [/acme_[a-z0-9]{32}/] });
    try {
      const out = redactInteraction(it0, { secretEnv: false });
      expect(out.request.headers).toEqual({ 'x-tenant': [REDACTED], 'x-internal-trace': [REDACTED], 'x-note': [REDACTED] });
      expect(out.request.uri).toBe(`https://bob:${REDACTED}@db.example.com/x`);
    } finally {
      unregister();
    }
    expect(redactInteraction(it0, { secretEnv: false }).request.headers['x-tenant']).toEqual(['acme-1']);
  });

  it('user names and patterns add to the built-in ones', () => {
    const out = redactInteraction(req({ headers: { 'x-tenant': ['acme-123'], 'x-other': ['id tok_abcdefghij0123456789 end'] } }), { secretEnv: false, secretNames: ['x-tenant'], secretPatterns: [/tok_[a-z0-9]{20}/] });
    expect(out.request.headers).toEqual({ 'x-tenant': [REDACTED], 'x-other': [`id ${REDACTED} end`] });
  });
});
