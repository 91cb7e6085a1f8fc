/**
 * The escape guards: layers under the interceptors that stop requests which bypassed them.
 * Installed once while cassettes are active (reference-counted); each check asks which
 * cassette the current async context belongs to ({@link routedCassette}), so work outside
 * every cassette is never touched and passthrough hosts always pass.
 *
 * In every mode:
 * - Global dispatcher. A client that saved `fetch` before msw patched it calls undici's
 *   global dispatcher (`globalThis[Symbol.for('undici.globalDispatcher.1')]`) directly. The
 *   guard wraps it: a dispatch from a cassette's context that the interceptor did not pass on
 *   itself is answered at once with a synthetic `599` carrying the {@link CassetteEscape}
 *   (`x-should-retry: false`, so the openai SDK does not retry, and the provider model
 *   rethrows the escape itself).
 *
 * While the context's cassette replays only (no real connection is legitimate there):
 * - `undici:request:create` (diagnostics channel, shared by Node's bundled undici and the npm
 *   package): a request on any undici dispatcher (an `Agent`/`Pool`/`Client` given as
 *   `dispatcher`, keep-alive connections included) is marked aborted before it is written and
 *   answered with the same synthetic 599.
 * - `net.Socket.prototype.connect` (under `net.connect`, `tls.connect`, http agents, undici,
 *   `http2.connect`): a new TCP/TLS connection fails before DNS or connect.
 * - `net.Socket.prototype._writeGeneric` (every write to a TCP/TLS socket, plaintext before
 *   TLS): bytes written to a connection opened earlier (a keep-alive `http.Agent`'s pooled
 *   socket, a raw socket) are not sent; the write fails and the socket is destroyed. An HTTP/1
 *   request line in the bytes names the request.
 * - `ClientHttp2Session.prototype.request`: a request on an HTTP/2 session (opened before or
 *   after) throws before any frame is sent.
 *
 * Unix sockets, pipes, stdio and IPC are never touched. Out of reach: other threads and
 * processes (worker threads, child processes) and native addons that do their own I/O.
 */
import diagnostics from 'node:diagnostics_channel';
import net from 'node:net';
import { Duplex } from 'node:stream';
import type { CassetteError } from './cassette.js';
import { routedCassette, type EscapeInfo, type RoutedCassette } from './routing.js';
import { sharedInstall, type SharedInstall } from './ref-count.js';
import { syntheticErrorResponse } from './surfaced-errors.js';

const DISPATCHER = Symbol.for('undici.globalDispatcher.1');

interface DispatchOptions {
  origin?: string | URL;
  path?: string;
  method?: string;
}
interface Dispatcher {
  dispatch(opts: DispatchOptions, handler: unknown): boolean;
}

interface LegacyHandler {
  onConnect?(abort: (err?: Error) => void): void;
  onHeaders?(status: number, headers: Buffer[], resume: () => void, statusText: string): boolean;
  onData?(chunk: Buffer): boolean;
  onComplete?(trailers: Buffer[]): void;
  onError?(err: Error): void;
  onRequestStart?(controller: unknown, context: unknown): void;
  onResponseStart?(controller: unknown, status: number, headers: Record<string, string>, statusText: string): void;
  onResponseData?(controller: unknown, chunk: Buffer): void;
  onResponseEnd?(controller: unknown, trailers: Record<string, string>): void;
}

/** Answers an undici dispatch handler (old or new handler API) with a synthetic response, on a later tick. */
function answerHandler(handler: unknown, error: CassetteError): void {
  const h = handler as LegacyHandler;
  const res = syntheticErrorResponse(error, 'cassette_escape');
  queueMicrotask(() => {
    try {
      if (typeof h.onHeaders === 'function') {
        h.onConnect?.(() => undefined);
        const raw = Object.entries(res.headers).flatMap(([k, v]) => [Buffer.from(k), Buffer.from(v)]);
        h.onHeaders(res.status, raw, () => undefined, res.statusText);
        h.onData?.(Buffer.from(res.body));
        h.onComplete?.([]);
      } else if (typeof h.onResponseStart === 'function') {
        const controller = { paused: false, aborted: false, reason: null, abort: () => undefined, pause: () => undefined, resume: () => undefined };
        h.onRequestStart?.(controller, {});
        h.onResponseStart(controller, res.status, res.headers, res.statusText);
        h.onResponseData?.(controller, Buffer.from(res.body));
        h.onResponseEnd?.(controller, {});
      } else h.onError?.(error);
    } catch (e) {
      h.onError?.(e instanceof Error ? e : error);
    }
  });
}

function hostAllowed(cassette: RoutedCassette, host: string, port: number | undefined): boolean {
  try {
    const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    return cassette.isPassthrough(new URL(`http://${h}${port !== undefined && Number.isFinite(port) ? `:${port}` : ''}`));
  } catch {
    return false;
  }
}

/** The cassette whose replay-only context this is, when escapes are blocked there. */
function replayOnlyCassette(): RoutedCassette | undefined {
  const c = routedCassette();
  return c !== undefined && c.blocksEscapes && !c.records ? c : undefined;
}

// ---- global dispatcher (every mode) ----

/** Makes sure undici's global dispatcher exists (touching `Response` loads Node's bundled undici), so the guard has something to wrap. */
function ensureDispatcherLoaded(): void {
  if ((globalThis as Record<symbol, unknown>)[DISPATCHER] === undefined) void globalThis.Response;
}

function installDispatcherGuard(): (() => void) | undefined {
  const g = globalThis as Record<symbol, unknown>;
  const original = g[DISPATCHER] as Dispatcher | undefined;
  if (original === undefined || typeof original.dispatch !== 'function') return undefined;
  const proxy = new Proxy(original as object, {
    get(target, prop) {
      if (prop === 'dispatch') {
        return (opts: DispatchOptions, handler: unknown): boolean => {
          const cassette = routedCassette();
          if (cassette === undefined || !cassette.blocksEscapes) return original.dispatch(opts, handler);
          const origin = String(opts.origin ?? '').replace(/\/$/, '');
          const url = `${origin}${opts.path ?? '/'}`;
          try {
            if (cassette.isPassthrough(new URL(url))) return original.dispatch(opts, handler);
          } catch {
            /* unparsable: treat as escaped */
          }
          if (cassette.takeExpected(url)) return original.dispatch(opts, handler);
          answerHandler(handler, cassette.escape({ url, method: opts.method ?? 'GET', transport: 'fetch' }));
          return true;
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  g[DISPATCHER] = proxy;
  return () => {
    if (g[DISPATCHER] === proxy) g[DISPATCHER] = original;
  };
}

// ---- replay-only layers ----

/** Host and port a `Socket#connect(...)` call targets; `undefined` for a Unix socket / pipe. */
function connectTarget(args: unknown[]): { host: string; port: number } | undefined {
  let a0 = args[0];
  if (Array.isArray(a0)) a0 = a0[0]; // net.connect passes its already-normalised arguments
  if (typeof a0 === 'object' && a0 !== null) {
    const o = a0 as { path?: unknown; host?: unknown; port?: unknown };
    if (o.path !== undefined && o.path !== null) return undefined;
    return { host: typeof o.host === 'string' && o.host !== '' ? o.host : 'localhost', port: Number(o.port) };
  }
  if (typeof a0 === 'number' || (typeof a0 === 'string' && /^\d+$/.test(a0)))
    return { host: typeof args[1] === 'string' && args[1] !== '' ? args[1] : 'localhost', port: Number(a0) };
  return undefined; // a path string
}

interface SocketInternals {
  _host?: string | null;
  servername?: string;
  encrypted?: boolean;
  connecting?: boolean;
  remoteAddress?: string;
  remotePort?: number;
}

/** Whether a socket is (or is becoming) a TCP/TLS connection, as opposed to a pipe, a TTY or a mock. */
function isNetworkSocket(s: SocketInternals): boolean {
  return typeof s.remoteAddress === 'string' || (s.connecting === true && typeof s._host === 'string');
}

function socketAllowed(cassette: RoutedCassette, s: SocketInternals): boolean {
  for (const host of [s._host, s.servername, s.remoteAddress]) if (typeof host === 'string' && host !== '' && hostAllowed(cassette, host, s.remotePort)) return true;
  return false;
}

type WriteChunk = { chunk: unknown; encoding?: string };

/** Names the request in bytes written to a socket: an HTTP/1 request line and `Host`, else the peer. */
export function describeWrite(s: SocketInternals, chunks: readonly WriteChunk[]): { url: string; method: string } {
  let text = '';
  for (const { chunk, encoding } of chunks) {
    if (text.length >= 16_384) break;
    text += typeof chunk === 'string' ? Buffer.from(chunk, (encoding as BufferEncoding | undefined) ?? 'utf8').toString('latin1') : Buffer.from(chunk as Uint8Array).toString('latin1');
  }
  const peer = `${s._host ?? s.remoteAddress ?? 'unknown'}${s.remotePort !== undefined ? `:${s.remotePort}` : ''}`;
  const line = /^([A-Z]+) (\S+) HTTP\/1\.[01]\r\n/.exec(text);
  if (line === null) return { url: `tcp://${peer}`, method: 'WRITE' };
  const host = /\r\nhost:[ \t]*([^\r\n]+)/i.exec(text)?.[1]?.trim() ?? peer;
  const target = line[2] ?? '/';
  return { url: /^https?:\/\//.test(target) ? target : `${s.encrypted === true ? 'https' : 'http'}://${host}${target}`, method: line[1] ?? 'GET' };
}

let http2Proto: { request: (...a: unknown[]) => unknown } | undefined;

/** `ClientHttp2Session.prototype`, which Node does not export: taken from a session over a dummy stream. */
function clientHttp2SessionPrototype(http2: typeof import('node:http2')): { request: (...a: unknown[]) => unknown } {
  if (http2Proto !== undefined) return http2Proto;
  const stream = new Duplex({ read() {}, write: (_c, _e, cb: () => void) => cb() });
  const session = http2.connect('http://localhost', { createConnection: () => stream as unknown as net.Socket });
  session.on('error', () => undefined);
  http2Proto = Object.getPrototypeOf(session) as { request: (...a: unknown[]) => unknown };
  session.destroy();
  stream.destroy();
  return http2Proto;
}

function installReplayOnlyGuards(http2: typeof import('node:http2')): () => void {
  const restore: (() => void)[] = [];
  const proto = net.Socket.prototype as unknown as {
    connect: (...a: unknown[]) => unknown;
    _writeGeneric: (writev: boolean, data: unknown, encoding: string, cb: (err?: Error | null) => void) => unknown;
  };

  const originalConnect = proto.connect;
  const connect = function connect(this: net.Socket, ...a: unknown[]): unknown {
    const cassette = replayOnlyCassette();
    const target = cassette === undefined ? undefined : connectTarget(a);
    if (cassette === undefined || target === undefined || hostAllowed(cassette, target.host, target.port)) return originalConnect.apply(this, a);
    const err = cassette.escape({ url: `tcp://${target.host}:${target.port}`, method: 'CONNECT', transport: 'socket' });
    process.nextTick(() => this.destroy(err));
    return this;
  };
  proto.connect = connect;
  restore.push(() => {
    if (proto.connect === connect) proto.connect = originalConnect;
  });

  const originalWrite = proto._writeGeneric;
  const writeGeneric = function _writeGeneric(this: net.Socket, writev: boolean, data: unknown, encoding: string, cb: (err?: Error | null) => void): unknown {
    const cassette = replayOnlyCassette();
    const s = this as unknown as SocketInternals;
    if (cassette === undefined || !isNetworkSocket(s) || socketAllowed(cassette, s)) return originalWrite.call(this, writev, data, encoding, cb);
    const chunks = writev ? (data as WriteChunk[]) : [{ chunk: data, encoding }];
    const err = cassette.escape({ ...describeWrite(s, chunks), transport: 'socket-write' });
    cb(err);
    this.destroy(err);
    return undefined;
  };
  proto._writeGeneric = writeGeneric;
  restore.push(() => {
    if (proto._writeGeneric === writeGeneric) proto._writeGeneric = originalWrite;
  });

  const h2 = clientHttp2SessionPrototype(http2);
  const originalRequest = h2.request;
  const request = function request(this: unknown, ...a: unknown[]): unknown {
    const cassette = replayOnlyCassette();
    if (cassette === undefined) return originalRequest.apply(this, a);
    const headers = (a[0] ?? {}) as Record<string, unknown>;
    const session = this as unknown as { originSet?: string[]; socket?: SocketInternals };
    const origin = session.originSet?.[0] ?? `tcp://${session.socket?.remoteAddress ?? 'unknown'}`;
    const authority = typeof headers[':authority'] === 'string' ? `${origin.split('://')[0]}://${headers[':authority']}` : origin;
    const url = `${authority}${typeof headers[':path'] === 'string' ? headers[':path'] : '/'}`;
    try {
      if (cassette.isPassthrough(new URL(url))) return originalRequest.apply(this, a);
    } catch {
      /* unparsable: treat as escaped */
    }
    throw cassette.escape({ url, method: typeof headers[':method'] === 'string' ? headers[':method'] : 'GET', transport: 'http2' });
  };
  h2.request = request;
  restore.push(() => {
    if (h2.request === request) h2.request = originalRequest;
  });

  const onCreate = (message: unknown): void => {
    const cassette = replayOnlyCassette();
    if (cassette === undefined) return;
    const req = (message as { request?: Record<string | symbol, unknown> }).request;
    if (req === undefined) return;
    const url = `${String(req['origin'] ?? '').replace(/\/$/, '')}${String(req['path'] ?? '/')}`;
    try {
      if (cassette.isPassthrough(new URL(url))) return;
    } catch {
      /* unparsable: treat as escaped */
    }
    const handlerKey = Object.getOwnPropertySymbols(req).find((k) => k.description === 'handler');
    const err = cassette.escape({ url, method: String(req['method'] ?? 'GET'), transport: 'dispatcher' });
    // an aborted request is dropped from the client's queue without being written
    req['aborted'] = true;
    if (handlerKey !== undefined) answerHandler(req[handlerKey], err);
  };
  diagnostics.subscribe('undici:request:create', onCreate);
  restore.push(() => diagnostics.unsubscribe('undici:request:create', onCreate));

  return () => {
    for (const r of restore.reverse()) r();
  };
}

const dispatcherGuard = sharedInstall(installDispatcherGuard);
let replayOnlyGuards: SharedInstall | undefined;

/**
 * Installs the guards for one more cassette that blocks escapes; `replayOnly` adds the
 * replay-only layers. Returns the release function: each layer is removed when its last
 * cassette releases it.
 */
export async function acquireEscapeGuards(options: { replayOnly: boolean }): Promise<() => void> {
  ensureDispatcherLoaded();
  if (options.replayOnly && replayOnlyGuards === undefined) {
    const http2 = await import('node:http2');
    replayOnlyGuards ??= sharedInstall(() => installReplayOnlyGuards(http2));
  }
  const releases = [dispatcherGuard.acquire(), ...(options.replayOnly && replayOnlyGuards !== undefined ? [replayOnlyGuards.acquire()] : [])];
  return () => {
    for (const r of releases.reverse()) r();
  };
}

export type { EscapeInfo };
