/**
 * `withCassette` and the `Cassette` session: provider HTTP traffic is intercepted with
 * `@mswjs/interceptors` (fetch and node:http), answered from a recorded YAML cassette, or
 * passed to the real server and recorded, following VCR's record modes.
 */
import { existsSync } from 'node:fs';
import { BatchInterceptor } from '@mswjs/interceptors';
import { ClientRequestInterceptor } from '@mswjs/interceptors/ClientRequest';
import { FetchInterceptor } from '@mswjs/interceptors/fetch';
import { UserError } from '../../runtime/index.js';
import {
  CassetteEscape,
  CassetteMismatch,
  CassetteRecordingInCI,
  CassetteUnplayed,
  type CassetteData,
  type CassetteRequest,
  type CassetteResponse,
  type Interaction,
  type RecordMode,
} from './cassette.js';
import { applyExpiry, type ExpiryOptions } from './expiry.js';
import { ensureDispatcherLoaded, installEscapeGuard, installSocketGuard, type EscapeGuard, type SocketGuard } from './escape-guard.js';
import { CASSETTE_FORMAT, readCassette, rehearseVersion, writeCassette } from './format.js';
import { recordToResponse, requestToRecord, responseToRecord } from './interceptor.js';
import { DEFAULT_MATCH_ON, FOREIGN_MATCH_ON, RequestMatcher, bodyDiff, nearestRequest, type MatchOptions } from './match.js';
import { SecretDetector, type RedactOptions } from './redact.js';
import type { Pacing } from './sse.js';

/** Options of {@link withCassette} and {@link useCassette}. */
export interface CassetteOptions extends MatchOptions, RedactOptions, ExpiryOptions {
  /**
   * Record mode. Default `once`, or `none` when `CI` is set. The `REHEARSE_RECORD_MODE`
   * environment variable overrides this option.
   */
  mode?: RecordMode;
  /** Do not fail when recorded interactions were left unplayed. Default `false`. */
  allowUnplayed?: boolean;
  /**
   * Hosts (`host` or `host:port`) whose requests go to the network untouched and unrecorded.
   * Default: none (a test's own 127.0.0.1 fake server is recorded like any provider).
   */
  passthroughHosts?: readonly string[];
  /** Replay pacing of event streams: `none` (default), `recorded`, or `{ speed }` (2 = twice as fast). */
  pacing?: Pacing;
  /**
   * Block requests that bypassed interception, with a {@link CassetteEscape} error. Default `true`.
   * - Always: a `fetch` captured before the cassette began is stopped at undici's dispatcher.
   * - While the cassette replays only (`none`, or `once` with an existing file): any TCP/TLS
   *   connection to a host not in `passthroughHosts` is refused before DNS or connect
   *   (`net.Socket.prototype.connect` is wrapped for the cassette's lifetime). This catches
   *   `http.request`/`https.request` taken before interception (e.g. an ESM named import
   *   `import { request } from 'node:https'`), and also any other client in the test that
   *   opens a socket (a database, a message broker): list its host in `passthroughHosts`.
   *   Unix sockets and pipes are not affected.
   *
   * Not covered: in recording modes, a `node:http` request that bypassed interception reaches
   * the network unrecorded (recording needs real connections, and the socket layer cannot tell
   * an escaped connection from the interceptor's own); only escaped `fetch` calls are caught.
   */
  blockEscapes?: boolean;
  /** Environment read for `CI` and `REHEARSE_RECORD_MODE`. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Clock for the `recordedAt` metadata and for expiry (`maxAge`). Default `() => new Date()`. */
  now?: () => Date;
}

const MODES: readonly RecordMode[] = ['once', 'none', 'new-episodes', 'all'];

/** Whether `CI` is set to something other than empty, `0` or `false`. */
export function isCI(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  const v = env['CI'];
  return v !== undefined && !/^(|0|false|no)$/i.test(v.trim());
}

/**
 * The effective record mode: `REHEARSE_RECORD_MODE`, else the option, else `none` in CI and
 * `once` elsewhere.
 * @throws UserError for an unknown `REHEARSE_RECORD_MODE`.
 */
export function resolveRecordMode(option: RecordMode | undefined, env: Readonly<Record<string, string | undefined>> = process.env): RecordMode {
  const fromEnv = env['REHEARSE_RECORD_MODE']?.trim();
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!(MODES as readonly string[]).includes(fromEnv))
      throw new UserError(`REHEARSE_RECORD_MODE=${fromEnv} is not a record mode; use one of ${MODES.join(', ')}`);
    return fromEnv as RecordMode;
  }
  return option ?? (isCI(env) ? 'none' : 'once');
}

let active: Cassette | undefined;

/** The cassette currently intercepting traffic, if any. */
export function activeCassette(): Cassette | undefined {
  return active;
}

/**
 * One cassette session: `Cassette.start()` begins interception, `stop()` ends it, writes what
 * was recorded and checks that everything recorded was played. One cassette at a time.
 */
export class Cassette {
  /** Effective record mode. */
  readonly mode: RecordMode;
  /** Whether the file existed when the session began. */
  readonly fileExists: boolean;
  /** Interactions loaded from the file (empty in `all` mode or when there is no file). */
  readonly recorded: readonly Interaction[];
  /** Which loaded interactions were played. */
  readonly played: boolean[];
  /** Errors raised inside interception (mismatches, escapes), rethrown by `stop()`. */
  readonly errors: Error[] = [];
  private readonly newInteractions: (Interaction | undefined)[] = [];
  private readonly pending = new Map<string, { slot: number; request: CassetteRequest }>();
  private readonly reads: Promise<void>[] = [];
  private readonly foreign: boolean;
  private readonly recordedRequests: readonly CassetteRequest[];
  private readonly matcher: RequestMatcher;
  private readonly redactRequest: (request: CassetteRequest) => CassetteRequest;
  private interceptor: BatchInterceptor<[ClientRequestInterceptor, FetchInterceptor]> | undefined;
  private guard: EscapeGuard | undefined;
  private socketGuard: SocketGuard | undefined;
  private stopped = false;

  private constructor(
    readonly path: string,
    private readonly options: CassetteOptions,
    mode: RecordMode,
    data: CassetteData | undefined,
  ) {
    this.mode = mode;
    this.fileExists = data !== undefined;
    this.recorded = mode === 'all' ? [] : (data?.interactions ?? []);
    this.played = this.recorded.map(() => false);
    this.foreign = data !== undefined && data.metadata === undefined;
    this.recordedRequests = this.recorded.map((r) => r.request);
    this.matcher = new RequestMatcher(this.recordedRequests, options.matchOn ?? (this.foreign ? FOREIGN_MATCH_ON : DEFAULT_MATCH_ON), options);
    const detector = new SecretDetector(options, options.env);
    this.redactRequest = (r) => detector.redactRequest(r);
  }

  /** Whether misses are recorded (passed to the server) rather than failing. */
  get records(): boolean {
    return this.mode === 'all' || this.mode === 'new-episodes' || (this.mode === 'once' && !this.fileExists);
  }

  /** Interactions recorded so far in this session (unredacted, in request order). */
  get newlyRecorded(): Interaction[] {
    return this.newInteractions.filter((x): x is Interaction => x !== undefined);
  }

  /**
   * Loads the cassette and starts intercepting.
   * @throws CassetteFormatError for a malformed file; CassetteRecordingInCI when it would record
   *   while `CI` is set; UserError when another cassette is active.
   */
  static async start(path: string, options: CassetteOptions = {}): Promise<Cassette> {
    if (active !== undefined) throw new UserError(`Cassette ${active.path} is still active; cassettes cannot be nested or run concurrently (starting ${path}).`);
    const env = options.env ?? process.env;
    const loaded = await (async () => {
      const mode = resolveRecordMode(options.mode, env);
      const data = mode === 'all' ? (existsSync(path) ? { interactions: [], metadata: undefined } : undefined) : await readCassette(path);
      return applyExpiry({ path, data, mode, options, now: (options.now ?? (() => new Date()))() });
    })();
    const mode = loaded.mode;
    const c = new Cassette(path, options, mode, loaded.data);
    if (isCI(env) && c.records) {
      const reason = mode === 'once' ? 'the file does not exist' : `mode ${mode} records`;
      throw new CassetteRecordingInCI({ cassettePath: path, mode, reason });
    }
    const current = active as Cassette | undefined;
    if (current !== undefined) throw new UserError(`Cassette ${current.path} is still active (starting ${path}).`);
    active = c;
    try {
      await c.install();
    } catch (e) {
      active = undefined;
      throw e;
    }
    return c;
  }

  private isPassthrough(url: URL): boolean {
    const hosts = this.options.passthroughHosts ?? [];
    return hosts.includes(url.host) || hosts.includes(url.hostname);
  }

  private async install(): Promise<void> {
    const originalFetch = globalThis.fetch;
    if (this.options.blockEscapes !== false) {
      await ensureDispatcherLoaded(originalFetch);
      this.guard = installEscapeGuard({
        allowHost: (u) => this.isPassthrough(u),
        onEscape: ({ url, method }) => {
          const err = new CassetteEscape({ cassettePath: this.path, url, method });
          this.errors.push(err);
          return err;
        },
      });
      if (!this.records)
        this.socketGuard = installSocketGuard({
          allowHost: (u) => this.isPassthrough(u),
          onEscape: ({ host, port }) => {
            const err = new CassetteEscape({ cassettePath: this.path, url: `tcp://${host}:${port}`, method: 'CONNECT', transport: 'socket' });
            this.errors.push(err);
            return err;
          },
        });
    }
    const interceptor = new BatchInterceptor({
      name: 'rehearse-cassette',
      interceptors: [new ClientRequestInterceptor(), new FetchInterceptor()] as [ClientRequestInterceptor, FetchInterceptor],
    });
    interceptor.on('request', async ({ request, requestId, controller }) => {
      const url = new URL(request.url);
      if (this.isPassthrough(url)) return;
      // a replay-only cassette never passes the request on, so its body can be read in place
      const incoming = await requestToRecord(request, { consume: !this.records });
      const reply = this.answer(incoming);
      if (reply.kind === 'replay') controller.respondWith(recordToResponse(reply.response, this.options.pacing === undefined ? {} : { pacing: this.options.pacing }));
      else if (reply.kind === 'mismatch') controller.respondWith(mismatchResponse(reply.error));
      else {
        this.pending.set(requestId, { slot: this.newInteractions.length, request: incoming });
        this.newInteractions.push(undefined);
        this.guard?.expect(request.url);
      }
    });
    // Only a recording cassette listens for responses: with a listener msw clones every body.
    if (this.records) interceptor.on('response', ({ response, requestId, isMockedResponse }) => {
      // msw hands this listener a tee'd clone of the body; a tee's cancel settles only when
      // both branches are cancelled, so an unread clone of a replayed response would make
      // the client's `body.cancel()` (the openai SDK's, before a retry) hang forever.
      if (isMockedResponse) {
        void response.body?.cancel().catch(() => undefined);
        return;
      }
      const p = this.pending.get(requestId);
      if (p === undefined) return;
      this.pending.delete(requestId);
      this.reads.push(
        responseToRecord(response).then(
          (res: CassetteResponse) => {
            this.newInteractions[p.slot] = { request: p.request, response: res };
          },
          (e: unknown) => {
            this.errors.push(e instanceof Error ? e : new Error(String(e)));
          },
        ),
      );
    });
    interceptor.apply();
    this.interceptor = interceptor;
  }

  /** Decides how an incoming request is answered: replay, record (pass through) or mismatch. */
  private answer(incoming: CassetteRequest): { kind: 'replay'; response: CassetteResponse } | { kind: 'record' } | { kind: 'mismatch'; error: CassetteMismatch } {
    const redacted = this.redactRequest(incoming);
    const requests = this.recordedRequests;
    const idx = this.matcher.find(redacted, this.played);
    if (idx >= 0) {
      this.played[idx] = true;
      return { kind: 'replay', response: (this.recorded[idx] as Interaction).response };
    }
    if (this.records) return { kind: 'record' };
    const nearest = nearestRequest({ recorded: requests, played: this.played, incoming: redacted, options: this.options });
    const error = new CassetteMismatch({
      cassettePath: this.path,
      request: redacted,
      nearest,
      diff: nearest === undefined ? '' : bodyDiff(nearest.request, redacted, this.options),
      mode: this.mode,
      fileExists: this.fileExists,
    });
    this.errors.push(error);
    return { kind: 'mismatch', error };
  }

  /**
   * Ends interception. When `failed` is false and nothing went wrong, writes recorded
   * interactions (redacted, scanned, atomically) and checks for unplayed interactions.
   * @throws the first interception error (CassetteMismatch, CassetteEscape), CassetteSecretError,
   *   or CassetteUnplayed.
   */
  async stop(options?: { failed?: boolean }): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      await Promise.all(this.reads);
    } finally {
      this.interceptor?.dispose();
      this.guard?.uninstall();
      this.socketGuard?.uninstall();
      if (active === this) active = undefined;
    }
    if (this.errors.length > 0) throw this.errors[0];
    if (options?.failed === true) return;
    const fresh = this.newlyRecorded;
    if (fresh.length > 0 || this.mode === 'all') await this.write(fresh);
    if (this.mode !== 'all' && !this.options.allowUnplayed) {
      const unused = this.played.flatMap((p, i) => (p ? [] : [i + 1]));
      if (unused.length > 0)
        throw new CassetteUnplayed({ cassettePath: this.path, played: this.played.length - unused.length, total: this.played.length, unused });
    }
  }

  private async write(fresh: Interaction[]): Promise<void> {
    // the environment is read again: secrets set since the cassette started count too
    const detector = new SecretDetector(this.options, this.options.env);
    const interactions = [
      ...this.recorded.map((it) => detector.redactBuiltin(it)),
      ...fresh.map((it) => detector.redactInteraction(it)),
    ];
    const hosts = [...new Set(interactions.map((it) => new URL(it.request.uri).host))].sort();
    const metadata = { format: CASSETTE_FORMAT, version: rehearseVersion(), recordedAt: (this.options.now ?? (() => new Date()))().toISOString(), hosts };
    await writeCassette(this.path, { interactions, metadata }, detector);
  }
}

/** The response an intercepted request gets on a miss: an HTTP error the SDK will not retry, carrying the mismatch text. */
function mismatchResponse(err: CassetteMismatch): Response {
  return new Response(JSON.stringify({ error: { message: err.message, type: 'cassette_mismatch', code: 'cassette_mismatch', param: null } }), {
    status: 599,
    statusText: 'Cassette Mismatch',
    headers: { 'content-type': 'application/json', 'x-should-retry': 'false' },
  });
}

/**
 * Runs `fn` with provider HTTP traffic recorded to / replayed from the cassette at `path`.
 * A cassette error raised inside interception (mismatch, escape) is rethrown after `fn`, even
 * if the client turned it into another error (the `openai` SDK sees a 599 response carrying
 * the mismatch text, which it does not retry); `fn`'s own error is then its `cause`.
 * Recorded interactions are written only when `fn` succeeded.
 *
 * Escapes (see `blockEscapes`): a request that bypassed interception fails with
 * {@link CassetteEscape} instead of reaching the network — a `fetch` captured before the
 * cassette started in every mode, and, while the cassette replays only, any TCP/TLS
 * connection to a non-passthrough host (which covers `http.request`/`https.request` taken
 * before interception, e.g. by an ESM named import). In recording modes an escaped
 * `node:http` request is not caught and goes to the network unrecorded.
 * @throws CassetteMismatch, CassetteEscape, CassetteUnplayed, CassetteSecretError,
 *   CassetteRecordingInCI, CassetteFormatError, CassetteExpired, or what `fn` throws.
 */
export async function withCassette<T>(path: string, options: CassetteOptions, fn: () => T | Promise<T>): Promise<T>;
export async function withCassette<T>(path: string, fn: () => T | Promise<T>): Promise<T>;
export async function withCassette<T>(
  path: string,
  optionsOrFn: CassetteOptions | (() => T | Promise<T>),
  maybeFn?: () => T | Promise<T>,
): Promise<T> {
  const options = typeof optionsOrFn === 'function' ? {} : optionsOrFn;
  const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn;
  if (fn === undefined) throw new UserError('withCassette(path, options, fn): fn is missing');
  const cassette = await Cassette.start(path, options);
  let result: T;
  try {
    result = await fn();
  } catch (fnError) {
    try {
      await cassette.stop({ failed: true });
    } catch (cassetteError) {
      if (cassetteError instanceof Error && cassetteError.cause === undefined) Object.defineProperty(cassetteError, 'cause', { value: fnError });
      throw cassetteError;
    }
    throw fnError;
  }
  await cassette.stop();
  return result;
}
