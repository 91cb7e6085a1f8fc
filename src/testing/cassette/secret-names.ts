/**
 * Layer 1 of redaction: names. A header, query parameter, form field, multipart field or JSON
 * key whose name belongs to the secret vocabulary has its value redacted, whatever the value.
 */

/**
 * Words that make a name secret when the name, split into words (`x-goog-api-key` →
 * `x goog api key`, `apiToken` → `api token`), contains one of them. Plurals such as
 * `max_tokens` or `x-ratelimit-remaining-tokens` are counts, not secrets, and stay readable.
 */
export const SECRET_NAME_WORDS: readonly string[] = [
  'auth',
  'authorization',
  'authenticate',
  'token',
  'secret',
  'password',
  'passwd',
  'passphrase',
  'pwd',
  'session',
  'sessionid',
  'cookie',
  'credential',
  'credentials',
  'creds',
  'signature',
  'sig',
  'bearer',
  'jwt',
  'private',
  'key',
  'apikey',
  'otp',
  'xsrf',
  'csrf',
  'sas',
];

/**
 * Names whose words run together (`apikey`, `accesstoken`, `ocpapimsubscriptionkey`): a name
 * whose letters and digits, lower-cased and joined, end with one of these is secret.
 */
const SECRET_SUFFIXES = /(key|token|secret|password|passwd|credentials?|signature|cookie|sessionid|jwt|bearer)$/;

/** Names that look secret by the rules above but carry no secret. */
const NOT_SECRET = new Set(['keys', 'tokens', 'monkey', 'hockey', 'turkey', 'whiskey', 'jockey', 'donkey']);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** A compiled name rule: the built-in vocabulary plus the user's extra names and patterns. */
export class SecretNames {
  private readonly cache = new Map<string, boolean>();
  private readonly exact: Set<string>;
  private readonly words: Set<string>;

  private readonly patterns: readonly RegExp[];

  constructor(extra: { names?: readonly string[]; patterns?: readonly RegExp[] } = {}) {
    this.patterns = (extra.patterns ?? []).map((p) => new RegExp(p.source, p.flags.replace(/[gy]/g, '')));
    this.exact = new Set((extra.names ?? []).map((n) => n.toLowerCase()));
    this.words = new Set([...SECRET_NAME_WORDS, ...(extra.names ?? []).flatMap((n) => (/[^a-z0-9]/i.test(n) ? [] : [n.toLowerCase()]))]);
  }

  /** Whether a header, parameter, field or JSON key called `name` holds a secret. */
  test(name: string): boolean {
    let hit = this.cache.get(name);
    if (hit === undefined) {
      hit = this.compute(name);
      if (this.cache.size < 10_000) this.cache.set(name, hit);
    }
    return hit;
  }

  private compute(name: string): boolean {
    const lower = name.toLowerCase();
    if (this.exact.has(lower)) return true;
    if (this.patterns.some((p) => p.test(name))) return true;
    const ws = words(name);
    if (ws.some((w) => this.words.has(w))) return true;
    const joined = ws.join('');
    return !NOT_SECRET.has(joined) && SECRET_SUFFIXES.test(joined);
  }
}
