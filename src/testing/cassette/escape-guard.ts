/**
 * The escape guard. msw's FetchInterceptor patches `globalThis.fetch`; a client that saved a
 * reference to `fetch` earlier calls the original, which goes straight to undici's global
 * dispatcher (`globalThis[Symbol.for('undici.globalDispatcher.1')]` in Node 18–22). While a
 * cassette is active the guard replaces that dispatcher with a proxy that lets through only
 * the requests the interceptor itself passes on (recording, passthrough hosts) and blocks
 * the rest with an error that says the request escaped.
 */

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
