/**
 * The escape guards, two layers under the interceptors.
 *
 * - Dispatcher guard. msw's FetchInterceptor patches `globalThis.fetch`; a client that saved
 *   a reference to `fetch` earlier calls the original, which goes straight to undici's global
 *   dispatcher (`globalThis[Symbol.for('undici.globalDispatcher.1')]` in Node 18–22). While a
 *   cassette is active the guard replaces that dispatcher with a proxy that lets through only
 *   the requests the interceptor itself passes on (recording, passthrough hosts) and blocks
 *   the rest with an error that says the request escaped.
 * - Socket guard. The ClientRequestInterceptor patches `http.request`/`https.request`/`get`
 *   and `ClientRequest` on the module objects; a function taken before (an ESM named import
 *   such as `import { request } from 'node:https'` is a snapshot) bypasses it and reaches
 *   `net`. While a replay-only cassette is active nothing may connect anywhere but to
 *   passthrough hosts, so the guard wraps `net.Socket.prototype.connect` (which `net.connect`,
 *   `tls.connect`, http agents and undici all go through) and fails any other TCP connection
 *   before its DNS lookup or connect: the socket is destroyed with the escape error on the next
 *   tick, as a refused connection would be. Unix sockets and pipes (`path`) are let through.
 */
import net from 'node:net';

const DISPATCHER = Symbol.for('undici.globalDispatcher.1');

interface DispatchOptions {
  origin?: string | URL;
  path?: string;
  method?: string;
}
interface Dispatcher {
  dispatch(opts: DispatchOptions, handler: unknown): boolean;
}

/** Builds the error for an escaped request (and records it where the caller wants). */
export type EscapeHandler = (escaped: { url: string; method: string }) => Error;

/** An installed guard; `uninstall()` restores the original dispatcher. */
export interface EscapeGuard {
  /** Lets one dispatch to `url` (origin + path + query) through: the interceptor's own passthrough. */
  expect(url: string): void;
  uninstall(): void;
}

function keyOf(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}${u.search}`;
}

/** Makes sure undici (and its global dispatcher) is loaded, so the guard has something to wrap. */
export async function ensureDispatcherLoaded(fetchFn: typeof fetch): Promise<void> {
  if ((globalThis as Record<symbol, unknown>)[DISPATCHER] !== undefined) return;
  await fetchFn('data:,').then((r) => r.text());
}

/**
 * Installs the guard. `allowHost(host)` says which hosts may always pass (passthrough hosts).
 * Returns `undefined` when this runtime has no undici global dispatcher to guard.
 */
export function installEscapeGuard(args: { allowHost: (url: URL) => boolean; onEscape: EscapeHandler }): EscapeGuard | undefined {
  const g = globalThis as Record<symbol, unknown>;
  const original = g[DISPATCHER] as Dispatcher | undefined;
  if (original === undefined || typeof original.dispatch !== 'function') return undefined;
  const expected = new Map<string, number>();
  const proxy = new Proxy(original as object, {
    get(target, prop) {
      if (prop === 'dispatch') {
        return (opts: DispatchOptions, handler: unknown): boolean => {
          const origin = String(opts.origin ?? '').replace(/\/$/, '');
          const url = `${origin}${opts.path ?? '/'}`;
          let key = url;
          try {
            key = keyOf(url);
            if (args.allowHost(new URL(url))) return original.dispatch(opts, handler);
          } catch {
            /* unparsable: treat as escaped */
          }
          const n = expected.get(key) ?? 0;
          if (n > 0) {
            if (n === 1) expected.delete(key);
            else expected.set(key, n - 1);
            return original.dispatch(opts, handler);
          }
          throw args.onEscape({ url, method: opts.method ?? 'GET' });
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  g[DISPATCHER] = proxy;
  return {
    expect(url: string) {
      const key = keyOf(url);
      expected.set(key, (expected.get(key) ?? 0) + 1);
    },
    uninstall() {
      if (g[DISPATCHER] === proxy) g[DISPATCHER] = original;
    },
  };
}

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

/** An installed socket guard; `uninstall()` puts the original `Socket#connect` back. */
export interface SocketGuard {
  uninstall(): void;
}

/**
 * Installs the socket guard: while installed, `net.Socket.prototype.connect` to a host that
 * `allowHost` refuses does not connect; the socket is destroyed on the next tick with the
 * error `onEscape` builds.
 */
export function installSocketGuard(args: { allowHost: (url: URL) => boolean; onEscape: (target: { host: string; port: number }) => Error }): SocketGuard {
  const proto = net.Socket.prototype as unknown as { connect: (...a: unknown[]) => unknown };
  const original = proto.connect;
  const guarded = function connect(this: net.Socket, ...a: unknown[]): unknown {
    const target = connectTarget(a);
    if (target === undefined) return original.apply(this, a);
    let allowed = false;
    try {
      const host = target.host.includes(':') && !target.host.startsWith('[') ? `[${target.host}]` : target.host;
      allowed = args.allowHost(new URL(`http://${host}${Number.isFinite(target.port) ? `:${target.port}` : ''}`));
    } catch {
      allowed = false;
    }
    if (allowed) return original.apply(this, a);
    const err = args.onEscape(target);
    process.nextTick(() => this.destroy(err));
    return this;
  };
  proto.connect = guarded;
  return {
    uninstall() {
      if (proto.connect === guarded) proto.connect = original;
    },
  };
}
