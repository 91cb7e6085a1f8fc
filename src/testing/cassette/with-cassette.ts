/**
 * `withCassette` and the `Cassette` session: provider HTTP traffic is intercepted with
 * `@mswjs/interceptors` (fetch and node:http, loaded when the first cassette starts), answered
 * from a recorded cassette, or passed to the real server and recorded, following VCR's record
 * modes. Any number of cassettes may be active at once: each request goes to the cassette of
 * the async context that made it (AsyncLocalStorage), the innermost when they are nested.
 */
import { existsSync, statSync } from 'node:fs';
import type { RequestController } from '@mswjs/interceptors';
import { UserError, registerModelRequestInterception } from '../../runtime/index.js';
import {
  CassetteError,
  CassetteFormatError,
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
import { acquireEscapeGuards } from './escape-guard.js';
import { applyExpiry, type ExpiryOptions } from './expiry.js';
import { CASSETTE_FORMAT, readCassette, rehearseVersion, writeCassette } from './format.js';
import { acquireInterception, type InterceptingCassette } from './interception.js';
import { recordToResponse, requestToRecord, responseToRecord } from './interceptor.js';
import { DEFAULT_MATCH_ON, FOREIGN_MATCH_ON, RequestMatcher, bodyDiff, nearestRequest, type MatchOptions } from './match.js';
import { SecretDetector, type RedactOptions } from './redact.js';
import { enterCassetteContext, routedCassette, runWithCassette, type EscapeInfo } from './routing.js';
import type { Pacing } from './sse.js';
import { cassetteErrorBehind, forgetErrors, syntheticErrorResponse } from './surfaced-errors.js';

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
   * Block requests that bypassed interception, with a {@link CassetteEscape} naming the request.
   * Default `true`. Scoped to the async context the cassette is bound to: work outside it is
   * never touched, and `passthroughHosts` always pass.
   * - Always: a `fetch` captured before the cassette began is stopped at undici's global
   *   dispatcher and answered with a synthetic `599` the openai SDK does not retry.
   * - While the cassette replays only (`none`, or `once` with an existing file), no real
   *   request may leave, by any in-process channel: requests on any undici dispatcher (an
   *   `Agent` given as `dispatcher`, keep-alive connections included), new TCP/TLS connections
   *   (`net`/`tls`/http agents/`http2.connect`), bytes written to connections opened earlier
   *   (keep-alive sockets of `http.globalAgent` or custom agents, raw sockets) and HTTP/2
   *   requests. This also stops any other client in the test that talks TCP (a database, a
   *   message broker): list its host in `passthroughHosts`. Unix sockets and pipes are let
   *   through.
   *
   * Out of reach: worker threads and child processes (their own event loops and sockets), and
   * native addons doing their own I/O. In recording modes real connections are needed, so
   * only the `fetch` layer applies: a `node:http` request or an undici dispatcher that
   * bypassed interception reaches the network unrecorded.
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

/** The cassette bound to the current async context (the innermost active one), if any. */
export function activeCassette(): Cassette | undefined {
  return routedCassette() as Cassette | undefined;
}

let guardHookRegistered = false;

/** Tells the request guard which model requests a cassette will replay (allowed) or record (real). */
function registerWithRequestGuard(): void {
  if (guardHookRegistered) return;
  guardHookRegistered = true;
  registerModelRequestInterception({
    serving({ url }) {
      const c = activeCassette();
      if (c === undefined) return undefined;
      try {
        if (url !== undefined && c.isPassthrough(new URL(url))) return undefined;
      } catch {
        /* not a URL: the cassette intercepts it like any other */
      }
      return c.records
        ? { kind: 'record', by: `cassette ${c.path} (mode '${c.mode}'${c.fileExists ? '' : ', file missing'})` }
        : { kind: 'replay', by: `cassette ${c.path} (mode '${c.mode}')` };
    },
    errorFor: (error) => cassetteErrorBehind(error),
  });
}

function keyOf(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}${u.search}`;
}

/** Whether `target` is `error` or one of its causes. */
function inCauseChain(error: unknown, target: Error): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && e !== null && e !== undefined; depth += 1) {
    if (e === target) return true;
    e = typeof e === 'object' ? (e as { cause?: unknown }).cause : undefined;
  }
  return false;
}

/**
 * One cassette session: `start()` loads it and begins intercepting for the async context it is
 * bound to, `stop()` ends it, writes what was recorded and checks that everything recorded was
 * played. Sessions may run concurrently and nest (see {@link withCassette}).
 */
export class Cassette implements InterceptingCassette {
  /** Effective record mode. */
  readonly mode: RecordMode;
  /** Whether the file existed when the session began. */
  readonly fileExists: boolean;
  /** Interactions loaded from the file (empty in `all` mode or when there is no file). */
  readonly recorded: readonly Interaction[];
  /** Which loaded interactions were played. */
  readonly played: boolean[];
  /** Errors raised inside interception (mismatches, escapes), rethrown by `stop()`. */
  readonly errors: CassetteError[] = [];
  private readonly newInteractions: (Interaction | undefined)[] = [];
  private readonly pending = new Map<string, { slot: number; request: CassetteRequest }>();
  private readonly expected = new Map<string, number>();
  private readonly reads: Promise<void>[] = [];
  private readonly foreign: boolean;
  private readonly recordedRequests: readonly CassetteRequest[];
  private readonly matcher: RequestMatcher;
  private readonly redactRequest: (request: CassetteRequest) => CassetteRequest;
  private readonly releases: (() => void)[] = [];
  private isStopped = false;

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

  /** Whether `stop()` has run. */
  get stopped(): boolean {
    return this.isStopped;
  }

  /** Whether escapes are blocked (`blockEscapes`). */
  get blocksEscapes(): boolean {
    return this.options.blockEscapes !== false;
  }

  /** Interactions recorded so far in this session (unredacted, in request order). */
  get newlyRecorded(): Interaction[] {
    return this.newInteractions.filter((x): x is Interaction => x !== undefined);
  }

  /**
   * Loads the cassette and starts intercepting for the calling async context: the rest of the
   * caller's async function and the work it starts (AsyncLocalStorage `enterWith`, so also
   * whatever else shares the caller's context until the cassette stops). Prefer
   * {@link withCassette}, which scopes the cassette to a callback exactly.
   * @throws CassetteFormatError for a malformed file; CassetteRecordingInCI when it would record
   *   while `CI` is set.
   */
  static start(path: string, options: CassetteOptions = {}): Promise<Cassette> {
    // bind synchronously, before the first await, so the caller's continuation sees the cassette
    const binding = enterCassetteContext();
    return Cassette.open(path, options).then(
      (c) => {
        binding.bind(c);
        return c;
      },
      (e: unknown) => {
        binding.release();
        throw e;
      },
    );
  }

  /**
   * Loads the cassette and applies interception without binding it to any async context (see
   * {@link runWithCassette}). Internal: use {@link withCassette} or {@link Cassette.start}.
   */
  static async open(path: string, options: CassetteOptions = {}): Promise<Cassette> {
    const env = options.env ?? process.env;
    const loaded = await (async () => {
      const mode = resolveRecordMode(options.mode, env);
      if (mode === 'all' && existsSync(path) && statSync(path).isDirectory()) {
        // found before the body runs, not when the recording is written at the end
        throw new CassetteFormatError({ cassettePath: path, message: 'this path is a directory, not a cassette file' });
      }
      const data = mode === 'all' ? (existsSync(path) ? { interactions: [], metadata: undefined } : undefined) : await readCassette(path);
      return applyExpiry({ path, data, mode, options, now: (options.now ?? (() => new Date()))() });
    })();
    const mode = loaded.mode;
    const c = new Cassette(path, options, mode, loaded.data);
    if (isCI(env) && c.records) {
      const reason = mode === 'once' ? 'the file does not exist' : `mode ${mode} records`;
      throw new CassetteRecordingInCI({ cassettePath: path, mode, reason });
    }
    registerWithRequestGuard();
    try {
      if (c.blocksEscapes) c.releases.push(await acquireEscapeGuards({ replayOnly: !c.records }));
      c.releases.push(await acquireInterception({ records: c.records }));
    } catch (e) {
      c.release();
      throw e;
    }
    return c;
  }

  private release(): void {
    for (const r of this.releases.splice(0).reverse()) r();
  }

  /** Whether requests to this host go to the network untouched (`passthroughHosts`). */
  isPassthrough(url: URL): boolean {
    const hosts = this.options.passthroughHosts ?? [];
    return hosts.includes(url.host) || hosts.includes(url.hostname);
  }

  /** @internal Consumes one pass-on of `url` the interceptor announced (recording). */
  takeExpected(url: string): boolean {
    let key: string;
    try {
      key = keyOf(url);
    } catch {
      return false;
    }
    const n = this.expected.get(key) ?? 0;
    if (n === 0) return false;
    if (n === 1) this.expected.delete(key);
    else this.expected.set(key, n - 1);
    return true;
  }

  /** @internal Records an escaped request and returns its error. */
  escape(info: EscapeInfo): CassetteEscape {
    const err = new CassetteEscape({ cassettePath: this.path, ...info });
    this.errors.push(err);
    return err;
  }

  /** @internal Answers an intercepted request; `true` when it was passed on to be recorded. */
  async onRequest({ request, requestId, controller }: { request: Request; requestId: string; controller: RequestController }): Promise<boolean> {
    // a replay-only cassette never passes the request on, so its body can be read in place
    const incoming = await requestToRecord(request, { consume: !this.records });
    const reply = this.answer(incoming);
    if (reply.kind === 'replay') {
      controller.respondWith(recordToResponse(reply.response, this.options.pacing === undefined ? {} : { pacing: this.options.pacing }));
      return false;
    }
    if (reply.kind === 'mismatch') {
      const r = syntheticErrorResponse(reply.error, 'cassette_mismatch');
      controller.respondWith(new Response(r.body, { status: r.status, statusText: r.statusText, headers: r.headers }));
      return false;
    }
    this.pending.set(requestId, { slot: this.newInteractions.length, request: incoming });
    this.newInteractions.push(undefined);
    const key = keyOf(request.url);
    this.expected.set(key, (this.expected.get(key) ?? 0) + 1);
    return true;
  }

  /** @internal Receives the live response of a request passed on for recording. */
  onResponse({ response, requestId }: { response: Response; requestId: string }): void {
    const p = this.pending.get(requestId);
    if (p === undefined) return;
    this.pending.delete(requestId);
    this.reads.push(
      responseToRecord(response).then(
        (res: CassetteResponse) => {
          this.newInteractions[p.slot] = { request: p.request, response: res };
        },
        (e: unknown) => {
          this.errors.push(e instanceof CassetteError ? e : new CassetteError(this.path, `Reading a recorded response failed: ${String(e)}`, { cause: e }));
        },
      ),
    );
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
   * Ends interception for this cassette. When the session did not fail and nothing went wrong,
   * writes recorded interactions (redacted, scanned, atomically) and checks for unplayed ones.
   *
   * One error per failure: when the session failed (`failed: true`) with an error that already
   * is, or stands for, one of this cassette's errors (`error`, or a vitest test's reported
   * `errorMessages`), nothing more is thrown, or the cassette error is thrown in place of the
   * client's view of it (e.g. an SDK's HTTP 599 error, kept as its `cause`).
   * @throws the first interception error (CassetteMismatch, CassetteEscape), CassetteSecretError,
   *   or CassetteUnplayed.
   */
  async stop(options?: { failed?: boolean; error?: unknown; errorMessages?: readonly string[] }): Promise<void> {
    if (this.isStopped) return;
    this.isStopped = true;
    try {
      await Promise.all(this.reads);
    } finally {
      this.release();
      forgetErrors(this.errors);
    }
    const first = this.errors[0];
    if (options?.failed === true) {
      if (first === undefined) return;
      const err = options.error;
      if (this.errors.some((e) => inCauseChain(err, e))) return;
      const behind = err === undefined ? undefined : cassetteErrorBehind(err);
      if (behind !== undefined && this.errors.includes(behind)) {
        if (behind.cause === undefined) Object.defineProperty(behind, 'cause', { value: err, configurable: true });
        throw behind;
      }
      // vitest hands over serialized errors: one that carries our message already reported it
      const reported = options.errorMessages ?? [];
      if (reported.some((m) => this.errors.some((e) => m.includes(e.message)))) return;
      if (err !== undefined && first.cause === undefined) Object.defineProperty(first, 'cause', { value: err, configurable: true });
      throw first;
    }
    if (first !== undefined) throw first;
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

/**
 * Runs `fn` with provider HTTP traffic recorded to / replayed from the cassette at `path`.
 * The cassette is bound to `fn`'s async context: requests made inside `fn`, and in async work
 * it starts, go to this cassette; concurrent `withCassette` calls each get their own, and a
 * nested call takes over inside its callback (then the outer one again). Requests made
 * outside every cassette's context are not intercepted.
 *
 * A miss is answered with a synthetic `599` (`x-should-retry: false`, so the openai SDK does
 * not retry) and rehearse's provider models rethrow the {@link CassetteMismatch} itself. A
 * cassette error raised inside interception (mismatch, escape) is also rethrown after `fn`
 * if `fn` swallowed it or turned it into another error (that error is then its `cause`), and
 * never twice. Recorded interactions are written only when `fn` succeeded.
 *
 * With `setAllowModelRequests(false)`, replay-only cassettes still serve model requests (a
 * replayed request is not a real one); recording needs requests allowed.
 *
 * Escapes (see `blockEscapes`): a request that bypassed interception fails with
 * {@link CassetteEscape} instead of reaching the network.
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
  const cassette = await Cassette.open(path, options);
  let result: T;
  try {
    result = await runWithCassette(cassette, fn);
  } catch (fnError) {
    await cassette.stop({ failed: true, error: fnError });
    throw fnError;
  }
  await cassette.stop();
  return result;
}
