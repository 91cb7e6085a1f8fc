/**
 * Cassette data model and errors. A cassette is a list of recorded HTTP interactions
 * (request + response) kept in a YAML file compatible with VCR.py's layout
 * (`interactions`, `version: 1`), as pydantic-ai's test suite writes it.
 */

/** Header map: lower-case names, each with the list of its values (VCR.py's shape). */
export type HeaderMap = Record<string, string[]>;

/** One server-sent event as stored in a cassette. */
export interface SseEvent {
  /** `event:` field, when present. */
  event?: string;
  /** `id:` field, when present. */
  id?: string;
  /** `retry:` field (milliseconds), when present. */
  retry?: number;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /**
   * Milliseconds from the start of the response body to the moment this event was complete
   * when recorded; `undefined` when not recorded (foreign cassettes). Used for paced replay.
   */
  atMs?: number;
}

/**
 * A request or response body. `json`: a JSON body stored parsed (VCR.py `parsed_body`);
 * `text`: a non-JSON UTF-8 body; `base64`: bytes that are not UTF-8; `sse`: a
 * `text/event-stream` body kept as its events; `none`: no body.
 */
export type CassetteBody =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'base64'; data: string }
  | { kind: 'sse'; events: SseEvent[] };

/** A recorded request. */
export interface CassetteRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** Absolute URL. */
  uri: string;
  headers: HeaderMap;
  body: CassetteBody;
}

/** A recorded response. */
export interface CassetteResponse {
  status: { code: number; message: string };
  headers: HeaderMap;
  body: CassetteBody;
}

/** One request/response pair. */
export interface Interaction {
  request: CassetteRequest;
  response: CassetteResponse;
}

/** rehearse's recording metadata, written under the top-level `rehearse` key. */
export interface CassetteMetadata {
  /** rehearse cassette format version (currently 1). */
  format: number;
  /** rehearse version that recorded the file. */
  version: string;
  /** ISO-8601 time of the recording. */
  recordedAt: string;
  /** Hosts the interactions went to, e.g. `['api.openai.com']`. */
  hosts: string[];
}

/** A cassette file in memory. */
export interface CassetteData {
  interactions: Interaction[];
  /** `undefined` for a foreign (VCR.py) cassette, which has no rehearse metadata. */
  metadata: CassetteMetadata | undefined;
}

/**
 * Record modes, as VCR's: `once` replays when the file exists and records otherwise; `none`
 * replays only (a request not in the cassette throws); `new-episodes` replays what matches
 * and records the rest; `all` always re-records.
 */
export type RecordMode = 'once' | 'none' | 'new-episodes' | 'all';

/** The request parts a default matcher can compare. */
export type MatchOn = 'method' | 'host' | 'path' | 'query' | 'body';

/** Base class of cassette errors. */
export class CassetteError extends Error {
  override readonly name: string = 'CassetteError';
  /** Path of the cassette file concerned. */
  readonly cassettePath: string;
  constructor(cassettePath: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.cassettePath = cassettePath;
  }
}

/**
 * A request had no matching interaction left in the cassette. The message names the cassette,
 * the request, the nearest recorded request and a diff of the two bodies.
 */
export class CassetteMismatch extends CassetteError {
  override readonly name = 'CassetteMismatch' as const;
  /** The request that found no match (after redaction and normalisation). */
  readonly request: CassetteRequest;
  /** The recorded request closest to it, `undefined` when the cassette is empty. */
  readonly nearest: { index: number; request: CassetteRequest; played: boolean } | undefined;
  /**
   * Unified diff of the nearest recorded body (---) against the incoming one (+++). Not named
   * `diff`: vitest prints an error's `diff` property after its message, so the diff showed twice.
   */
  readonly bodyDiff: string;
  constructor(args: {
    cassettePath: string;
    request: CassetteRequest;
    nearest: { index: number; request: CassetteRequest; played: boolean } | undefined;
    diff: string;
    mode: RecordMode;
    fileExists: boolean;
  }) {
    const lines = [
      `No recorded interaction in cassette ${args.cassettePath} matches ${args.request.method} ${args.request.uri} (mode '${args.mode}').`,
    ];
    if (!args.fileExists) lines.push('The cassette file does not exist: record it with REHEARSE_RECORD_MODE=once outside CI.');
    if (args.nearest === undefined) lines.push('The cassette has no interactions.');
    else {
      const n = args.nearest;
      lines.push(
        `Nearest recorded request: #${n.index + 1} ${n.request.method} ${n.request.uri}${n.played ? ' (already played)' : ''}.`,
      );
      lines.push(args.diff === '' ? 'Bodies are equal; the difference is in the method or URL.' : `Body diff (recorded vs incoming):\n${args.diff}`);
    }
    super(args.cassettePath, lines.join('\n'));
    this.request = args.request;
    this.nearest = args.nearest;
    this.bodyDiff = args.diff;
  }
}

/** Interactions were left unplayed at the end of a replay (pydantic-ai's `check_vcr_cassette_usage`). */
export class CassetteUnplayed extends CassetteError {
  override readonly name = 'CassetteUnplayed' as const;
  /** Number of interactions played. */
  readonly played: number;
  /** Number of interactions in the cassette. */
  readonly total: number;
  /** 1-based numbers of the unplayed interactions. */
  readonly unused: number[];
  constructor(args: { cassettePath: string; played: number; total: number; unused: number[] }) {
    super(
      args.cassettePath,
      `Cassette ${args.cassettePath}: played ${args.played}/${args.total}; unused: ${args.unused.map((i) => `#${i}`).join(', ')}. ` +
        'Pass allowUnplayed: true if that is expected.',
    );
    this.played = args.played;
    this.total = args.total;
    this.unused = args.unused;
  }
}

/**
 * A request bypassed interception while a cassette was active and was blocked before it
 * reached the network. `transport` says where it was caught: `fetch` (a `fetch` captured
 * before the cassette started, at undici's global dispatcher), `dispatcher` (a request on any
 * other undici dispatcher, e.g. an `Agent` given as `dispatcher`), `socket` (a new TCP/TLS
 * connection while the cassette replays only; then `url` is `tcp://<host>:<port>` and `method`
 * is `CONNECT`), `socket-write` (bytes written to a connection opened before, e.g. a keep-alive
 * socket), `http2` (a request on an HTTP/2 session).
 */
export class CassetteEscape extends CassetteError {
  override readonly name = 'CassetteEscape' as const;
  /** The escaped request's URL (`tcp://host:port` for a blocked connection). */
  readonly url: string;
  /** HTTP method, `CONNECT` for a blocked connection, `WRITE` for unrecognised bytes. */
  readonly method: string;
  /** Where the escape was caught. Default `fetch`. */
  readonly transport: 'fetch' | 'dispatcher' | 'socket' | 'socket-write' | 'http2';
  constructor(args: { cassettePath: string; url: string; method: string; transport?: 'fetch' | 'dispatcher' | 'socket' | 'socket-write' | 'http2' }) {
    const transport = args.transport ?? 'fetch';
    const blocked = `escaped interception by cassette ${args.cassettePath} and was blocked before it reached the network`;
    const why: Record<typeof transport, string> = {
      fetch:
        'Its client captured fetch before the cassette started: create the client (e.g. new OpenAI()) inside the cassette, ' +
        'or pass the current globalThis.fetch to it.',
      dispatcher:
        'It went through an undici dispatcher of its own (e.g. an undici Agent given as fetchOptions.dispatcher) with a fetch captured ' +
        'before the cassette started: create the client inside the cassette, or add the host to passthroughHosts.',
      'socket-write':
        '(the cassette replays only). It was written to a connection opened before the cassette started (e.g. a keep-alive agent\'s ' +
        "pooled socket) by a client that bypassed interception, e.g. http.request taken before the cassette (import { request } from 'node:https'). " +
        'Make the request after the cassette started through http.request/fetch, or add the host to passthroughHosts.',
      http2: '(the cassette replays only). HTTP/2 clients are not intercepted: add the host to passthroughHosts, or use fetch/http.request.',
      socket:
        '(the cassette replays only, so no real connection may be opened). Its client bypassed interception: e.g. http.request/https.request ' +
        "taken before the cassette started (import { request } from 'node:https'), or a raw net/tls connection. " +
        'Make the request after the cassette started through http.request/fetch, or add the host to passthroughHosts.',
    };
    super(
      args.cassettePath,
      transport === 'socket'
        ? `A connection to ${args.url.replace(/^tcp:\/\//, '')} ${blocked} ${why.socket}`
        : `Request ${args.method} ${args.url} ${blocked}${why[transport].startsWith('(') ? ' ' : '. '}${why[transport]}`,
    );
    this.url = args.url;
    this.method = args.method;
    this.transport = transport;
  }
}

/**
 * The cassette file cannot be read: bad YAML/JSON, a value that breaks the schema, a truncated
 * file, a directory at the path. The message is `Malformed cassette <path>:<line>: <field>: <problem>`.
 */
export class CassetteFormatError extends CassetteError {
  override readonly name = 'CassetteFormatError' as const;
  /** 1-based line of the problem, when known. */
  readonly line: number | undefined;
  /** Field path of the problem, e.g. `interactions[0].response.status.code`, when known. */
  readonly field: string | undefined;
  constructor(args: { cassettePath: string; message: string; line?: number; field?: string; cause?: unknown }) {
    super(
      args.cassettePath,
      `Malformed cassette ${args.cassettePath}${args.line === undefined ? '' : `:${args.line}`}: ${args.field === undefined ? '' : `${args.field}: `}${args.message}`,
      args.cause === undefined ? undefined : { cause: args.cause },
    );
    this.line = args.line;
    this.field = args.field;
  }
}

/** Something that looks like a live secret survived redaction; the cassette was not written. */
export class CassetteSecretError extends CassetteError {
  override readonly name = 'CassetteSecretError' as const;
  /** Where each finding is, e.g. `interactions[0].request.headers.x-key[0]`, and a masked preview. */
  readonly findings: SecretFinding[];
  constructor(args: { cassettePath: string; findings: SecretFinding[] }) {
    super(
      args.cassettePath,
      `Refusing to write cassette ${args.cassettePath}: ${args.findings.length} value(s) look like live secrets:\n` +
        args.findings.map((f) => `  ${f.location}: ${f.preview} (${f.rule})`).join('\n') +
        '\nAdd the header to dropHeaders, the name to secretNames, the pattern to secretPatterns, the value to secretValues, or clean it in redact().',
    );
    this.findings = args.findings;
  }
}

/** Recording was requested while `CI` is set. */
export class CassetteRecordingInCI extends CassetteError {
  override readonly name = 'CassetteRecordingInCI' as const;
  readonly mode: RecordMode;
  constructor(args: { cassettePath: string; mode: RecordMode; reason: string }) {
    super(
      args.cassettePath,
      `Cassette ${args.cassettePath} would record (mode '${args.mode}': ${args.reason}) but CI is set; ` +
        'recording in CI is not allowed. Record locally and commit the cassette.',
    );
    this.mode = args.mode;
  }
}

/** A value found by the secret scan. `preview` never holds the whole secret. */
export interface SecretFinding {
  /** Where: a field path such as `interactions[0].request.headers.x-key[0]`, or `line 12` in raw text. */
  location: string;
  /** 1-based line in the file, when known. */
  line?: number;
  preview: string;
  rule: string;
}
