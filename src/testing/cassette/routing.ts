/**
 * Which cassette a request belongs to: the one bound to the async context that made it
 * (AsyncLocalStorage), the innermost when cassettes are nested. The interception layer and the
 * escape guards are installed once for all active cassettes and ask this module per request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { CassetteError } from './cassette.js';

/** What an escaped request was, as the escape guards name it. */
export interface EscapeInfo {
  /** The request's URL (`tcp://host:port` when only the connection is known). */
  url: string;
  /** HTTP method; `CONNECT` for a blocked connection, `WRITE` for unknown bytes on a socket. */
  method: string;
  /** The channel where it was caught. */
  transport: EscapeTransport;
}

/**
 * Where an escape was caught: `fetch` (undici's global dispatcher: a `fetch` captured before the
 * cassette), `dispatcher` (any other undici dispatcher, e.g. an `Agent` given as `dispatcher`),
 * `socket` (a new TCP/TLS connection), `socket-write` (bytes written to a connection opened
 * earlier, e.g. a keep-alive socket), `http2` (a request on an HTTP/2 session).
 */
export type EscapeTransport = 'fetch' | 'dispatcher' | 'socket' | 'socket-write' | 'http2';

/** The view of a cassette the interception layer and the escape guards need. */
export interface RoutedCassette {
  readonly path: string;
  /** Whether the cassette has stopped: a context still bound to it then falls back to its outer cassette. */
  readonly stopped: boolean;
  /** Whether misses are recorded (real connections are made), i.e. not replay-only. */
  readonly records: boolean;
  /** Whether escapes are blocked (`blockEscapes`, default true). */
  readonly blocksEscapes: boolean;
  /** Whether requests to this host go to the network untouched. */
  isPassthrough(url: URL): boolean;
  /** Consumes one expected pass-on of `url` by the interceptor (recording); false when none is expected. */
  takeExpected(url: string): boolean;
  /** Records an escape and returns its error. */
  escape(info: EscapeInfo): CassetteError;
}

interface Frame {
  cassette: RoutedCassette | undefined;
  /** The cassette stopped and was let go; lookups skip (and unlink) this frame. */
  released: boolean;
  parent: Frame | undefined;
}

const storage = new AsyncLocalStorage<Frame>();

/**
 * The cassette of the current async context: the innermost bound one that has not stopped.
 * Frames of stopped cassettes are released on the way (their cassette dropped, unlinked from
 * the chain), so contexts that outlive a cassette (`enterWith` leaks into the caller's
 * context, e.g. from one vitest test to the next) do not keep it, or a growing chain, alive.
 */
export function routedCassette(): RoutedCassette | undefined {
  for (let f = storage.getStore(); f !== undefined; f = f.parent) {
    while (f.parent?.released === true) f.parent = f.parent.parent;
    const c = f.cassette;
    if (c === undefined) continue;
    if (!c.stopped) return c;
    f.cassette = undefined;
    f.released = true;
  }
  return undefined;
}

/** Runs `fn` with `cassette` bound to its async context (and to the work it starts). */
export function runWithCassette<T>(cassette: RoutedCassette, fn: () => T): T {
  return storage.run({ cassette, released: false, parent: storage.getStore() }, fn);
}

/**
 * Binds a cassette to the rest of the current async context (`enterWith`), for APIs without a
 * callback (`useCassette()`, `Cassette.start()`). Call it synchronously before the first
 * `await` of the caller's chain; fill `bind` in once the cassette is loaded. A stopped cassette
 * is skipped, so a context that outlives it (the binding leaks to whatever shares the caller's
 * context) falls back to the outer cassette, or none.
 */
export function enterCassetteContext(): { bind(cassette: RoutedCassette): void; release(): void } {
  const frame: Frame = { cassette: undefined, released: false, parent: storage.getStore() };
  storage.enterWith(frame);
  return {
    bind(cassette) {
      frame.cassette = cassette;
    },
    /** The cassette never started: the frame stays empty and is skipped. */
    release() {
      frame.cassette = undefined;
      frame.released = true;
    },
  };
}

/** Number of frames in the current context's chain (after a lookup released what it could). For tests. */
export function contextChainLength(): number {
  routedCassette();
  let n = 0;
  for (let f = storage.getStore(); f !== undefined; f = f.parent) n += 1;
  return n;
}
