/**
 * Layers 2 and 3 of redaction: values. Layer 2 knows token formats (JWT, `Bearer …`, provider
 * key prefixes, cloud key ids) and finds them anywhere. Layer 3 knows the secrets themselves:
 * the values of environment variables whose names look secret, and values registered with
 * {@link registerSecrets} or passed as `secretValues`. Each known secret is looked for in its
 * raw, URL-encoded and base64 forms (the three base64 alignments, so a secret inside a larger
 * base64 stream is found too), as CI systems mask secrets in logs.
 */
import { existsSync } from 'node:fs';

/** The placeholder that replaces a secret. */
export const REDACTED = 'REDACTED';

/** A named pattern for values that look like secrets. */
export interface SecretPattern {
  name: string;
  pattern: RegExp;
}

// A prefix must not be glued to a preceding letter or digit ("risk-free-…" holds "sk-free-…"),
// except after a percent-escape (`%3Dsk-…` in a URL-encoded value).
const START = '(?:(?<=%[0-9A-Fa-f]{2})|(?<![A-Za-z0-9]))';
// An id of fixed length must not run on into more id characters.
const END = '(?![A-Z0-9])';

/** Built-in token formats (layer 2). Matches are replaced with {@link REDACTED}; a bearer keeps its `Bearer ` prefix. */
export const DEFAULT_SECRET_PATTERNS: readonly SecretPattern[] = [
  { name: 'sk- key', pattern: new RegExp(`${START}sk-[A-Za-z0-9_-]{16,}`, 'g') },
  { name: 'stripe-style key', pattern: new RegExp(`${START}[rsp]k_(?:live|test)_[A-Za-z0-9]{10,}`, 'g') },
  { name: 'bearer token', pattern: /\bBearer\s+(?!REDACTED\b)[A-Za-z0-9._~+/=-]{8,}/gi },
  { name: 'google api key', pattern: /AIza[0-9A-Za-z_-]{35}/g },
  { name: 'google oauth token', pattern: /ya29\.[0-9A-Za-z_-]{20,}/g },
  { name: 'github token', pattern: /gh[pousr]_[A-Za-z0-9]{36,}/g },
  { name: 'github fine-grained token', pattern: /github_pat_[A-Za-z0-9_]{22,}/g },
  { name: 'gitlab token', pattern: /glpat-[A-Za-z0-9_-]{20,}/g },
  { name: 'slack token', pattern: /xox[abposre]-[A-Za-z0-9-]{10,}/g },
  { name: 'aws access key id', pattern: new RegExp(`(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}${END}`, 'g') },
  { name: 'jwt', pattern: /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g },
  { name: 'hugging face token', pattern: new RegExp(`${START}hf_[A-Za-z]{30,}`, 'g') },
  { name: 'groq key', pattern: new RegExp(`${START}gsk_[A-Za-z0-9]{20,}`, 'g') },
  { name: 'xai key', pattern: new RegExp(`${START}xai-[A-Za-z0-9]{20,}`, 'g') },
  { name: 'npm token', pattern: new RegExp(`${START}npm_[A-Za-z0-9]{36}`, 'g') },
  { name: 'private key block', pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g },
  { name: 'url credentials', pattern: /(?<=\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]+:)(?!REDACTED@)[^\s@/?#]{3,}(?=@)/gi },
];

/** A cheap test run before the built-in patterns: no hit, no pattern can match. */
const MAYBE_BUILTIN = /sk-|k_live_|k_test_|[Bb][Ee][Aa][Rr][Ee][Rr]|AIza|ya29\.|gh[pousr]_|github_pat_|glpat-|xox|A[A-Z]{3}[A-Z0-9]{16}|eyJ|hf_|gsk_|xai-|npm_|PRIVATE KEY|:\/\/[^\s@/]+:[^\s@/]+@/;

/** Environment variable names whose values are secrets: `*_KEY`, `*_TOKEN`, `*_SECRET`, `*PASSWORD*`, `*_API_KEY`, … */
export const SECRET_ENV_NAME = /(^|_)(API_?KEY|KEY|TOKEN|SECRET|PAT|CREDENTIALS?|AUTH|SIGNATURE)(_|$)|KEY$|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL/i;
/** Variables matching {@link SECRET_ENV_NAME} that hold no secret. */
const NOT_SECRET_ENV = /^(SSH_AUTH_SOCK|GPG_AGENT_INFO|.*_PUBLIC_KEY|.*_KEY_ID_HEADER)$/i;
/** Shorter known secrets are ignored (they would redact ordinary words). */
export const MIN_SECRET_LENGTH = 8;

const registry = new Set<SecretRegistration>();

/** Secrets added for every cassette of the process by {@link registerSecrets}. */
export interface SecretRegistration {
  /** Exact secret values (at least 8 characters), redacted in every form wherever they occur. */
  values?: readonly string[];
  /** Extra secret names (headers, parameters, fields, JSON keys): a string matches case-insensitively, a RegExp is tested. */
  names?: readonly (string | RegExp)[];
  /** Extra token formats. */
  patterns?: readonly (RegExp | SecretPattern)[];
}

/**
 * Registers secrets for every cassette written or checked afterwards in this process (on top
 * of each cassette's own `secretValues`, `secretNames`, `secretPatterns`).
 * @returns a function that removes this registration.
 */
export function registerSecrets(registration: SecretRegistration): () => void {
  const copy = { ...registration };
  registry.add(copy);
  return () => void registry.delete(copy);
}

/** The registrations in force. */
export function registeredSecrets(): SecretRegistration[] {
  return [...registry];
}

/** Values of secret-looking variables that are not secrets: a single word under 16 letters (`production`, `localhost`), a boolean. */
const NOT_SECRET_VALUE = /^([A-Za-z]{1,15}|true|false)$/;

/** Whether `v` names an existing file or folder (`SSL_KEY_FILE=/etc/ssl/key.pem`): a path, not a secret (an AWS secret key may start with `/`). */
function isExistingPath(v: string): boolean {
  return /^(\.{0,2}\/|~\/|[A-Za-z]:\\)/.test(v) && existsSync(v);
}

/**
 * Values of the secret-looking variables of each environment: unique, at least
 * {@link MIN_SECRET_LENGTH} characters, not a plain word, a boolean or the path of an existing file.
 */
export function envSecrets(envs: readonly (Readonly<Record<string, string | undefined>> | undefined)[]): string[] {
  const out = new Set<string>();
  for (const env of envs) {
    if (env === undefined) continue;
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined || value.trim().length < MIN_SECRET_LENGTH) continue;
      if (SECRET_ENV_NAME.test(name) && !NOT_SECRET_ENV.test(name) && !NOT_SECRET_VALUE.test(value.trim()) && !isExistingPath(value.trim())) out.add(value.trim());
    }
  }
  return [...out];
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The forms in which `secret` may appear: raw, JSON-escaped, URL-encoded (upper and lower
 * case escapes, `+` for spaces), and base64 / base64url at each of the three byte alignments
 * (the base64 text that depends only on the secret's bytes, wherever it sits in a stream).
 */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([secret, JSON.stringify(secret).slice(1, -1)]);
  const enc = encodeURIComponent(secret);
  forms.add(enc);
  forms.add(enc.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  forms.add(new URLSearchParams({ a: secret }).toString().slice(2));
  const bytes = Buffer.from(secret, 'utf8');
  for (let k = 0; k < 3; k++) {
    const n = Math.floor((bytes.length - k) / 3) * 3;
    if (n < 6) continue;
    const b64 = bytes.subarray(k, k + n).toString('base64');
    forms.add(b64);
    forms.add(b64.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...forms].filter((f) => f.length >= Math.min(MIN_SECRET_LENGTH, secret.length));
}

/** One match of a secret value: where it starts, its text and the rule that found it. */
export interface ValueMatch {
  index: number;
  text: string;
  rule: string;
}

/** Layers 2 and 3 compiled: token patterns and known-secret forms, with a fast no-match path. */
export class SecretValues {
  private readonly patterns: SecretPattern[];
  /** The same patterns without word-boundary guards, for the bytes of binary bodies (no words there). */
  private readonly bytePatterns: SecretPattern[];
  private readonly extraPatterns: boolean;
  private readonly known: RegExp | undefined;
  /** Number of known secrets (each looked for in all its forms). */
  readonly knownCount: number;

  constructor(args: { patterns?: readonly (RegExp | SecretPattern)[]; values?: readonly string[] }) {
    const extra = (args.patterns ?? []).map((p, i) => (p instanceof RegExp ? { name: `secretPatterns[${i}]`, pattern: p } : p));
    this.extraPatterns = extra.length > 0;
    this.patterns = [...DEFAULT_SECRET_PATTERNS, ...extra].map(({ name, pattern }) => ({
      name,
      pattern: new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`),
    }));
    this.bytePatterns = this.patterns.map(({ name, pattern }) => ({
      name,
      pattern: new RegExp(pattern.source.split(START).join('').replace(/^\\b/, '').split(END).join(''), pattern.flags),
    }));
    const values = [...new Set(args.values ?? [])].filter((v) => v.length >= MIN_SECRET_LENGTH && v !== REDACTED);
    this.knownCount = values.length;
    const forms = [...new Set(values.flatMap(secretForms))].sort((a, b) => b.length - a.length);
    this.known = forms.length === 0 ? undefined : new RegExp(forms.map(escapeRegExp).join('|'), 'g');
  }

  /**
   * Replaces every token-format match and known-secret form in `s` (`Bearer x` becomes
   * `Bearer REDACTED`). `bytes`: `s` holds binary data one byte per character, where a token
   * may touch any byte.
   */
  replace(s: string, bytes = false): string {
    let out = s;
    if (this.known !== undefined) out = out.replace(this.known, REDACTED);
    if (!this.extraPatterns && !MAYBE_BUILTIN.test(out)) return out;
    for (const { pattern } of bytes ? this.bytePatterns : this.patterns) {
      out = out.replace(pattern, (m) => (/^bearer\s/i.test(m) ? `${m.slice(0, 6)} ${REDACTED}` : REDACTED));
    }
    return out;
  }

  /** Every token-format match and known-secret form in `s` (nothing for an already redacted text). */
  find(s: string, bytes = false): ValueMatch[] {
    const out: ValueMatch[] = [];
    if (this.known !== undefined) for (const m of s.matchAll(this.known)) out.push({ index: m.index, text: m[0], rule: 'known secret' });
    if (this.extraPatterns || MAYBE_BUILTIN.test(s))
      for (const { name, pattern } of bytes ? this.bytePatterns : this.patterns) for (const m of s.matchAll(pattern)) out.push({ index: m.index, text: m[0], rule: name });
    return out;
  }
}
