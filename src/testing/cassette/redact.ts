/**
 * Secrets never reach disk: headers that carry credentials are dropped, key-like values in
 * URLs, headers and bodies are replaced with {@link REDACTED}, a user hook runs last, and the
 * result is scanned before it is written.
 */
import type { CassetteBody, CassetteRequest, HeaderMap, Interaction, SecretFinding } from './cassette.js';

/** The placeholder that replaces a secret. */
export const REDACTED = 'REDACTED';

/** Headers always dropped before writing (lower case). */
export const DEFAULT_DROP_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'api-key',
  'x-api-key',
  'cookie',
  'set-cookie',
  'openai-organization',
  'openai-project',
  'x-interceptors-internal-request-id',
];

/** A named pattern for values that look like secrets. */
export interface SecretPattern {
  name: string;
  pattern: RegExp;
}

/** Built-in secret patterns: OpenAI/Anthropic-style `sk-…` keys, bearer tokens and a few well-known key formats. */
export const DEFAULT_SECRET_PATTERNS: readonly SecretPattern[] = [
  { name: 'sk- key', pattern: /(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{16,}/g },
  { name: 'bearer token', pattern: /\bBearer\s+(?!REDACTED\b)[A-Za-z0-9._~+/=-]{8,}/gi },
  { name: 'google api key', pattern: /\bAIza[0-9A-Za-z_-]{35}/g },
  { name: 'github token', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}/g },
  { name: 'aws access key id', pattern: /\bAKIA[0-9A-Z]{16}\b/g },
];

const SECRET_QUERY_NAME = /^(api[-_]?key|key|token|access[-_]?token|auth[-_]?token|refresh[-_]?token|id[-_]?token|secret|client[-_]?secret|password|sig|signature|authorization)$/i;
const SECRET_JSON_KEY = /^(api[-_]?key|access[-_]?token|auth[-_]?token|refresh[-_]?token|id[-_]?token|secret|client[-_]?secret|password|authorization)$/i;

/** Redaction settings. */
export interface RedactOptions {
  /** Extra header names to drop (any case), on top of {@link DEFAULT_DROP_HEADERS}. */
  dropHeaders?: readonly string[];
  /** Extra patterns whose matches are replaced and whose survivors abort a write. */
  secretPatterns?: readonly (RegExp | SecretPattern)[];
  /**
   * Runs last on every interaction about to be written; return a new interaction or mutate
   * the given one and return `undefined`.
   */
  redact?: (interaction: Interaction) => Interaction | void;
}

/** Patterns in use (built-in + configured), each with the global flag. */
export function secretPatterns(options?: RedactOptions): SecretPattern[] {
  const extra = (options?.secretPatterns ?? []).map((p, i) =>
    p instanceof RegExp ? { name: `secretPatterns[${i}]`, pattern: p } : p,
  );
  return [...DEFAULT_SECRET_PATTERNS, ...extra].map(({ name, pattern }) => ({
    name,
    pattern: new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
  }));
}

/** Replaces every pattern match in `s` (`Bearer x` becomes `Bearer REDACTED`). */
export function redactString(s: string, patterns: readonly SecretPattern[]): string {
  let out = s;
  for (const { pattern } of patterns) {
    out = out.replace(pattern, (m) => (/^bearer\s/i.test(m) ? `${m.slice(0, 6)} ${REDACTED}` : REDACTED));
  }
  return out;
}

/** Redacts secret-named query parameters and pattern matches in a URL, keeping its spelling otherwise. */
export function redactUrl(uri: string, patterns: readonly SecretPattern[]): string {
  const q = uri.indexOf('?');
  let out = uri;
  if (q >= 0) {
    const hashAt = uri.indexOf('#', q);
    const query = uri.slice(q + 1, hashAt < 0 ? undefined : hashAt);
    const redacted = query
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 0) return pair;
        let name = pair.slice(0, eq);
        try {
          name = decodeURIComponent(name.replace(/\+/g, ' '));
        } catch {
          /* keep raw */
        }
        if (SECRET_QUERY_NAME.test(name)) return `${pair.slice(0, eq)}=${REDACTED}`;
        let value = pair.slice(eq + 1);
        try {
          value = decodeURIComponent(value.replace(/\+/g, ' '));
        } catch {
          /* keep raw */
        }
        return redactString(value, patterns) === value ? pair : `${pair.slice(0, eq)}=${REDACTED}`;
      })
      .join('&');
    out = uri.slice(0, q + 1) + redacted + (hashAt < 0 ? '' : uri.slice(hashAt));
  }
  return redactString(out, patterns);
}

function redactJson(v: unknown, patterns: readonly SecretPattern[], byKey: boolean): unknown {
  if (typeof v === 'string') return redactString(v, patterns);
  if (Array.isArray(v)) return v.map((x) => redactJson(x, patterns, byKey));
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = byKey && typeof x === 'string' && x !== '' && SECRET_JSON_KEY.test(k) ? REDACTED : redactJson(x, patterns, byKey);
    }
    return out;
  }
  return v;
}

/** Redacts a body. `byKey`: also replace string values under secret-named JSON keys (requests). */
export function redactBody(body: CassetteBody, patterns: readonly SecretPattern[], byKey: boolean): CassetteBody {
  switch (body.kind) {
    case 'none':
    case 'base64':
      return body;
    case 'json':
      return { kind: 'json', value: redactJson(body.value, patterns, byKey) };
    case 'text':
      return { kind: 'text', text: redactString(body.text, patterns) };
    case 'sse':
      return { kind: 'sse', events: body.events.map((e) => ({ ...e, data: redactString(e.data, patterns) })) };
    default: {
      const never: never = body;
      return never;
    }
  }
}

/** Drops credential headers and redacts pattern matches in the others. */
export function redactHeaders(headers: HeaderMap, patterns: readonly SecretPattern[], drop: ReadonlySet<string>): HeaderMap {
  const out: HeaderMap = {};
  for (const [k, vs] of Object.entries(headers)) {
    if (drop.has(k.toLowerCase())) continue;
    out[k] = vs.map((v) => redactString(v, patterns));
  }
  return out;
}

/**
 * The built-in redaction of one interaction (no user hook). Also applied to incoming requests
 * before matching, so a redacted recording matches the live request it came from.
 */
export function redactInteractionBuiltin(it: Interaction, options?: RedactOptions): Interaction {
  const patterns = secretPatterns(options);
  const drop = new Set([...DEFAULT_DROP_HEADERS, ...(options?.dropHeaders ?? [])].map((h) => h.toLowerCase()));
  return {
    request: {
      method: it.request.method,
      uri: redactUrl(it.request.uri, patterns),
      headers: redactHeaders(it.request.headers, patterns, drop),
      body: redactBody(it.request.body, patterns, true),
    },
    response: {
      status: it.response.status,
      headers: redactHeaders(it.response.headers, patterns, drop),
      body: redactBody(it.response.body, patterns, false),
    },
  };
}

/**
 * A function applying the built-in request redaction of {@link redactInteractionBuiltin}
 * (dropped headers, key-like values in the URL and JSON body) with the patterns compiled once:
 * used on every intercepted request, so it compares with the redacted recordings.
 */
export function requestRedactor(options?: RedactOptions): (request: CassetteRequest) => CassetteRequest {
  const patterns = secretPatterns(options);
  const drop = new Set([...DEFAULT_DROP_HEADERS, ...(options?.dropHeaders ?? [])].map((h) => h.toLowerCase()));
  return (request) => ({
    method: request.method,
    uri: redactUrl(request.uri, patterns),
    headers: redactHeaders(request.headers, patterns, drop),
    body: redactBody(request.body, patterns, true),
  });
}

/** Built-in redaction followed by the user's `redact` hook. */
export function redactInteraction(it: Interaction, options?: RedactOptions): Interaction {
  const base = redactInteractionBuiltin(it, options);
  if (options?.redact === undefined) return base;
  return options.redact(base) ?? base;
}

function preview(secret: string): string {
  const head = secret.slice(0, Math.min(6, Math.floor(secret.length / 3)));
  return `${head}… (${secret.length} chars)`;
}

function scanValue(v: unknown, location: string, patterns: readonly SecretPattern[], out: SecretFinding[]): void {
  if (typeof v === 'string') {
    for (const { name, pattern } of patterns) {
      for (const m of v.matchAll(pattern)) out.push({ location, preview: preview(m[0]), rule: name });
    }
  } else if (Array.isArray(v)) v.forEach((x, i) => scanValue(x, `${location}[${i}]`, patterns, out));
  else if (typeof v === 'object' && v !== null)
    for (const [k, x] of Object.entries(v)) scanValue(x, `${location}.${k}`, patterns, out);
}

function bodyForScan(b: CassetteBody): unknown {
  switch (b.kind) {
    case 'json':
      return b.value;
    case 'text':
      return b.text;
    case 'sse':
      return b.events.map((e) => e.data);
    case 'base64':
      return Buffer.from(b.data, 'base64').toString('latin1');
    case 'none':
      return undefined;
    default: {
      const never: never = b;
      return never;
    }
  }
}

/**
 * Scans interactions for values that look like live secrets (patterns in use, and any header
 * that should have been dropped). Findings carry a location and a masked preview only.
 */
export function scanInteractions(interactions: readonly Interaction[], options?: RedactOptions): SecretFinding[] {
  const patterns = secretPatterns(options);
  const drop = new Set([...DEFAULT_DROP_HEADERS, ...(options?.dropHeaders ?? [])].map((h) => h.toLowerCase()));
  drop.delete('x-interceptors-internal-request-id');
  const out: SecretFinding[] = [];
  interactions.forEach((it, i) => {
    for (const side of ['request', 'response'] as const) {
      const at = `interactions[${i}].${side}`;
      for (const [k, vs] of Object.entries(it[side].headers)) {
        if (drop.has(k.toLowerCase()))
          vs.forEach((v, j) => v !== REDACTED && out.push({ location: `${at}.headers.${k}[${j}]`, preview: preview(v), rule: 'credential header' }));
        else scanValue(vs, `${at}.headers.${k}`, patterns, out);
      }
      scanValue(bodyForScan(it[side].body), `${at}.body`, patterns, out);
    }
    scanValue(it.request.uri, `interactions[${i}].request.uri`, patterns, out);
  });
  return out;
}
