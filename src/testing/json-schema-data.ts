/**
 * Generates minimal data that matches a JSON schema, deterministically for a seed. Follows
 * pydantic-ai's `_JsonSchemaTestData` (`models/test.py`) rule for rule and in the same order, so
 * documented examples give the same data, and goes further where pydantic-ai gives up: `oneOf`,
 * `allOf`, `type` arrays, `pattern` (via randexp with a seeded PRNG), string formats (`date-time`,
 * `email`, `uuid`, `uri`, `time`, `duration`, `ipv4`, `ipv6`, `emoji`, `jwt`), `maxLength`, number bounds that the
 * integer rule cannot meet (e.g. `(0, 1)` exclusive), `multipleOf`, `propertyNames`, `$ref: '#'`
 * and recursive schemas.
 *
 * The rule: pydantic-ai's value is used whenever it satisfies the schema's constraints; only when
 * it does not is another candidate tried.
 *
 * Known limits: `oneOf` picks branch `seed % n` without checking that no other branch matches
 * (zod `z.xor` of overlapping schemas may reject the value); schemas zod cannot represent in JSON
 * (`z.date()`, `z.bigint()`, transforms) give a character; JSON cannot tell `0` from `0.0`, so
 * float values that pydantic-ai writes as `1.0` are written `1` here.
 */
import { loadModuleSync, UserError } from '../runtime/index.js';
import { isSchemaObject, mergeSchemas } from './json-schema-merge.js';

/** A JSON schema (object or boolean), as `z.toJSONSchema` emits. */
export type JsonSchemaInput = Record<string, unknown> | boolean;

type Schema = Record<string, unknown>;

interface RandExpInstance {
  max: number;
  randInt(a: number, b: number): number;
  gen(): string;
}
type RandExpCtor = new (pattern: string | RegExp, flags?: string) => RandExpInstance;
let randExpCtor: RandExpCtor | undefined;
/** randexp, loaded when a schema first has a `pattern` (not when rehearse/testing is imported). */
function RandExp(): RandExpCtor {
  if (randExpCtor === undefined) {
    const m = loadModuleSync<RandExpCtor | { default: RandExpCtor }>('randexp');
    randExpCtor = 'default' in m ? m.default : m;
  }
  return randExpCtor;
}

/** pydantic-ai's character pool: `string.ascii_letters + string.digits + string.punctuation`. */
const CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** Expansions of the same `$ref` deeper than this stop adding optional array items. */
const RECURSION_SOFT_LIMIT = 3;
/** Expansions deeper than this throw: the schema has no finite instance we can find. */
const RECURSION_HARD_LIMIT = 50;

/** Python truthiness, as pydantic-ai's `if x := schema.get(...)` tests use it. */
function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Python's `%` (result takes the divisor's sign). */
function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Zod marks unbounded integers with ±`Number.MAX_SAFE_INTEGER`; treated as no bound, as pydantic's schemas have none. */
function intBound(v: unknown): number | undefined {
  const n = num(v);
  return n === undefined || Math.abs(n) === Number.MAX_SAFE_INTEGER ? undefined : n;
}

/** A small seeded PRNG (mulberry32), so randexp output depends only on the seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function compilePattern(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    try {
      return new RegExp(pattern);
    } catch {
      return undefined;
    }
  }
}

const FORMAT_CHECKS: Record<string, (s: string) => boolean> = {
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)),
  'date-time': (s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(s) && !Number.isNaN(Date.parse(s)),
  time: (s) => /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s),
  email: (s) => /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/.test(s),
  uuid: (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s),
  uri: (s) => {
    try {
      new URL(s);
      return true;
    } catch {
      return false;
    }
  },
  ipv4: (s) => /^(\d{1,3}\.){3}\d{1,3}$/.test(s),
  ipv6: (s) => s.includes(':') && /^[0-9a-f:]+$/i.test(s),
  duration: (s) => /^P/.test(s),
  emoji: (s) => /^[\p{Extended_Pictographic}\p{Emoji_Component}]+$/u.test(s) && /\p{Extended_Pictographic}/u.test(s),
  jwt: (s) => {
    const parts = s.split('.');
    if (parts.length !== 3 || !parts[0]) return false;
    try {
      const header: unknown = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
      return typeof header === 'object' && header !== null && 'alg' in header;
    } catch {
      return false;
    }
  },
};

/** A JWT with an `HS256` header and `{"sub": subject}` payload (not a real signature). */
function fakeJwt(subject: string): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: subject })}.c2lnbmF0dXJl`;
}

/**
 * Generates data for a JSON schema (pydantic-ai's `_JsonSchemaTestData`). One instance per
 * generated value: like pydantic-ai, `uniqueItems` arrays bump the seed for the rest of the
 * generation.
 */
export class JsonSchemaTestData {
  /** The current seed (starts at the constructor's; `uniqueItems` arrays increment it). */
  seed: number;
  private readonly root: Schema;
  private readonly defs: Record<string, unknown>;
  private readonly refDepth = new Map<string, number>();
  private totalRefDepth = 0;

  /**
   * @param schema the JSON schema; `$defs` (or `definitions`) of the root are used for `$ref`s.
   * @param seed non-negative integer, default 0: picks enum members, union branches, characters...
   */
  constructor(schema: JsonSchemaInput, seed = 0) {
    this.root = schema === true ? {} : schema === false ? { not: {} } : schema;
    const defs = this.root['$defs'] ?? this.root['definitions'];
    this.defs = isSchemaObject(defs) ? defs : {};
    this.seed = seed;
  }

  /**
   * Generates the data.
   * @throws UserError for a `type` the generator does not know, a `$ref` it cannot resolve, or
   *   a recursive schema with no finite instance.
   */
  generate(): unknown {
    return this.genAny(this.root);
  }

  private genAny(schemaIn: unknown): unknown {
    if (schemaIn === true || schemaIn === undefined) return this.char();
    if (!isSchemaObject(schemaIn)) throw new UserError(`Cannot generate data for the JSON schema ${JSON.stringify(schemaIn)}`);
    const schema = schemaIn;
    // pydantic-ai's order
    if ('const' in schema) return schema['const'];
    const enumValues = schema['enum'];
    if (truthy(enumValues) && Array.isArray(enumValues)) return enumValues[this.seed % enumValues.length];
    const examples = schema['examples'];
    if (truthy(examples) && Array.isArray(examples)) return examples[this.seed % examples.length];
    const ref = schema['$ref'];
    if (truthy(ref) && typeof ref === 'string') return this.genRef(ref, schema);
    const anyOf = schema['anyOf'];
    if (truthy(anyOf) && Array.isArray(anyOf)) return this.genAny(this.pickBranch(anyOf));
    // beyond pydantic-ai
    const oneOf = schema['oneOf'];
    if (truthy(oneOf) && Array.isArray(oneOf)) return this.genAny(this.pickBranch(oneOf));
    const allOf = schema['allOf'];
    if (truthy(allOf) && Array.isArray(allOf)) return this.genAny(this.mergeAllOf(schema, allOf));

    let type = schema['type'];
    if (Array.isArray(type)) type = type.length === 0 ? undefined : type[this.seed % type.length];
    if (type === undefined) type = inferType(schema);
    switch (type) {
      case undefined:
        // no type, no ref: pydantic-ai gives a character
        return this.char();
      case 'object':
        return this.objectGen(schema);
      case 'string':
        return this.strGen(schema);
      case 'integer':
        return this.numberGen(schema, true);
      case 'number':
        return this.numberGen(schema, false);
      case 'boolean':
        return this.seed % 2 === 1;
      case 'array':
        return this.arrayGen(schema);
      case 'null':
        return null;
      default:
        throw new UserError(`Unknown JSON schema type: ${JSON.stringify(type)}; TestModel cannot generate data for it.`);
    }
  }

  private resolveRef(ref: string): unknown {
    if (ref === '#') return this.root;
    const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
    const key = m ? m[1]! : ref.replace(/^#\/\$defs\//, '');
    const unescaped = key.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!(unescaped in this.defs)) throw new UserError(`Cannot resolve JSON schema $ref '${ref}': no such definition in $defs.`);
    return this.defs[unescaped];
  }

  private genRef(ref: string, schema: Schema): unknown {
    const depth = (this.refDepth.get(ref) ?? 0) + 1;
    if (depth > RECURSION_HARD_LIMIT) {
      throw new UserError(`The JSON schema recursion through '${ref}' has no finite instance TestModel can find.`);
    }
    this.refDepth.set(ref, depth);
    this.totalRefDepth++;
    try {
      const target = this.resolveRef(ref);
      // sibling keywords of `$ref` (2020-12) are merged in, e.g. a description or a default
      const siblings = Object.keys(schema).filter((k) => k !== '$ref' && k !== 'description' && k !== 'title' && k !== 'default');
      if (siblings.length > 0 && isSchemaObject(target)) {
        const rest: Schema = {};
        for (const k of siblings) rest[k] = schema[k];
        return this.genAny({ allOf: [target, rest] });
      }
      return this.genAny(target);
    } finally {
      this.refDepth.set(ref, depth - 1);
      this.totalRefDepth--;
    }
  }

  private get deep(): boolean {
    for (const d of this.refDepth.values()) if (d >= RECURSION_SOFT_LIMIT) return true;
    return false;
  }

  /** `branches[seed % n]`, as pydantic-ai; when deep in a recursion, prefers a branch without `$ref`. */
  private pickBranch(branches: unknown[]): unknown {
    const chosen = branches[this.seed % branches.length];
    if (this.deep && containsRef(chosen)) {
      const flat = branches.find((b) => !containsRef(b));
      if (flat !== undefined) return flat;
    }
    return chosen;
  }

  private mergeAllOf(schema: Schema, allOf: unknown[]): Schema {
    const base: Schema = {};
    for (const [k, v] of Object.entries(schema)) if (k !== 'allOf') base[k] = v;
    let merged = base;
    for (const subIn of allOf) {
      let sub = subIn;
      if (isSchemaObject(sub) && typeof sub['$ref'] === 'string' && Object.keys(sub).length === 1) sub = this.resolveRef(sub['$ref']);
      if (sub === true || sub === undefined) continue;
      if (!isSchemaObject(sub)) continue;
      if (Array.isArray(sub['allOf'])) sub = this.mergeAllOf(sub, sub['allOf']);
      merged = mergeSchemas(merged, sub as Schema);
    }
    return merged;
  }

  private objectGen(schema: Schema): Record<string, unknown> {
    const required = new Set(Array.isArray(schema['required']) ? (schema['required'] as string[]) : []);
    const data: Record<string, unknown> = {};
    const properties = schema['properties'];
    if (truthy(properties) && isSchemaObject(properties)) {
      for (const [key, value] of Object.entries(properties)) {
        if (required.has(key)) data[key] = this.genAny(value);
      }
    }
    const additional = schema['additionalProperties'];
    // beyond pydantic-ai: required keys that no property describes (zod records with enum keys)
    for (const key of required) {
      if (key in data) continue;
      const props = isSchemaObject(properties) ? properties : {};
      if (key in props) continue;
      data[key] = isSchemaObject(additional) ? this.genAny(additional) : this.char();
    }
    if (truthy(additional)) {
      const propertyNames = schema['propertyNames'];
      let key: string | undefined;
      if (isSchemaObject(propertyNames) && Object.keys(propertyNames).some((k) => k !== 'type')) {
        const k = this.genAny({ type: 'string', ...propertyNames });
        key = typeof k === 'string' && !(k in data) ? k : undefined;
      } else {
        key = 'additionalProperty';
        while (key in data) key += '_';
      }
      if (key !== undefined) data[key] = additional === true ? this.char() : this.genAny(additional);
    }
    return data;
  }

  /** pydantic-ai's string rule, unchanged. */
  private pydanticStr(schema: Schema): string {
    const minLen = num(schema['minLength']);
    if (minLen !== undefined) return this.char().repeat(minLen);
    if (schema['maxLength'] === 0) return '';
    if (schema['format'] === 'date') return this.date();
    return this.char();
  }

  private strGen(schema: Schema): string {
    const patterns = (Array.isArray(schema['pattern']) ? schema['pattern'] : schema['pattern'] === undefined ? [] : [schema['pattern']])
      .filter((p): p is string => typeof p === 'string')
      .map((p) => ({ source: p, re: compilePattern(p) }));
    const minLen = num(schema['minLength']) ?? 0;
    const maxLen = num(schema['maxLength']) ?? Infinity;
    const format = typeof schema['format'] === 'string' ? schema['format'] : undefined;
    const formatCheck = format === undefined ? undefined : FORMAT_CHECKS[format];
    const ok = (s: string): boolean => {
      const len = [...s].length;
      if (len < minLen || len > maxLen) return false;
      if (formatCheck && !formatCheck(s)) return false;
      return patterns.every((p) => p.re === undefined || p.re.test(s));
    };

    const first = this.pydanticStr(schema);
    if (ok(first)) return first;

    const candidates: string[] = [];
    const formatted = format === undefined ? undefined : this.formatValue(format);
    if (formatted !== undefined) candidates.push(formatted);
    for (const c of candidates) if (ok(c)) return c;

    if (patterns.length > 0) {
      const found = this.fromPatterns(patterns.map((p) => p.source), ok, minLen);
      if (found !== undefined) return found;
    }
    // length only: the character, repeated up to minLength, cut to maxLength
    const c = this.char();
    let s = c;
    while ([...s].length < minLen) s += c;
    s = [...s].slice(0, Number.isFinite(maxLen) ? maxLen : undefined).join('');
    if (ok(s)) return s;
    // give up as pydantic-ai does: its value
    return first;
  }

  /** Strings from the patterns via randexp, seeded; tries longer repetitions until `ok`. */
  private fromPatterns(sources: string[], ok: (s: string) => boolean, minLen: number): string | undefined {
    const maxes = [0, 1, 2, 4, 8, 16, 32, Math.max(64, minLen), Math.max(128, minLen * 2)];
    for (let attempt = 0; attempt < maxes.length * 4; attempt++) {
      const max = maxes[Math.floor(attempt / 4)]!;
      const rand = mulberry32(this.seed * 7919 + attempt);
      const parts: string[] = [];
      for (const src of sources) {
        let r: RandExpInstance;
        try {
          r = new (RandExp())(src);
        } catch {
          return undefined;
        }
        r.max = max;
        r.randInt = (a: number, b: number) => a + Math.floor(rand() * (1 + b - a));
        parts.push(r.gen());
      }
      for (const p of parts) if (ok(p)) return p;
      const joined = parts.join('');
      if (parts.length > 1 && ok(joined)) return joined;
    }
    return undefined;
  }

  private formatValue(format: string): string | undefined {
    const seed = this.seed;
    const word = /^[a-z0-9]+$/i.test(this.char()) ? this.char() : `a${seed}`;
    switch (format) {
      case 'date':
        return this.date();
      case 'date-time':
        return `${this.date()}T00:00:00Z`;
      case 'time':
        return '00:00:00';
      case 'duration':
        return `P${seed + 1}D`;
      case 'email':
        return `${word}@example.com`;
      case 'uuid':
      case 'guid':
        return `00000000-0000-4000-8000-${seed.toString(16).padStart(12, '0').slice(-12)}`;
      case 'uri':
      case 'url':
      case 'uri-reference':
        return `https://example.com/${word}`;
      case 'hostname':
        return `${word}.example.com`;
      case 'ipv4':
        return `192.0.2.${seed % 256}`;
      case 'ipv6':
        return `2001:db8::${(seed % 65536).toString(16)}`;
      case 'emoji':
        return '\u{1F600}';
      case 'jwt':
        return fakeJwt(word);
      default:
        return undefined;
    }
  }

  /** pydantic-ai's integer rule (numbers too), then the schema's bounds when that rule misses them. */
  private numberGen(schema: Schema, integer: boolean): number {
    const minimum = intBound(schema['minimum']);
    const maximum = intBound(schema['maximum']);
    const exclusiveMinimum = intBound(schema['exclusiveMinimum']);
    const exclusiveMaximum = intBound(schema['exclusiveMaximum']);
    const multipleOf = num(schema['multipleOf']);

    const valid = (v: number): boolean =>
      Number.isFinite(v) &&
      (!integer || Number.isInteger(v)) &&
      (minimum === undefined || v >= minimum) &&
      (maximum === undefined || v <= maximum) &&
      (exclusiveMinimum === undefined || v > exclusiveMinimum) &&
      (exclusiveMaximum === undefined || v < exclusiveMaximum) &&
      (multipleOf === undefined || multipleOf <= 0 || isMultiple(v, multipleOf));

    const first = pydanticInt(this.seed, minimum, maximum, exclusiveMinimum, exclusiveMaximum);
    if (valid(first)) return first;

    // beyond pydantic-ai: the tightest bounds
    let lo = -Infinity;
    let loExclusive = false;
    if (minimum !== undefined) lo = minimum;
    if (exclusiveMinimum !== undefined && exclusiveMinimum >= lo) {
      lo = exclusiveMinimum;
      loExclusive = true;
    }
    let hi = Infinity;
    let hiExclusive = false;
    if (maximum !== undefined) hi = maximum;
    if (exclusiveMaximum !== undefined && exclusiveMaximum <= hi) {
      hi = exclusiveMaximum;
      hiExclusive = true;
    }
    const step = multipleOf !== undefined && multipleOf > 0 ? (integer && !Number.isInteger(multipleOf) ? undefined : multipleOf) : integer ? 1 : undefined;
    if (step !== undefined) {
      let base: number;
      if (Number.isFinite(lo)) {
        base = Math.ceil(lo / step) * step;
        if (loExclusive && base <= lo) base += step;
      } else if (Number.isFinite(hi)) {
        base = Math.floor(hi / step) * step;
        if (hiExclusive && base >= hi) base -= step;
        const down = base - this.seed * step;
        return valid(down) ? down : base;
      } else {
        base = 0;
      }
      const up = base + this.seed * step;
      if (valid(up)) return up;
      return base;
    }
    if (Number.isFinite(lo) && Number.isFinite(hi)) return lo + (hi - lo) / (this.seed + 2);
    if (Number.isFinite(lo)) return lo + 1 + this.seed;
    if (Number.isFinite(hi)) return hi - 1 - this.seed;
    return this.seed;
  }

  private arrayGen(schema: Schema): unknown[] {
    const data: unknown[] = [];
    const unique = truthy(schema['uniqueItems']);
    const prefixItems = schema['prefixItems'];
    if (truthy(prefixItems) && Array.isArray(prefixItems)) {
      for (const item of prefixItems) {
        data.push(this.genAny(item));
        if (unique) this.seed += 1;
      }
    }
    const itemsSchema = schema['items'] ?? {};
    const minItems = num(schema['minItems']) ?? 0;
    const maxItems = num(schema['maxItems']);
    if (minItems > data.length) {
      for (let i = data.length; i < minItems; i++) {
        data.push(this.genAny(itemsSchema));
        if (unique) this.seed += 1;
      }
    } else if (truthy(itemsSchema) && !this.deep) {
      // one item unless it would break `maxItems` (skipped deep in a recursion, so it ends)
      if (maxItems === undefined || maxItems > data.length) {
        data.push(this.genAny(itemsSchema));
        if (unique) this.seed += 1;
      }
    }
    return data;
  }

  /** `2024-01-01` plus `seed` days, as pydantic-ai. */
  private date(): string {
    const d = new Date(Date.UTC(2024, 0, 1 + this.seed));
    return d.toISOString().slice(0, 10);
  }

  /** A string from the seed, counted like spreadsheet columns over pydantic-ai's 94 characters (seed 0 → 'a'). */
  private char(): string {
    const n = CHARS.length;
    let s = '';
    let rem = Math.floor(this.seed / n);
    while (rem > 0) {
      s += CHARS[(rem - 1) % n];
      rem = Math.floor(rem / n);
    }
    s += CHARS[this.seed % n];
    return s;
  }
}

function pydanticInt(
  seed: number,
  minimumIn: number | undefined,
  maximumIn: number | undefined,
  exclusiveMinimum: number | undefined,
  exclusiveMaximum: number | undefined,
): number {
  let minimum = minimumIn;
  let maximum = maximumIn;
  if (minimum !== undefined && maximum === minimum) return minimum;
  if (maximum === undefined && exclusiveMaximum !== undefined) maximum = exclusiveMaximum - 1;
  if (minimum === undefined && exclusiveMinimum !== undefined) minimum = exclusiveMinimum + 1;
  if (minimum !== undefined && maximum !== undefined) {
    const width = maximum - minimum;
    return width === 0 ? minimum : minimum + pyMod(seed, width);
  }
  if (minimum !== undefined) return minimum + seed;
  if (maximum !== undefined) return maximum - seed;
  return seed;
}

function isMultiple(v: number, m: number): boolean {
  const q = v / m;
  return Math.abs(q - Math.round(q)) < 1e-9;
}

function containsRef(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(containsRef);
  if (!isSchemaObject(v)) return false;
  if (typeof v['$ref'] === 'string') return true;
  return Object.values(v).some(containsRef);
}

/** A type for a schema without `type`, from its keywords (pydantic-ai would give a character). */
function inferType(schema: Schema): string | undefined {
  if ('properties' in schema || 'required' in schema || 'additionalProperties' in schema || 'propertyNames' in schema) return 'object';
  if ('items' in schema || 'prefixItems' in schema || 'minItems' in schema || 'maxItems' in schema) return 'array';
  if ('pattern' in schema || 'minLength' in schema || 'maxLength' in schema || 'format' in schema) return 'string';
  if ('minimum' in schema || 'maximum' in schema || 'exclusiveMinimum' in schema || 'exclusiveMaximum' in schema || 'multipleOf' in schema) {
    return 'number';
  }
  return undefined;
}

/**
 * Generates minimal data matching `schema` for `seed` (default 0), as pydantic-ai's TestModel
 * does for tool arguments and structured output. Deterministic: the same schema and seed give
 * the same data.
 * @throws UserError for a schema the generator cannot handle (unknown `type`, dangling `$ref`).
 */
export function generateJsonSchemaData(schema: JsonSchemaInput, seed = 0): unknown {
  return new JsonSchemaTestData(schema, seed).generate();
}
