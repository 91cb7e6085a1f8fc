/**
 * Request matching: which recorded interaction answers an incoming request, and, on a miss,
 * which recorded request is nearest and how its body differs.
 */
import { loadModuleSync } from '../../runtime/load-module.js';

/** The diff library, loaded on first use (only a mismatch needs it). */
const diffLib = () => loadModuleSync<typeof import('diff')>('diff');
import type { CassetteBody, CassetteRequest, HeaderMap, MatchOn } from './cassette.js';
import { parseJsonPath, withoutJsonPaths } from './json-path.js';
import { serializeSse } from './sse.js';

/** Default match parts for rehearse cassettes: method, the whole URL, and the body as JSON. */
export const DEFAULT_MATCH_ON: readonly MatchOn[] = ['method', 'host', 'path', 'query', 'body'];
/** Default match parts for foreign (VCR.py) cassettes, as pydantic-ai's suite matches. */
export const FOREIGN_MATCH_ON: readonly MatchOn[] = ['method', 'host', 'path'];

/** How requests are compared. */
export interface MatchOptions {
  /**
   * Parts compared by the default matcher. Default: {@link DEFAULT_MATCH_ON}, or
   * {@link FOREIGN_MATCH_ON} for a VCR.py cassette without rehearse metadata.
   */
  matchOn?: readonly MatchOn[];
  /** Custom matcher; replaces `matchOn` when given. Receives normalised requests. */
  match?: (recorded: CassetteRequest, incoming: CassetteRequest) => boolean;
  /**
   * Normalises volatile fields (ids, timestamps) before comparing; applied to a copy of both
   * the recorded and the incoming request. Return a new request or mutate and return nothing.
   */
  normalize?: (request: CassetteRequest) => CassetteRequest | void;
  /**
   * JSON paths of volatile request-body fields left out of matching (and of the mismatch
   * diff), as Polly.js's and cassetter's body filters: `$.metadata.request_id`, `user`,
   * `messages[*].id`, `tools[0].function.description`, `metadata.*`, `['odd.key']`. An object
   * key is removed, an array element compared as `'<ignored>'`. Applied before `normalize`.
   * Default: none.
   * @throws UserError (when the cassette starts) for a path outside this subset.
   */
  ignoreJsonPaths?: readonly string[];
}

/** JSON text with object keys sorted, so key order does not matter. `indent` as JSON.stringify. */
export function stableStringify(v: unknown, indent?: number): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort);
    if (typeof x === 'object' && x !== null) {
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(x).sort()) out[k] = sort((x as Record<string, unknown>)[k]);
      return out;
    }
    return x;
  };
  return JSON.stringify(sort(v), null, indent) ?? 'undefined';
}

/** A comparable, readable text of a body: JSON (also JSON held as text) pretty-printed with sorted keys. */
export function canonicalBody(body: CassetteBody): string {
  switch (body.kind) {
    case 'none':
      return '';
    case 'json':
      return stableStringify(body.value, 2);
    case 'text':
      try {
        return stableStringify(JSON.parse(body.text), 2);
      } catch {
        return body.text;
      }
    case 'base64':
      return `base64:${body.data}`;
    case 'sse':
      return serializeSse(body.events);
    default: {
      const never: never = body;
      return never;
    }
  }
}

function cloneRequest(r: CassetteRequest): CassetteRequest {
  return structuredClone(r);
}

/** Drops the `ignoreJsonPaths` values from a JSON body (also JSON held as text). */
function ignorePaths(body: CassetteBody, paths: readonly string[]): CassetteBody {
  if (body.kind === 'json') return { kind: 'json', value: withoutJsonPaths(body.value, paths) };
  if (body.kind === 'text') {
    let value: unknown;
    try {
      value = JSON.parse(body.text);
    } catch {
      return body;
    }
    return { kind: 'json', value: withoutJsonPaths(value, paths) };
  }
  return body;
}

/** Applies `ignoreJsonPaths`, then the `normalize` hook, to a copy. */
export function normalizeRequest(r: CassetteRequest, options?: MatchOptions): CassetteRequest {
  const paths = options?.ignoreJsonPaths ?? [];
  if (options?.normalize === undefined && paths.length === 0) return r;
  const copy = paths.length === 0 ? cloneRequest(r) : { ...cloneRequest({ ...r, body: { kind: 'none' } }), body: ignorePaths(r.body, paths) };
  return options?.normalize === undefined ? copy : (options.normalize(copy) ?? copy);
}

function sortedQuery(u: URL): string {
  return [...u.searchParams.entries()]
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join('&');
}

/** Whether two (already normalised) requests agree on each part in `on`. */
export function requestsMatch(recorded: CassetteRequest, incoming: CassetteRequest, on: readonly MatchOn[]): boolean {
  const a = new URL(recorded.uri);
  const b = new URL(incoming.uri);
  for (const part of on) {
    switch (part) {
      case 'method':
        if (recorded.method.toUpperCase() !== incoming.method.toUpperCase()) return false;
        break;
      case 'host':
        if (a.host !== b.host || a.protocol !== b.protocol) return false;
        break;
      case 'path':
        if (a.pathname !== b.pathname) return false;
        break;
      case 'query':
        if (sortedQuery(a) !== sortedQuery(b)) return false;
        break;
      case 'body':
        if (canonicalBody(recorded.body) !== canonicalBody(incoming.body)) return false;
        break;
      default: {
        const never: never = part;
        throw new Error(`unknown match part ${String(never)}`);
      }
    }
  }
  return true;
}

/** The parts of a request the default matcher compares, computed once. */
interface MatchKey {
  method: string;
  origin: string;
  path: string;
  query: string | undefined;
  body: string | undefined;
}

/**
 * The body key compared by the matcher: JSON with sorted keys and no indentation; a multipart
 * body with its random boundary replaced by a fixed one (clients draw a new boundary for
 * every request).
 */
function bodyKey(body: CassetteBody, headers: HeaderMap): string {
  if (body.kind === 'json') return `json:${stableStringify(body.value)}`;
  const boundary = /multipart\/[^;]*;.*\bboundary="?([^";]+)"?/i.exec((headers['content-type'] ?? []).join(', '))?.[1];
  if (boundary !== undefined && (body.kind === 'text' || body.kind === 'base64')) {
    const text = body.kind === 'text' ? body.text : Buffer.from(body.data, 'base64').toString('latin1');
    return `multipart:${text.split(boundary).join('BOUNDARY')}`;
  }
  return body.kind === 'text' ? textKey(body.text) : `raw:${canonicalBody(body)}`;
}

function textKey(text: string): string {
  try {
    return `json:${stableStringify(JSON.parse(text))}`;
  } catch {
    return `raw:${text}`;
  }
}

/**
 * Answers requests from a fixed list of recorded ones: the first unplayed recorded request
 * that matches wins, so equal requests replay in recorded order. Each recorded request is
 * normalised, its URL parsed and its body made canonical at most once, and the played
 * interactions at the front are skipped.
 */
export class RequestMatcher {
  private readonly prepared: ({ request: CassetteRequest; key: MatchKey | undefined } | undefined)[];
  private firstUnplayed = 0;

  constructor(
    private readonly recorded: readonly CassetteRequest[],
    private readonly matchOn: readonly MatchOn[],
    private readonly options?: MatchOptions,
  ) {
    this.prepared = recorded.map(() => undefined);
    for (const p of options?.ignoreJsonPaths ?? []) parseJsonPath(p); // a bad path fails now, not inside interception
  }

  private key(r: CassetteRequest): MatchKey {
    const u = new URL(r.uri);
    const on = this.matchOn;
    return {
      method: r.method.toUpperCase(),
      origin: `${u.protocol}//${u.host}`,
      path: u.pathname,
      query: on.includes('query') ? sortedQuery(u) : undefined,
      body: on.includes('body') ? bodyKey(r.body, r.headers) : undefined,
    };
  }

  private recordedAt(i: number): { request: CassetteRequest; key: MatchKey | undefined } {
    let p = this.prepared[i];
    if (p === undefined) {
      const request = normalizeRequest(this.recorded[i] as CassetteRequest, this.options);
      p = { request, key: this.options?.match ? undefined : this.key(request) };
      this.prepared[i] = p;
    }
    return p;
  }

  /**
   * Index of the first unplayed recorded request matching `incoming` (already redacted), or
   * -1. `played` is read, not written: the caller marks the index it uses.
   */
  find(incoming0: CassetteRequest, played: readonly boolean[]): number {
    while (this.firstUnplayed < played.length && played[this.firstUnplayed]) this.firstUnplayed += 1;
    const incoming = normalizeRequest(incoming0, this.options);
    const custom = this.options?.match;
    const key = custom ? undefined : this.key(incoming);
    for (let i = this.firstUnplayed; i < this.recorded.length; i++) {
      if (played[i]) continue;
      const rec = this.recordedAt(i);
      const ok = custom ? custom(rec.request, incoming) : rec.key !== undefined && key !== undefined && keysMatch(rec.key, key, this.matchOn);
      if (ok) return i;
    }
    return -1;
  }
}

function keysMatch(a: MatchKey, b: MatchKey, on: readonly MatchOn[]): boolean {
  for (const part of on) {
    switch (part) {
      case 'method':
        if (a.method !== b.method) return false;
        break;
      case 'host':
        if (a.origin !== b.origin) return false;
        break;
      case 'path':
        if (a.path !== b.path) return false;
        break;
      case 'query':
        if (a.query !== b.query) return false;
        break;
      case 'body':
        if (a.body !== b.body) return false;
        break;
      default: {
        const never: never = part;
        throw new Error(`unknown match part ${String(never)}`);
      }
    }
  }
  return true;
}

function similarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length + b.length > 400_000) return 0;
  let same = 0;
  let changed = 0;
  for (const part of diffLib().diffLines(a, b)) {
    const n = part.count ?? 0;
    if (part.added || part.removed) changed += n;
    else same += 2 * n;
  }
  return same + changed === 0 ? 0 : same / (same + changed);
}

/** The recorded request nearest to `incoming` (unplayed preferred on ties), or `undefined` if none. */
export function nearestRequest(args: {
  recorded: readonly CassetteRequest[];
  played: readonly boolean[];
  incoming: CassetteRequest;
  options?: MatchOptions;
}): { index: number; request: CassetteRequest; played: boolean } | undefined {
  const incoming = normalizeRequest(args.incoming, args.options);
  const inBody = canonicalBody(incoming.body);
  let best: { index: number; score: number } | undefined;
  args.recorded.forEach((r0, index) => {
    const r = normalizeRequest(r0, args.options);
    let score = 0;
    if (requestsMatch(r, incoming, ['method'])) score += 1;
    if (requestsMatch(r, incoming, ['host'])) score += 2;
    if (requestsMatch(r, incoming, ['path'])) score += 4;
    if (requestsMatch(r, incoming, ['query'])) score += 1;
    score += 3 * similarity(canonicalBody(r.body), inBody);
    if (!args.played[index]) score += 0.5;
    if (best === undefined || score > best.score) best = { index, score };
  });
  if (best === undefined) return undefined;
  const b: { index: number } = best;
  return { index: b.index, request: args.recorded[b.index] as CassetteRequest, played: args.played[b.index] ?? false };
}

/** Unified diff of two request bodies (pretty-printed sorted JSON when JSON); `''` when equal. */
export function bodyDiff(recorded: CassetteRequest, incoming: CassetteRequest, options?: MatchOptions): string {
  const a = canonicalBody(normalizeRequest(recorded, options).body);
  const b = canonicalBody(normalizeRequest(incoming, options).body);
  if (a === b) return '';
  const patch = diffLib().createTwoFilesPatch('recorded', 'incoming', `${a}\n`, `${b}\n`, undefined, undefined, { context: 3 });
  // drop the "Index:"/"====" preamble lines diff writes
  return patch
    .split('\n')
    .filter((l) => !l.startsWith('Index:') && !/^=+$/.test(l))
    .join('\n')
    .trimEnd();
}
