/**
 * The redaction fuzz: random requests through the openai SDK, `fetch` and `node:http` to a
 * loopback server, with secrets in every location (request headers, query, URL path, JSON
 * keys at any depth with string/array/object values, JSON held in strings, free text, base64
 * inside JSON, URL-encoded forms, multipart fields, text and binary bodies; response JSON,
 * SSE events, text and binary bodies, `location`, `www-authenticate`, `set-cookie`,
 * `x-*-token` headers). Secrets without a known format are placed only under a secret name,
 * or registered in the environment (`*_TOKEN` variables). After each batch every file in the
 * cassette folder (temp files included) must hold none of the secrets in any form: raw,
 * URL-encoded or base64 (each alignment). Then the batch replays from the cassette (the
 * redacted recordings still match).
 *
 * `npm test` runs REDACT_FUZZ_N=300 requests. The full run:
 *   REDACT_FUZZ_N=10000 npx vitest run src/testing/cassette/redact-fuzz.test.ts
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCassette } from './with-cassette.js';

const N = Number(process.env['REDACT_FUZZ_N'] ?? 300);
const BATCH = 20;

// ---- secrets -------------------------------------------------------------------------------
const chars = (set: string, min: number, max: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...set), minLength: min, maxLength: max });
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const URLSAFE = `${ALNUM}_-`;

/** Secrets in a known token format (found by layer 2 wherever they are). */
const formatted = fc.oneof(
  chars(ALNUM, 30, 44).map((s) => `sk-proj-${s}`),
  chars(URLSAFE, 40, 60).map((s) => `sk-ant-api03-${s}`),
  chars(URLSAFE, 35, 35).map((s) => `AIza${s}`),
  chars(ALNUM, 36, 36).map((s) => `ghp_${s}`),
  chars(`${ALNUM}_`, 60, 70).map((s) => `github_pat_${s}`),
  fc.tuple(chars('0123456789', 10, 12), chars(ALNUM, 20, 24)).map(([a, b]) => `xoxb-${a}-${b}`),
  chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 16, 16).map((s) => `AKIA${s}`),
  fc.tuple(chars(URLSAFE, 10, 30), chars(URLSAFE, 10, 60), chars(URLSAFE, 20, 43)).map(([h, p, s]) => `eyJ${h}.eyJ${p}.${s}`),
);
/** Secrets no format reveals: 40-char hex, AWS-style secret keys, random tokens. */
const formatless = fc.oneof(chars('0123456789abcdef', 40, 40), chars(`${ALNUM}+/`, 40, 40), chars(ALNUM, 16, 48));

type Secret = { value: string; env: boolean };
/** A secret for a named location: any kind, never registered. */
const namedSecret: fc.Arbitrary<Secret> = fc.oneof(formatted, formatless).map((value) => ({ value, env: false }));
/** A secret for a nameless location: a known format, or a format-less one registered in the environment. */
const namelessSecret: fc.Arbitrary<Secret> = fc.oneof(formatted.map((value) => ({ value, env: false })), formatless.map((value) => ({ value, env: true })));

// ---- requests ------------------------------------------------------------------------------
type Body =
  | { kind: 'none' }
  | { kind: 'json'; value: Record<string, unknown> }
  | { kind: 'form'; fields: [string, string][] }
  | { kind: 'multipart'; fields: [string, string][] }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Buffer };
type ResBody = { kind: 'json'; value: Record<string, unknown> } | { kind: 'sse'; events: string[] } | { kind: 'text'; text: string } | { kind: 'binary'; bytes: Buffer };

interface Spec {
  channel: 'sdk' | 'fetch' | 'http';
  path: string[];
  query: [string, string][];
  headers: Record<string, string>;
  body: Body;
  response: { headers: Record<string, string>; body: ResBody };
  secrets: Secret[];
  placements: string[];
}

const HEADER_NAMES = ['x-goog-api-key', 'x-amz-security-token', 'private-token', 'ocp-apim-subscription-key', 'x-auth-token', 'x-access-token', 'x-functions-key', 'x-secret-key', 'anthropic-api-key', 'api-key', 'x-api-key', 'x-csrf-token', 'x-session-id'];
const QUERY_NAMES = ['auth', 'apiToken', 'x-api-key', 'private_token', 'jwt', 'session', 'key', 'api_key', 'access_token', 'sig', 'signature', 'token', 'password', 'client_secret', 'code_verifier_secret'];
const JSON_NAMES = ['token', 'api_key', 'apiKey', 'private_key', 'session_token', 'credential', 'credentials', 'bearer', 'password', 'passwd', 'client_secret', 'refresh_token', 'id_token', 'access_token', 'secret', 'x-api-key', 'auth', 'authorization', 'jwt', 'sessionId', 'cookie', 'signature', 'privateKey'];
const FORM_NAMES = ['client_secret', 'password', 'refresh_token', 'api_key', 'token', 'assertion_jwt'];
const RESPONSE_JSON_NAMES = ['access_token', 'id_token', 'token', 'refresh_token', 'session', 'apiKey'];
const word = fc.constantFrom('alpha', 'beta', 'gamma', 'model', 'data', 'user', 'note', 'items', 'meta');

/** Bytes joined (Buffer.concat's types disagree with this TypeScript's Uint8Array). */
const cat = (...parts: Buffer[]): Buffer => Buffer.from(parts.flatMap((p) => [...p]));
/** A random bytes buffer with `inner` at a random offset. */
const bytesAround = (inner: Buffer): fc.Arbitrary<Buffer> => fc.tuple(fc.nat(40), fc.nat(40)).map(([a, b]) => cat(randomBytes(a), inner, randomBytes(b)));

/** Wraps `v` at a random depth of objects and arrays. */
const deep = (v: unknown): fc.Arbitrary<unknown> =>
  fc.array(fc.oneof(word, fc.nat(2)), { maxLength: 4 }).map((path) => {
    let out = v;
    for (const step of [...path].reverse()) out = typeof step === 'number' ? [...Array<unknown>(step).fill('x'), out] : { [step]: out };
    return out;
  });

/** One placement: a function adding a secret to a spec, applicable to some body kinds. */
type Placement = { name: string; applies: (s: Spec) => boolean; arb: (s: Spec) => fc.Arbitrary<(spec: Spec) => void> };

const any = (): boolean => true;
const reqIs = (k: Body['kind']) => (s: Spec) => s.body.kind === k;
const resIs = (k: ResBody['kind']) => (s: Spec) => s.response.body.kind === k;
const add = (spec: Spec, secret: Secret): string => (spec.secrets.push(secret), secret.value);

const PLACEMENTS: Placement[] = [
  { name: 'request header (secret name)', applies: any, arb: () => fc.tuple(fc.constantFrom(...HEADER_NAMES), namedSecret).map(([h, s]) => (spec) => void (spec.headers[h] = add(spec, s))) },
  { name: 'request header x-*-token', applies: any, arb: () => fc.tuple(word, namedSecret).map(([w, s]) => (spec) => void (spec.headers[`x-${w}-token`] = add(spec, s))) },
  { name: 'authorization bearer', applies: any, arb: () => namedSecret.map((s) => (spec) => void (spec.headers['authorization'] = `Bearer ${add(spec, s)}`)) },
  { name: 'cookie', applies: any, arb: () => namedSecret.map((s) => (spec) => void (spec.headers['cookie'] = `sid=${add(spec, s)}; theme=dark`)) },
  { name: 'request header free text', applies: any, arb: () => namelessSecret.map((s) => (spec) => void (spec.headers['x-note'] = `see ${add(spec, s)} here`)) },
  { name: 'query (secret name)', applies: any, arb: () => fc.tuple(fc.constantFrom(...QUERY_NAMES), namedSecret).map(([q, s]) => (spec) => void spec.query.push([q, add(spec, s)])) },
  { name: 'query (plain name)', applies: any, arb: () => fc.tuple(word, namelessSecret).map(([q, s]) => (spec) => void spec.query.push([q, add(spec, s)])) },
  { name: 'URL path', applies: any, arb: () => namelessSecret.map((s) => (spec) => void spec.path.splice(1, 0, add(spec, s))) },
  {
    name: 'JSON key at any depth (string, array or object value)',
    applies: reqIs('json'),
    arb: () =>
      fc.tuple(fc.constantFrom(...JSON_NAMES), namedSecret, fc.constantFrom('string', 'array', 'object')).chain(([k, s, shape]) =>
        deep({ [k]: shape === 'string' ? s.value : shape === 'array' ? ['x', s.value] : { user: 'bob', value: s.value } }).map((v) => (spec: Spec) => {
          add(spec, s);
          (spec.body as { value: Record<string, unknown> }).value[`p${spec.secrets.length}`] = v;
        }),
      ),
  },
  {
    name: 'JSON held in a string (tool-call arguments)',
    applies: reqIs('json'),
    arb: () => fc.tuple(fc.constantFrom(...JSON_NAMES), namedSecret).map(([k, s]) => (spec) => void ((spec.body as { value: Record<string, unknown> }).value['arguments'] = JSON.stringify({ city: 'Paris', [k]: add(spec, s) }))),
  },
  {
    name: 'JSON free text',
    applies: reqIs('json'),
    arb: () => namelessSecret.chain((s) => deep(`please use ${s.value} for this`).map((v) => (spec: Spec) => void ((spec.body as { value: Record<string, unknown> }).value[`t${add(spec, s).length}`] = v))),
  },
  {
    name: 'base64 inside JSON (data URL)',
    applies: reqIs('json'),
    arb: () =>
      formatless.chain((value) =>
        bytesAround(Buffer.from(value)).map((bytes) => (spec: Spec) => {
          add(spec, { value, env: true });
          (spec.body as { value: Record<string, unknown> }).value['image'] = `data:application/octet-stream;base64,${bytes.toString('base64')}`;
        }),
      ),
  },
  { name: 'form field (secret name)', applies: reqIs('form'), arb: () => fc.tuple(fc.constantFrom(...FORM_NAMES), namedSecret).map(([f, s]) => (spec) => void (spec.body as { fields: [string, string][] }).fields.push([f, add(spec, s)])) },
  { name: 'form field (plain name)', applies: reqIs('form'), arb: () => namelessSecret.map((s) => (spec) => void (spec.body as { fields: [string, string][] }).fields.push(['note', add(spec, s)])) },
  { name: 'multipart field (secret name)', applies: reqIs('multipart'), arb: () => fc.tuple(fc.constantFrom(...FORM_NAMES), namedSecret).map(([f, s]) => (spec) => void (spec.body as { fields: [string, string][] }).fields.push([f, add(spec, s)])) },
  { name: 'multipart field (plain name)', applies: reqIs('multipart'), arb: () => namelessSecret.map((s) => (spec) => void (spec.body as { fields: [string, string][] }).fields.push(['note', add(spec, s)])) },
  { name: 'text body', applies: reqIs('text'), arb: () => namelessSecret.map((s) => (spec) => void ((spec.body as { text: string }).text += ` key is ${add(spec, s)}.`)) },
  {
    name: 'binary body',
    applies: reqIs('binary'),
    arb: () => namelessSecret.chain((s) => bytesAround(Buffer.from(s.value)).map((b) => (spec: Spec) => void (add(spec, s), ((spec.body as { bytes: Buffer }).bytes = cat((spec.body as { bytes: Buffer }).bytes, b))))),
  },
  {
    name: 'base64 inside a binary body',
    applies: reqIs('binary'),
    arb: () => formatless.chain((value) => bytesAround(Buffer.from(value)).map((b) => (spec: Spec) => void (add(spec, { value, env: true }), ((spec.body as { bytes: Buffer }).bytes = cat((spec.body as { bytes: Buffer }).bytes, Buffer.from(`\x00${b.toString('base64')}\xff`, 'latin1')))))),
  },
  { name: 'response JSON key', applies: resIs('json'), arb: () => fc.tuple(fc.constantFrom(...RESPONSE_JSON_NAMES), namedSecret).map(([k, s]) => (spec) => void ((spec.response.body as { value: Record<string, unknown> }).value[k] = add(spec, s))) },
  { name: 'response JSON free text', applies: resIs('json'), arb: () => namelessSecret.map((s) => (spec) => void ((spec.response.body as { value: Record<string, unknown> }).value['message'] = `your key ${add(spec, s)} expires`)) },
  {
    name: 'response SSE event',
    applies: resIs('sse'),
    arb: () =>
      fc.oneof(
        namelessSecret.map((s) => (spec: Spec) => void (spec.response.body as { events: string[] }).events.push(JSON.stringify({ choices: [{ delta: { content: `token ${add(spec, s)}` } }] }))),
        fc.tuple(fc.constantFrom(...RESPONSE_JSON_NAMES), namedSecret).map(([k, s]) => (spec: Spec) => void (spec.response.body as { events: string[] }).events.push(JSON.stringify({ [k]: add(spec, s) }))),
        namelessSecret.map((s) => (spec: Spec) => void (spec.response.body as { events: string[] }).events.push(`plain ${add(spec, s)}`)),
      ),
  },
  { name: 'response text body', applies: resIs('text'), arb: () => namelessSecret.map((s) => (spec) => void ((spec.response.body as { text: string }).text += ` ${add(spec, s)}`)) },
  { name: 'response binary body', applies: resIs('binary'), arb: () => namelessSecret.chain((s) => bytesAround(Buffer.from(s.value)).map((b) => (spec: Spec) => void (add(spec, s), ((spec.response.body as { bytes: Buffer }).bytes = b)))) },
  { name: 'response location (query)', applies: any, arb: () => namedSecret.map((s) => (spec) => void (spec.response.headers['location'] = `https://example.com/cb?state=1&token=${encodeURIComponent(add(spec, s))}`)) },
  { name: 'response location (path)', applies: any, arb: () => namelessSecret.map((s) => (spec) => void (spec.response.headers['content-location'] = `https://example.com/k/${encodeURIComponent(add(spec, s))}/x`)) },
  { name: 'response www-authenticate', applies: any, arb: () => namedSecret.map((s) => (spec) => void (spec.response.headers['www-authenticate'] = `Bearer realm="api", token="${add(spec, s)}"`)) },
  { name: 'response x-*-token', applies: any, arb: () => fc.tuple(word, namedSecret).map(([w, s]) => (spec) => void (spec.response.headers[`x-${w}-token`] = add(spec, s))) },
  { name: 'response set-cookie', applies: any, arb: () => namedSecret.map((s) => (spec) => void (spec.response.headers['set-cookie'] = `sid=${add(spec, s)}; Path=/`)) },
];

const specArb: fc.Arbitrary<Spec> = fc
  .record({
    channel: fc.constantFrom('sdk', 'fetch', 'http') as fc.Arbitrary<Spec['channel']>,
    body: fc.constantFrom<Body['kind']>('json', 'json', 'form', 'multipart', 'text', 'binary', 'none'),
    res: fc.constantFrom<ResBody['kind']>('json', 'sse', 'text', 'binary'),
  })
  .chain(({ channel, body, res }) => {
    const kind = channel === 'sdk' ? 'json' : channel === 'http' && body === 'multipart' ? 'form' : body;
    const base = (): Spec => ({
      channel,
      path: ['v1', 'things'],
      query: [['limit', '2']],
      headers: { 'content-type': 'application/json' },
      body:
        kind === 'json' ? { kind, value: { model: 'gpt-4o' } } : kind === 'form' || kind === 'multipart' ? { kind, fields: [['grant_type', 'client_credentials']] } : kind === 'text' ? { kind, text: 'hello' } : kind === 'binary' ? { kind, bytes: randomBytes(8) } : { kind },
      response: { headers: {}, body: res === 'json' ? { kind: res, value: { ok: true } } : res === 'sse' ? { kind: res, events: [] } : res === 'text' ? { kind: res, text: 'ok' } : { kind: res, bytes: Buffer.alloc(0) } },
      secrets: [],
      placements: [],
    });
    const probe = base();
    const usable = PLACEMENTS.filter((p) => p.applies(probe));
    return fc.array(fc.constantFrom(...usable), { minLength: 3, maxLength: 8 }).chain((ps) =>
      fc.tuple(...ps.map((p) => p.arb(probe))).map((fns) => {
        const spec = base();
        fns.forEach((f, i) => {
          f(spec);
          spec.placements.push((ps[i] as Placement).name);
        });
        return spec;
      }),
    );
  });

// ---- the loopback server and the three clients ----------------------------------------------
let server: http.Server;
let origin = '';
const responses = new Map<string, Spec['response']>();

function send(res: http.ServerResponse, r: Spec['response']): void {
  const b = r.body;
  const ct = b.kind === 'json' ? 'application/json' : b.kind === 'sse' ? 'text/event-stream' : b.kind === 'text' ? 'text/plain' : 'application/octet-stream';
  res.writeHead(200, { ...r.headers, 'content-type': ct });
  if (b.kind === 'json') res.end(JSON.stringify(b.value));
  else if (b.kind === 'sse') res.end([...b.events, '[DONE]'].map((e) => `data: ${e}\n\n`).join(''));
  else if (b.kind === 'text') res.end(b.text);
  else res.end(b.bytes);
}

function urlOf(spec: Spec): string {
  const q = spec.query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `${origin}/${spec.path.map(encodeURIComponent).join('/')}?${q}`;
}

function requestBody(spec: Spec): { body: Buffer | FormData | undefined; contentType: string | undefined } {
  const b = spec.body;
  switch (b.kind) {
    case 'none':
      return { body: undefined, contentType: undefined };
    case 'json':
      return { body: Buffer.from(JSON.stringify(b.value)), contentType: 'application/json' };
    case 'form':
      return { body: Buffer.from(new URLSearchParams(b.fields).toString()), contentType: 'application/x-www-form-urlencoded' };
    case 'multipart': {
      const fd = new FormData();
      for (const [k, v] of b.fields) fd.append(k, v);
      return { body: fd, contentType: undefined };
    }
    case 'text':
      return { body: Buffer.from(b.text), contentType: 'text/plain' };
    case 'binary':
      return { body: b.bytes, contentType: 'application/octet-stream' };
  }
}

async function call(spec: Spec, id: string): Promise<void> {
  const { body, contentType } = requestBody(spec);
  const headers: Record<string, string> = { ...spec.headers, 'x-fuzz-id': id };
  if (contentType === undefined) delete headers['content-type'];
  else headers['content-type'] = contentType;
  const method = spec.body.kind === 'none' ? 'GET' : 'POST';
  if (spec.channel === 'sdk') {
    const client = new OpenAI({ apiKey: ['sk', 'fuzz', 'not', 'a', 'real', 'key'].join('-'), baseURL: origin, maxRetries: 0 });
    const path = `/${spec.path.map(encodeURIComponent).join('/')}`;
    const res = await client.post(path, { body: (spec.body as { value: unknown }).value, query: Object.fromEntries(spec.query), headers }).asResponse();
    await res.arrayBuffer();
  } else if (spec.channel === 'fetch') {
    const res = await fetch(urlOf(spec), { method, headers, ...(body === undefined ? {} : { body: body instanceof FormData ? body : new Uint8Array(body) }) });
    await res.arrayBuffer();
  } else {
    await new Promise<void>((resolve, reject) => {
      const req = http.request(urlOf(spec), { method, headers }, (res) => {
        res.on('data', () => undefined);
        res.on('end', resolve);
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body instanceof Buffer ? body : undefined);
    });
  }
}

/** Every form a secret could take on disk: raw, URL-encoded, JSON-escaped, base64/base64url at each alignment. */
function diskForms(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret), encodeURIComponent(secret).toLowerCase(), new URLSearchParams({ a: secret }).toString().slice(2)]);
  const bytes = Buffer.from(secret);
  for (let k = 0; k < 3; k++) {
    const part = bytes.subarray(k, k + Math.floor((bytes.length - k) / 3) * 3);
    forms.add(part.toString('base64'));
    forms.add(part.toString('base64url'));
  }
  return [...forms];
}

async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await allFiles(p)));
    else out.push(p);
  }
  return out;
}

describe(`redaction fuzz (${N} requests; REDACT_FUZZ_N sets the number)`, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rehearse-fuzz-'));
    server = http.createServer((req, res) => {
      req.on('data', () => undefined);
      req.on('end', () => {
        const r = responses.get(String(req.headers['x-fuzz-id']));
        if (r === undefined) res.writeHead(404).end();
        else send(res, r);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'property: no secret reaches disk in any form, and the redacted cassette replays',
    async () => {
      let requests = 0;
      let placements = 0;
      const byPlacement = new Map<string, number>();
      let batch = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(specArb, { minLength: BATCH, maxLength: BATCH }), async (specs) => {
          const b = batch++;
          const path = join(dir, `b${b}.yaml`);
          const envNames: string[] = [];
          specs.forEach((spec, i) => {
            spec.secrets.forEach((s, k) => {
              if (!s.env) return;
              const name = `REHEARSE_FUZZ_${b}_${i}_${k}_TOKEN`;
              process.env[name] = s.value;
              envNames.push(name);
            });
            responses.set(`${b}-${i}`, spec.response);
          });
          try {
            await withCassette(path, { mode: 'all', env: {} }, async () => {
              for (const [i, spec] of specs.entries()) await call(spec, `${b}-${i}`);
            });
            const leaks: string[] = [];
            for (const file of await allFiles(dir)) {
              const text = (await readFile(file)).toString('latin1');
              specs.forEach((spec, i) =>
                spec.secrets.forEach((s) => {
                  for (const form of diskForms(s.value))
                    if (text.includes(form)) leaks.push(`${file}: request ${i} (${spec.channel}) ${spec.placements.join(', ')}: ${form}`);
                }),
              );
            }
            expect(leaks).toEqual([]);
            // the redacted recordings still match the live requests
            await withCassette(path, { mode: 'none', env: {} }, async () => {
              for (const [i, spec] of specs.entries()) await call(spec, `${b}-${i}`);
            });
          } finally {
            for (const n of envNames) delete process.env[n];
            await rm(path, { force: true });
          }
          requests += specs.length;
          for (const s of specs) {
            placements += s.placements.length;
            for (const p of s.placements) byPlacement.set(p, (byPlacement.get(p) ?? 0) + 1);
          }
        }),
        // no shrinking: a batch is 20 requests over the network, and the leak list names the placement
        { numRuns: Math.ceil(N / BATCH), endOnFailure: true },
      );
      expect(requests).toBeGreaterThanOrEqual(N);
      expect([...byPlacement.keys()].sort()).toEqual(PLACEMENTS.map((p) => p.name).sort());
      console.log(JSON.stringify({ fuzz: 'redaction', requests, placements, leaks: 0, byPlacement: Object.fromEntries(byPlacement) }));
    },
    Math.max(60_000, N * 300),
  );
});
