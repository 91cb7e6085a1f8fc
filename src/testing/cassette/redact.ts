/**
 * Secrets never reach disk. Every interaction is redacted in three layers before it is
 * written, requests and responses alike:
 *
 * 1. names ({@link SecretNames}): a header, query parameter, form field (URL-encoded or
 *    multipart) or JSON key at any depth (also JSON held in a string, such as tool-call
 *    arguments) whose name is secret has its value redacted, whatever its type;
 * 2. token formats ({@link DEFAULT_SECRET_PATTERNS}) anywhere: headers, URL (path included),
 *    any body text, SSE events, bytes of binary bodies;
 * 3. known secrets ({@link SecretValues}): secret-looking environment variables, registered
 *    and configured values, in raw, URL-encoded and base64 forms.
 *
 * The same walk, run as a scan, is the detector of the pre-write check and of
 * `rehearse cassette redact-check`. Incoming requests are redacted the same way before
 * matching, so a redacted recording matches the live request it came from.
 */
import type { CassetteBody, CassetteRequest, CassetteResponse, HeaderMap, Interaction, SecretFinding } from './cassette.js';
import { SecretNames } from './secret-names.js';
import { REDACTED, SecretValues, envSecrets, registeredSecrets, type SecretPattern } from './secret-values.js';

export { DEFAULT_SECRET_PATTERNS, REDACTED, registerSecrets, type SecretPattern, type SecretRegistration } from './secret-values.js';

/** Headers dropped before writing (lower case): credentials, cookies, account ids, interceptor bookkeeping. */
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

/** Redaction settings (all optional; each adds to the built-in rules and to {@link registerSecrets}). */
export interface RedactOptions {
  /** Extra header names to drop (any case), on top of {@link DEFAULT_DROP_HEADERS}. */
  dropHeaders?: readonly string[];
  /** Extra secret names (headers, parameters, form fields, JSON keys): a string matches case-insensitively, a RegExp is tested. */
  secretNames?: readonly (string | RegExp)[];
  /** Extra token formats whose matches are replaced, and whose survivors abort a write. */
  secretPatterns?: readonly (RegExp | SecretPattern)[];
  /** Exact secret values (≥ 8 characters) replaced wherever they occur, in raw, URL-encoded and base64 forms. */
  secretValues?: readonly string[];
  /**
   * Treat the values of secret-looking environment variables (`*_KEY`, `*_TOKEN`, `*_SECRET`,
   * `*PASSWORD*`, `*_API_KEY`, …; at least 8 characters) of `process.env` (and of the
   * cassette's `env` option) as known secrets. Default `true`.
   */
  secretEnv?: boolean;
  /**
   * Runs last on every interaction about to be written; return a new interaction or mutate
   * the given one and return `undefined`. The result is still scanned before writing.
   */
  redact?: (interaction: Interaction) => Interaction | void;
}

type Env = Readonly<Record<string, string | undefined>>;

function preview(secret: string): string {
  const head = secret.slice(0, Math.min(6, Math.floor(secret.length / 3)));
  return `${head}… (${secret.length} chars)`;
}

/** A name-redacted value: strings and numbers become REDACTED (empty strings stay), structure is kept. */
function redactAll(v: unknown): unknown {
  if (typeof v === 'string') return v === '' ? v : REDACTED;
  if (typeof v === 'number' || typeof v === 'bigint') return REDACTED;
  if (Array.isArray(v)) return v.map(redactAll);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactAll(x)]));
  return v;
}

/** The first leaf under a secret name that is not redacted, `undefined` when all are. */
function liveLeaf(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' || v === REDACTED ? undefined : v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) {
    for (const x of v) {
      const l = liveLeaf(x);
      if (l !== undefined) return l;
    }
    return undefined;
  }
  if (typeof v === 'object' && v !== null) return liveLeaf(Object.values(v));
  return undefined;
}

function headerValue(headers: HeaderMap, name: string): string {
  return (headers[name] ?? []).join(', ');
}

function decodeName(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Content types of binary data (not text, JSON, XML, forms, scripts or event streams). */
const BINARY_TYPE = /^\s*(application\/(octet-stream|pdf|zip|gzip|x-[a-z-]*(zip|tar|binary))|image\/|audio\/|video\/|font\/)/i;

const FORM_SHAPE = /^[A-Za-z0-9_.~%+[\]-]+=[^&\s]*(&[A-Za-z0-9_.~%+[\]-]+=?[^&\s]*)*$/;

/** The three layers compiled once: names, token formats, known secrets; and the headers to drop. */
export class SecretDetector {
  readonly names: SecretNames;
  readonly values: SecretValues;
  readonly drop: ReadonlySet<string>;

  /**
   * @param options redaction settings.
   * @param env an extra environment whose secret-looking values are known secrets (the
   *   cassette's `env` option), read with `process.env` unless `secretEnv` is false.
   */
  constructor(
    readonly options: RedactOptions = {},
    env?: Env,
  ) {
    const regs = registeredSecrets();
    const allNames = [...(options.secretNames ?? []), ...regs.flatMap((r) => r.names ?? [])];
    this.names = new SecretNames({
      names: allNames.filter((n): n is string => typeof n === 'string'),
      patterns: allNames.filter((n): n is RegExp => n instanceof RegExp),
    });
    const values = [...(options.secretValues ?? []), ...regs.flatMap((r) => r.values ?? [])];
    if (options.secretEnv !== false) values.push(...envSecrets([process.env, env]));
    this.values = new SecretValues({ patterns: [...(options.secretPatterns ?? []), ...regs.flatMap((r) => r.patterns ?? [])], values });
    this.drop = new Set([...DEFAULT_DROP_HEADERS, ...(options.dropHeaders ?? [])].map((h) => h.toLowerCase()));
  }

  /** The built-in redaction of a request (no user hook): what incoming requests get before matching. */
  redactRequest(request: CassetteRequest): CassetteRequest {
    return new Pass(this, false).request(request);
  }

  /** The built-in redaction of an interaction (no user hook). */
  redactBuiltin(it: Interaction): Interaction {
    const pass = new Pass(this, false);
    return { request: pass.request(it.request), response: pass.response(it.response) };
  }

  /** The built-in redaction of an interaction followed by the user's `redact` hook. */
  redactInteraction(it: Interaction): Interaction {
    const base = this.redactBuiltin(it);
    return this.options.redact === undefined ? base : (this.options.redact(base) ?? base);
  }

  /** What in `it` would be redacted: secret-named values not redacted, token formats, known secrets, headers to drop. */
  scanInteraction(it: Interaction, index: number): SecretFinding[] {
    const pass = new Pass(this, true, `interactions[${index}]`);
    pass.request(it.request);
    pass.response(it.response);
    return pass.findings;
  }

  /** Token formats and known secrets in raw text (any file), each with its 1-based line. */
  scanText(text: string): SecretFinding[] {
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    return this.values.find(text).map((m) => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] ?? 0) <= m.index) lo = mid;
        else hi = mid - 1;
      }
      return { location: `line ${lo + 1}`, line: lo + 1, preview: preview(m.text), rule: m.rule };
    });
  }
}

/** One walk over an interaction, either redacting (returns new values) or scanning (collects findings). */
class Pass {
  readonly findings: SecretFinding[] = [];
  private readonly path: string[] = [];

  constructor(
    private readonly d: SecretDetector,
    private readonly scan: boolean,
    root = '',
  ) {
    if (root !== '') this.path.push(root);
  }

  private within<T>(step: string, f: () => T): T {
    this.path.push(step);
    try {
      return f();
    } finally {
      this.path.pop();
    }
  }

  private at(): string {
    return this.path.join('').replace(/^\./, '');
  }

  private named(v: unknown, name: string): unknown {
    if (!this.scan) return redactAll(v);
    const live = liveLeaf(v);
    if (live !== undefined) this.findings.push({ location: this.at(), preview: preview(live), rule: `secret name '${name}'` });
    return v;
  }

  private text(s: string, bytes = false): string {
    if (!this.scan) return this.d.values.replace(s, bytes);
    for (const m of this.d.values.find(s, bytes)) this.findings.push({ location: this.at(), preview: preview(m.text), rule: m.rule });
    return s;
  }

  request(r: CassetteRequest): CassetteRequest {
    return this.within('.request', () => ({
      method: r.method,
      uri: this.within('.uri', () => this.url(r.uri)),
      headers: this.headers(r.headers),
      body: this.within('.body', () => this.body(r.body, r.headers)),
    }));
  }

  response(r: CassetteResponse): CassetteResponse {
    return this.within('.response', () => ({
      status: r.status,
      headers: this.headers(r.headers),
      body: this.within('.body', () => this.body(r.body, r.headers)),
    }));
  }

  headers(h: HeaderMap): HeaderMap {
    const out: HeaderMap = {};
    for (const [k, vs] of Object.entries(h)) {
      const lower = k.toLowerCase();
      this.within(`.headers.${k}`, () => {
        if (this.d.drop.has(lower)) {
          if (!this.scan) return;
          vs.forEach((v, j) => v !== REDACTED && this.findings.push({ location: `${this.at()}[${j}]`, preview: preview(v), rule: 'credential header' }));
          out[k] = vs;
        } else if (this.d.names.test(k)) out[k] = this.named(vs, k) as string[];
        else out[k] = vs.map((v, j) => this.within(`[${j}]`, () => (/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? this.url(v) : this.text(v))));
      });
    }
    return out;
  }

  /** `name=value` pairs joined by `&` (a query string or a URL-encoded form): secret names get REDACTED, spelling kept. */
  private pairs(s: string): string {
    return s
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 0) return pair;
        const name = decodeName(pair.slice(0, eq));
        const value = decodeName(pair.slice(eq + 1));
        return this.within(`[${name}]`, () => {
          if (this.d.names.test(name)) return this.named(value, name) === REDACTED ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
          // a token inside an encoded value (`Bearer+…`, `%2B`) is seen decoded
          const redacted = this.text(value);
          return redacted === value ? pair : `${pair.slice(0, eq)}=${encodeURIComponent(redacted)}`;
        });
      })
      .join('&');
  }

  url(uri: string): string {
    const q = uri.indexOf('?');
    let out = uri;
    if (q >= 0) {
      const hashAt = uri.indexOf('#', q);
      out = uri.slice(0, q + 1) + this.pairs(uri.slice(q + 1, hashAt < 0 ? undefined : hashAt)) + (hashAt < 0 ? '' : uri.slice(hashAt));
    }
    return this.text(out);
  }

  json(v: unknown, parentKey?: string): unknown {
    if (typeof v === 'string') return this.jsonString(v);
    if (Array.isArray(v)) {
      let changed = false;
      const out = v.map((x, i) => {
        const y = this.within(`[${i}]`, () => this.json(x));
        if (y !== x) changed = true;
        return y;
      });
      return changed ? out : v;
    }
    if (typeof v === 'object' && v !== null) {
      const obj = v as Record<string, unknown>;
      let changed = false;
      const out: Record<string, unknown> = {};
      // JSON schema property names and logprob tokens are names and text, not secrets
      const schemaProps = parentKey === 'properties';
      const logprob = 'logprob' in obj;
      for (const [k0, x] of Object.entries(obj)) {
        const k = this.within(`.${k0}`, () => this.text(k0));
        const secret = !schemaProps && !(logprob && k0 === 'token') && this.d.names.test(k0);
        const y = this.within(`.${k0}`, () => (secret ? this.named(x, k0) : this.json(x, k0)));
        if (y !== x || k !== k0) changed = true;
        out[k] = y;
      }
      return changed ? out : v;
    }
    return v;
  }

  /** A JSON string value: JSON held in it (tool-call arguments) is walked too, then layers 2 and 3. */
  private jsonString(s: string): string {
    let out = s;
    const c = s.trimStart()[0];
    if ((c === '{' || c === '[') && s.length > 1) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(s);
      } catch {
        parsed = undefined;
      }
      if (typeof parsed === 'object' && parsed !== null) {
        const walked = this.json(parsed);
        if (walked !== parsed) out = JSON.stringify(walked);
      }
    }
    return this.text(out);
  }

  private multipart(text: string, boundary: string): string {
    const sep = `--${boundary}`;
    return text
      .split(sep)
      .map((part) => {
        const headEnd = part.indexOf('\r\n\r\n');
        if (headEnd < 0) return part;
        const name = /\bname="([^"]*)"/i.exec(part.slice(0, headEnd))?.[1];
        if (name === undefined || !this.d.names.test(name)) return part;
        const bodyEnd = part.endsWith('\r\n') ? part.length - 2 : part.length;
        const value = part.slice(headEnd + 4, bodyEnd);
        return this.within(`[${name}]`, () => (this.named(value, name) === REDACTED ? `${part.slice(0, headEnd + 4)}${REDACTED}${part.slice(bodyEnd)}` : part));
      })
      .join(sep);
  }

  /** Text of a body: JSON (kept as text when big), multipart fields and URL-encoded forms by name, then layers 2 and 3. */
  private bodyText(text: string, contentType: string, bytes = false): string {
    if (!bytes && /^\s*[[{]/.test(text)) return this.jsonString(text);
    const boundary = /multipart\/[^;]*;.*\bboundary="?([^";]+)"?/i.exec(contentType)?.[1];
    let out = text;
    if (boundary !== undefined) out = this.multipart(out, boundary);
    else if (/x-www-form-urlencoded/i.test(contentType) || FORM_SHAPE.test(out)) out = this.pairs(out);
    return this.text(out, bytes);
  }

  body(b: CassetteBody, headers: HeaderMap): CassetteBody {
    const contentType = headerValue(headers, 'content-type');
    switch (b.kind) {
      case 'none':
        return b;
      case 'json': {
        const value = this.json(b.value);
        return value === b.value ? b : { kind: 'json', value };
      }
      case 'text':
        // bytes that happen to be valid UTF-8 are still binary data: no word boundaries there
        return { kind: 'text', text: this.bodyText(b.text, contentType, BINARY_TYPE.test(contentType)) };
      case 'base64': {
        // the bytes, one character each, so secrets inside binary data are seen
        const bytes = this.within('(bytes)', () => this.bodyText(Buffer.from(b.data, 'base64').toString('latin1'), contentType, true));
        return { kind: 'base64', data: this.text(Buffer.from(bytes, 'latin1').toString('base64')) };
      }
      case 'sse':
        return {
          kind: 'sse',
          events: b.events.map((e, i) =>
            this.within(`.events[${i}]`, () => ({
              ...e,
              ...(e.event === undefined ? {} : { event: this.text(e.event) }),
              ...(e.id === undefined ? {} : { id: this.text(e.id) }),
              data: this.jsonString(e.data),
            })),
          ),
        };
      default: {
        const never: never = b;
        return never;
      }
    }
  }
}

/** Built-in redaction followed by the user's `redact` hook (environment: `process.env`). */
export function redactInteraction(it: Interaction, options?: RedactOptions): Interaction {
  return new SecretDetector(options).redactInteraction(it);
}

/**
 * Scans interactions for anything redaction would still change: secret-named values,
 * token formats, known secrets, headers that should have been dropped. Findings carry a
 * location and a masked preview only.
 */
export function scanInteractions(interactions: readonly Interaction[], options?: RedactOptions, env?: Env): SecretFinding[] {
  const d = new SecretDetector(options, env);
  return interactions.flatMap((it, i) => d.scanInteraction(it, i));
}
