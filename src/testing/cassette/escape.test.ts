/**
 * Replay-only is airtight in the process (issue 9): with a cassette in mode `none` (and with
 * `CI` set), every in-process channel is tried against live loopback servers this file starts,
 * over connections opened BEFORE the cassette (keep-alive pools, sessions, raw sockets) and new
 * ones; each attempt must fail with CassetteEscape naming the request, and the servers must
 * count 0 requests while the cassette is active.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import fc from 'fast-check';
import OpenAI from 'openai';
import * as undici from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, OpenAIChatModel } from '../../runtime/index.js';
import { CassetteEscape } from './cassette.js';
import { interceptionActive } from './interception.js';
import { ERROR_ID_HEADER } from './surfaced-errors.js';
import { activeCassette, withCassette, type CassetteOptions } from './with-cassette.js';

// snapshots of the builtins taken before any cassette, as ESM named imports are
const capturedHttpRequest = http.request;
const capturedHttpsRequest = https.request;
const capturedFetch = globalThis.fetch;

const dir = mkdtempSync(join(tmpdir(), 'rehearse-escape-'));
const hits: string[] = [];
let counting = false;
const servers: { close(): void }[] = [];
let httpPort = 0;
let httpsPort = 0;
let h2Port = 0;
let ca = '';

function hit(what: string): void {
  if (counting) hits.push(what);
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return (server.address() as net.AddressInfo).port;
}

const completion = JSON.stringify({ id: 'c', object: 'chat.completion', created: 1, model: 'gpt-4o', choices: [{ index: 0, message: { role: 'assistant', content: 'live' }, finish_reason: 'stop' }] });

beforeAll(async () => {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  ca = readFileSync(cert, 'utf8');
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    hit(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(completion);
    });
  };
  const plain = http.createServer({ keepAliveTimeout: 60_000 }, handler);
  httpPort = await listen(plain);
  const secure = https.createServer({ key: readFileSync(key), cert: readFileSync(cert), keepAliveTimeout: 60_000 }, handler);
  httpsPort = await listen(secure);
  const h2 = http2.createServer();
  h2.on('stream', (stream, headers) => {
    hit(`h2 ${String(headers[':method'])} ${String(headers[':path'])}`);
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.end(completion);
  });
  h2Port = await listen(h2);
});

afterAll(() => {
  for (const s of servers) s.close();
});

type Outcome = string;

/** Whether a response or an error (or one of its causes) is a CassetteEscape, or the synthetic 599 that carries one. */
function isEscape(x: unknown): boolean {
  for (let c: unknown = x; c !== undefined && c !== null; c = (c as { cause?: unknown }).cause) {
    if (c instanceof CassetteEscape) return true;
    const headers = (c as { headers?: unknown }).headers;
    const id = headers instanceof Headers || (typeof headers === 'object' && headers !== null && typeof (headers as Headers).get === 'function')
      ? (headers as Headers).get(ERROR_ID_HEADER)
      : (headers as Record<string, unknown> | undefined)?.[ERROR_ID_HEADER];
    if (id !== undefined && id !== null) return true;
  }
  return false;
}

/** What an attempt came to: `escape` when it failed with (or was answered for) a CassetteEscape. */
async function outcome(attempt: () => Promise<unknown>): Promise<Outcome> {
  try {
    const r = await attempt();
    if (isEscape(r)) return 'escape';
    const status = (r as { status?: unknown; statusCode?: unknown } | null)?.status ?? (r as { statusCode?: unknown } | null)?.statusCode;
    return status !== undefined ? `status ${String(status)}` : `resolved ${String(r)}`;
  } catch (e) {
    return isEscape(e) ? 'escape' : `error ${(e as Error).name}: ${(e as Error).message}`;
  }
}

function httpSend(request: typeof http.request, url: string, agent: http.Agent | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' }, ca } as http.RequestOptions, (res) => {
      let s = '';
      res.on('data', (c: Buffer) => (s += c.toString()));
      res.on('end', () => resolve(s));
    });
    req.on('error', reject);
    req.end('{"model":"gpt-4o"}');
  });
}

function h2Send(session: http2.ClientHttp2Session, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': path });
    let s = '';
    stream.on('data', (c: Buffer) => (s += c.toString()));
    stream.on('end', () => resolve(s));
    stream.on('error', reject);
    stream.end('{}');
  });
}

function rawSend(socket: net.Socket, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.once('data', (d) => resolve(d.toString()));
    socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${httpPort}\r\nContent-Length: 2\r\n\r\n{}`);
  });
}

/** Every channel, over connections opened before the cassette, and new ones. */
interface Channels {
  attempts: Record<string, () => Promise<unknown>>;
  close(): void;
}

async function openChannels(): Promise<Channels> {
  const base = `http://127.0.0.1:${httpPort}`;
  const sbase = `https://127.0.0.1:${httpsPort}`;
  const keepAlive = new http.Agent({ keepAlive: true });
  const keepAliveTls = new https.Agent({ keepAlive: true, ca });
  const undiciAgent = new undici.Agent({ keepAliveTimeout: 60_000, connect: { ca } });
  const pool = new undici.Pool(base, { connections: 1 });
  const sdkWithDispatcher = new OpenAI({ apiKey: 'sk-test', baseURL: `${base}/v1`, maxRetries: 2, fetchOptions: { dispatcher: undiciAgent } as unknown as NonNullable<ConstructorParameters<typeof OpenAI>[0]>['fetchOptions'] });
  const sdkBuiltBefore = new OpenAI({ apiKey: 'sk-test', baseURL: `${base}/v1`, maxRetries: 2 });
  const session = http2.connect(`http://127.0.0.1:${h2Port}`);
  const raw = net.connect(httpPort, '127.0.0.1');
  const rawTls = tls.connect({ host: '127.0.0.1', port: httpsPort, ca });
  await Promise.all([new Promise((r) => raw.once('connect', r)), new Promise((r) => rawTls.once('secureConnect', r))]);
  // warm every pool: these connections stay open into the cassette
  const ask = (c: OpenAI) => c.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
  await httpSend(capturedHttpRequest, `${base}/warm/global-agent`, undefined);
  await httpSend(capturedHttpRequest, `${base}/warm/keep-alive`, keepAlive);
  await httpSend(capturedHttpsRequest as typeof http.request, `${sbase}/warm/keep-alive-tls`, keepAliveTls);
  await (await capturedFetch(`${base}/warm/fetch`, { method: 'POST', body: '{}' })).text();
  await (await undici.request(`${base}/warm/undici-agent`, { method: 'POST', body: '{}', dispatcher: undiciAgent })).body.text();
  await (await undici.request(`${sbase}/warm/undici-agent-tls`, { method: 'POST', body: '{}', dispatcher: undiciAgent })).body.text();
  await (await pool.request({ path: '/warm/pool', method: 'POST', body: '{}' })).body.text();
  await ask(sdkWithDispatcher);
  await ask(sdkBuiltBefore);
  await h2Send(session, '/warm/h2');
  await rawSend(raw, '/warm/raw');
  const attempts: Record<string, () => Promise<unknown>> = {
    'fetch captured before (global dispatcher, kept-alive)': () => capturedFetch(`${base}/v1/fetch`, { method: 'POST', body: '{}' }),
    'fetch with an undici Agent dispatcher (kept-alive)': () => capturedFetch(`${base}/v1/fetch-dispatcher`, { method: 'POST', body: '{}', dispatcher: undiciAgent } as unknown as RequestInit),
    'undici.fetch with its Agent': () => undici.fetch(`${base}/v1/undici-fetch`, { method: 'POST', body: '{}', dispatcher: undiciAgent }),
    'undici.request with a kept-alive Agent': () => undici.request(`${base}/v1/undici-request`, { method: 'POST', body: '{}', dispatcher: undiciAgent }),
    'undici.request over TLS with a kept-alive Agent': () => undici.request(`${sbase}/v1/undici-request-tls`, { method: 'POST', body: '{}', dispatcher: undiciAgent }),
    'undici Pool': () => pool.request({ path: '/v1/pool', method: 'POST', body: '{}' }),
    'undici new Client': () => new undici.Client(base).request({ path: '/v1/client', method: 'POST', body: '{}' }),
    'openai SDK with fetchOptions.dispatcher': () => ask(sdkWithDispatcher),
    'openai SDK built before the cassette': () => ask(sdkBuiltBefore),
    'http.request (captured) on globalAgent keep-alive socket': () => httpSend(capturedHttpRequest, `${base}/v1/global-agent`, undefined),
    'http.request (captured) on a custom keep-alive agent': () => httpSend(capturedHttpRequest, `${base}/v1/keep-alive`, keepAlive),
    'https.request (captured) on a custom keep-alive agent': () => httpSend(capturedHttpsRequest as typeof http.request, `${sbase}/v1/keep-alive-tls`, keepAliveTls),
    'http.request (captured) with a new agent': () => httpSend(capturedHttpRequest, `${base}/v1/new-agent`, new http.Agent()),
    'http2 session opened before': () => h2Send(session, '/v1/h2'),
    'http2.connect inside': () => h2Send(http2.connect(`http://127.0.0.1:${h2Port}`).on('error', () => undefined), '/v1/h2-new'),
    'raw socket opened before': () => rawSend(raw, '/v1/raw'),
    'raw TLS socket opened before': () =>
      new Promise((resolve, reject) => {
        rawTls.once('error', reject);
        rawTls.once('data', (d) => resolve(d.toString()));
        rawTls.write(`POST /v1/raw-tls HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n`);
      }),
    'new raw socket': () => rawSend(net.connect(httpPort, '127.0.0.1'), '/v1/raw-new'),
  };
  return {
    attempts,
    close() {
      keepAlive.destroy();
      keepAliveTls.destroy();
      void undiciAgent.close();
      void pool.close();
      session.destroy();
      raw.destroy();
      rawTls.destroy();
    },
  };
}

describe('replay-only cassettes let no request out by any in-process channel', () => {
  const variants: [string, CassetteOptions][] = [
    ["mode 'none'", { mode: 'none', env: {} }],
    ['CI set', { env: { CI: 'true' } }],
  ];
  for (const [label, options] of variants) {
    it(`${label}: every channel fails with CassetteEscape and the servers count 0 requests`, async () => {
      const channels = await openChannels();
      const outcomes: Record<string, Outcome> = {};
      const path = join(dir, `${label.replace(/\W+/g, '-')}.yaml`);
      let cassetteErrors: readonly Error[] = [];
      const err = await withCassette(path, options, async () => {
        counting = true;
        for (const [name, attempt] of Object.entries(channels.attempts)) outcomes[name] = await outcome(attempt);
        counting = false;
        cassetteErrors = [...(activeCassette()?.errors ?? [])];
      }).catch((e: unknown) => e);
      counting = false;
      expect(hits).toEqual([]);
      expect(outcomes).toEqual(Object.fromEntries(Object.keys(channels.attempts).map((k) => [k, 'escape'])));
      expect(err).toBeInstanceOf(CassetteEscape);
      // each escape names its request
      const urls = cassetteErrors.map((e) => (e as CassetteEscape).url);
      for (const p of ['/v1/fetch', '/v1/undici-request', '/v1/pool', '/v1/chat/completions', '/v1/global-agent', '/v1/keep-alive', '/v1/keep-alive-tls', '/v1/h2', '/v1/raw'])
        expect(urls.some((u) => u.endsWith(p)), `${p} in ${urls.join(', ')}`).toBe(true);
      // …and was caught where it tried to leave: kept-alive sockets were really reused (a write,
      // not a new connection), dispatchers at request creation
      const transportOf = (suffix: string) => cassetteErrors.map((e) => e as CassetteEscape).find((e) => e.url.endsWith(suffix))?.transport;
      expect(
        Object.fromEntries(['/v1/fetch', '/v1/undici-request', '/v1/undici-request-tls', '/v1/pool', '/v1/global-agent', '/v1/keep-alive', '/v1/keep-alive-tls', '/v1/h2', '/v1/raw', '/v1/raw-tls'].map((p) => [p, transportOf(p)])),
      ).toEqual({
        '/v1/fetch': 'fetch',
        '/v1/undici-request': 'dispatcher',
        '/v1/undici-request-tls': 'dispatcher',
        '/v1/pool': 'dispatcher',
        '/v1/global-agent': 'socket-write',
        '/v1/keep-alive': 'socket-write',
        '/v1/keep-alive-tls': 'socket-write',
        '/v1/h2': 'http2',
        '/v1/raw': 'socket-write',
        '/v1/raw-tls': 'socket-write',
      });
      // the same pre-opened connections work again once the cassette is gone
      counting = true;
      const after = await outcome(() => httpSend(capturedHttpRequest, `http://127.0.0.1:${httpPort}/after`, undefined));
      const afterH2 = await outcome(() => undici.request(`http://127.0.0.1:${httpPort}/after-undici`, { method: 'POST', body: '{}' }).then((r) => r.body.text()));
      counting = false;
      expect([after, afterH2]).toEqual([`resolved ${completion}`, `resolved ${completion}`]);
      hits.length = 0;
      channels.close();
    });
  }

  it('an SDK client built before the cassette gets CassetteEscape from the model at once, with no retries', async () => {
    let attempts = 0;
    const countingFetch: typeof fetch = (input, init) => {
      attempts += 1;
      return capturedFetch(input, init);
    };
    const client = new OpenAI({ apiKey: 'sk-test', baseURL: `http://127.0.0.1:${httpPort}/v1`, maxRetries: 2, fetch: countingFetch });
    const agent = new Agent({ model: new OpenAIChatModel('gpt-4o', { client }) });
    const err = await withCassette(join(dir, 'sdk-before.yaml'), { mode: 'none', env: {} }, () => agent.run('hi')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CassetteEscape);
    expect((err as CassetteEscape).url).toBe(`http://127.0.0.1:${httpPort}/v1/chat/completions`);
    expect((err as Error).cause).toBeUndefined();
    expect(attempts).toBe(1);
  });

  it('work outside the cassette context is untouched while a replay-only cassette is active elsewhere', async () => {
    const base = `http://127.0.0.1:${httpPort}`;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const inside = withCassette(join(dir, 'held.yaml'), { mode: 'none', env: {}, allowUnplayed: true }, () => held);
    for (let i = 0; i < 200 && !interceptionActive(); i += 1) await new Promise((r) => setTimeout(r, 5));
    expect(interceptionActive()).toBe(true);
    counting = true;
    const results = [
      await outcome(() => httpSend(capturedHttpRequest, `${base}/outside/http`, undefined)),
      await outcome(() => capturedFetch(`${base}/outside/fetch`, { method: 'POST', body: '{}' })),
      await outcome(() => undici.request(`${base}/outside/undici`, { method: 'POST', body: '{}' }).then(() => 'ok')),
    ];
    counting = false;
    release();
    await inside;
    expect(results).toEqual([`resolved ${completion}`, 'status 200', 'resolved ok']);
    expect(hits).toEqual(['POST /outside/http', 'POST /outside/fetch', 'POST /outside/undici']);
    hits.length = 0;
  });

  it('concurrent replay-only, recording and cassette-free contexts: only replay-only contexts are blocked, each by its own guard (property)', async () => {
    const base = `http://127.0.0.1:${httpPort}`;
    const keepAlive = new http.Agent({ keepAlive: true });
    const undiciAgent = new undici.Agent({ keepAliveTimeout: 60_000 });
    await httpSend(capturedHttpRequest, `${base}/warm/p`, keepAlive);
    await (await undici.request(`${base}/warm/p`, { method: 'POST', body: '{}', dispatcher: undiciAgent })).body.text();
    type Channel = 'fetch-captured' | 'fetch' | 'http-keep-alive' | 'undici-agent' | 'raw-socket';
    type Where = 'replay' | 'record' | 'outside';
    // where each channel reaches the server from; a recording cassette needs real connections,
    // so only a captured fetch is caught there (documented)
    const reaches: Record<Channel, Record<Where, boolean>> = {
      'fetch-captured': { replay: false, record: false, outside: true },
      fetch: { replay: false, record: true, outside: true },
      'http-keep-alive': { replay: false, record: true, outside: true },
      'undici-agent': { replay: false, record: true, outside: true },
      'raw-socket': { replay: false, record: true, outside: true },
    };
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ channel: fc.constantFrom<Channel>('fetch-captured', 'fetch', 'http-keep-alive', 'undici-agent', 'raw-socket'), where: fc.constantFrom<Where>('replay', 'record', 'outside'), delay: fc.nat(3) }), { minLength: 1, maxLength: 8 }),
        async (tasks) => {
          run += 1;
          const sockets = await Promise.all(
            tasks.map((t) => (t.channel === 'raw-socket' ? new Promise<net.Socket>((r) => { const sock = net.connect(httpPort, '127.0.0.1', () => r(sock)); }) : Promise.resolve(undefined))),
          );
          hits.length = 0;
          counting = true;
          await Promise.all(
            tasks.map(async (t, i) => {
              const path = `/p/${run}/${i}`;
              const attempt = async () => {
                await new Promise((r) => setTimeout(r, t.delay));
                switch (t.channel) {
                  case 'fetch-captured':
                    return capturedFetch(`${base}${path}`, { method: 'POST', body: '{}' }).then((r) => r.text());
                  case 'fetch':
                    return globalThis.fetch(`${base}${path}`, { method: 'POST', body: '{}' }).then((r) => r.text());
                  case 'http-keep-alive':
                    return httpSend(capturedHttpRequest, `${base}${path}`, keepAlive);
                  case 'undici-agent':
                    return undici.request(`${base}${path}`, { method: 'POST', body: '{}', dispatcher: undiciAgent }).then((r) => r.body.text());
                  case 'raw-socket':
                    return rawSend(sockets[i] as net.Socket, path);
                }
              };
              const settle = (p: Promise<unknown>) => p.then(() => undefined, () => undefined);
              if (t.where === 'outside') await settle(attempt());
              else await settle(withCassette(join(dir, `prop-${run}-${i}.yaml`), { mode: t.where === 'replay' ? 'none' : 'all', env: {}, allowUnplayed: true }, () => settle(attempt())));
            }),
          );
          counting = false;
          for (const sock of sockets) sock?.destroy();
          const expected = tasks.flatMap((t, i) => (reaches[t.channel][t.where] ? [`POST /p/${run}/${i}`] : []));
          expect(hits.filter((h) => h.startsWith('POST /p/')).sort()).toEqual(expected.sort());
          hits.length = 0;
        },
      ),
      { numRuns: 25 },
    );
    keepAlive.destroy();
    await undiciAgent.close();
  });
});
