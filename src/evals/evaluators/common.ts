/**
 * Built-in evaluators with pydantic-evals' semantics (`evaluators/common.py`), each taking one
 * options object.
 */
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { zodModule } from '../../runtime/zod-peer.js';
import { UserError } from '../../runtime/index.js';
import type { EvaluatorContext } from '../evaluator-context.js';
import { Evaluator, type EvaluationReason, type EvaluatorOptions } from '../evaluator.js';
import { normalizeSpanQuery, type SpanQuery } from '../span-tree.js';
import { isPlainRecord, pyRepr, truncateMiddle, truncatedPyRepr } from './py-repr.js';

/** Structural equality as Python's `==` on JSON-like data (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return isDeepStrictEqual(a, b);
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Python-like repr of a value for reasons: strings quoted, others as JSON. */
export function reprValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Checks `output` deep-equals `value`. Returns a boolean. */
export class Equals extends Evaluator {
  static readonly positionalArgument = 'value';
  readonly value: unknown;
  constructor(options: { value: unknown } & EvaluatorOptions) {
    super(options);
    this.value = options.value;
  }
  evaluate(ctx: EvaluatorContext): boolean {
    return deepEqual(ctx.output, this.value);
  }
}

/**
 * Checks `output` deep-equals the case's `expectedOutput`. Returns nothing (an empty record) when
 * the case has no expected output, as pydantic-evals.
 */
export class EqualsExpected extends Evaluator {
  constructor(options: EvaluatorOptions = {}) {
    super(options);
  }
  evaluate(ctx: EvaluatorContext): boolean | Record<string, boolean> {
    if (ctx.expectedOutput === undefined || ctx.expectedOutput === null) return {};
    return deepEqual(ctx.output, ctx.expectedOutput);
  }
}

/** Options of `Contains`. */
export interface ContainsOptions extends EvaluatorOptions {
  value: unknown;
  /** Only for string comparisons; default `true`. */
  caseSensitive?: boolean;
  /** Compare `String(output)` and `String(value)`; default `false` (strings are compared as strings anyway). */
  asStrings?: boolean;
}

/**
 * Checks the output contains `value`: a substring for strings, an element for arrays, and for
 * objects either every key/value of an object `value` or `value` as a key.
 */
export class Contains extends Evaluator {
  static readonly positionalArgument = 'value';
  readonly value: unknown;
  readonly caseSensitive: boolean;
  readonly asStrings: boolean;
  constructor(options: ContainsOptions) {
    super(options);
    this.value = options.value;
    this.caseSensitive = options.caseSensitive ?? true;
    this.asStrings = options.asStrings ?? false;
  }
  evaluate(ctx: EvaluatorContext): EvaluationReason {
    const output = ctx.output;
    if (this.asStrings || (typeof this.value === 'string' && typeof output === 'string')) {
      let out = typeof output === 'string' ? output : pyStr(output);
      let exp = typeof this.value === 'string' ? this.value : pyStr(this.value);
      if (!this.caseSensitive) {
        out = out.toLowerCase();
        exp = exp.toLowerCase();
      }
      if (out.includes(exp)) return { value: true };
      return { value: false, reason: `Output string ${truncatedPyRepr(out)} does not contain expected string ${truncatedPyRepr(exp)}` };
    }
    const failure = containmentFailure(output, this.value);
    return failure === undefined ? { value: true } : { value: false, reason: failure };
  }
}

/** Python's `str()` of a non-string: containers as their repr, scalars as JavaScript prints them. */
function pyStr(v: unknown): string {
  return typeof v === 'object' && v !== null ? pyRepr(v) : String(v);
}

/** The key/value pairs of a dict-like output: a plain object, a Map, or a class instance with fields (a dataclass). */
function dictView(output: object): { has(k: unknown): boolean; get(k: unknown): unknown; repr(): string } | undefined {
  if (output instanceof Map) return { has: (k) => output.has(k), get: (k) => output.get(k), repr: () => pyRepr(output) };
  if (Array.isArray(output) || Symbol.iterator in output) return undefined;
  const plain = isPlainRecord(output);
  // a class instance with no own fields is not model-like: pydantic-evals' `in` raises for it
  if (!plain && Object.keys(output).length === 0) return undefined;
  const rec = output as Record<string, unknown>;
  const keyOf = (k: unknown) => (typeof k === 'string' || typeof k === 'number' ? String(k) : undefined);
  return {
    has: (k) => keyOf(k) !== undefined && (plain ? Object.hasOwn(rec, keyOf(k)!) : keyOf(k)! in rec),
    get: (k) => rec[keyOf(k)!],
    // pydantic-evals dumps a model/dataclass to a dict before reporting it
    repr: () => pyRepr(plain ? rec : { ...rec }),
  };
}

/** The failure reason of `value in output` for a non-string check, or `undefined` when contained. */
function containmentFailure(output: unknown, value: unknown): string | undefined {
  if (typeof output === 'string') {
    return `Containment check failed: 'in <string>' requires string as left operand, not ${typeNames(value)[0] ?? typeof value}`;
  }
  if (typeof output !== 'object' || output === null) {
    return `Containment check failed: argument of type '${typeNames(output)[0] ?? typeof output}' is not iterable`;
  }
  const dict = dictView(output);
  if (dict !== undefined) {
    if (isPlainRecord(value) || value instanceof Map) {
      const expected: Iterable<[unknown, unknown]> = value instanceof Map ? value : Object.entries(value);
      for (const [k, v] of expected) {
        if (!dict.has(k)) return `Output does not contain expected key ${truncatedPyRepr(k, 30)}`;
        const actual = dict.get(k);
        if (!deepEqual(actual, v)) {
          return `Output has different value for key ${truncatedPyRepr(k, 30)}: ${truncatedPyRepr(actual)} != ${truncatedPyRepr(v)}`;
        }
      }
      return undefined;
    }
    return dict.has(value) ? undefined : `Output ${truncateMiddle(dict.repr(), 200)} does not contain provided value as a key`;
  }
  if (Array.isArray(output) || Symbol.iterator in output) {
    for (const item of output as Iterable<unknown>) if (deepEqual(item, value)) return undefined;
    return `Output ${truncatedPyRepr(output, 200)} does not contain provided value`;
  }
  return `Containment check failed: argument of type '${typeNames(output)[0] ?? 'Object'}' is not iterable`;
}


/** Names of the classes along a value's prototype chain (`Number`, `Object` for 3). */
export function typeNames(value: unknown): string[] {
  if (value === null) return ['null'];
  if (value === undefined) return ['undefined'];
  const names: string[] = [];
  let proto: unknown = Object.getPrototypeOf(Object(value));
  while (proto !== null && proto !== undefined) {
    const ctor = (proto as { constructor?: { name?: string } }).constructor;
    if (ctor?.name) names.push(ctor.name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

/**
 * Python builtin type names, so a pydantic-evals dataset's `IsInstance: str` works on JavaScript
 * values: each maps to a test on the value.
 */
const PYTHON_TYPE_NAMES: Readonly<Record<string, (v: unknown) => boolean>> = {
  str: (v) => typeof v === 'string',
  int: (v) => typeof v === 'number' && Number.isInteger(v),
  float: (v) => typeof v === 'number',
  bool: (v) => typeof v === 'boolean',
  list: (v) => Array.isArray(v),
  tuple: (v) => Array.isArray(v),
  dict: (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null),
  NoneType: (v) => v === null || v === undefined,
};

/**
 * JavaScript's own `typeof` names. `'object'` means `typeof output === 'object'` (objects,
 * arrays and `null`), not Python's `object` (which every value is an instance of).
 */
const TYPEOF_NAMES = new Set(['string', 'number', 'boolean', 'bigint', 'symbol', 'function', 'undefined', 'object']);

/**
 * Checks the output's type by name (pydantic-evals' `IsInstance`, which checks the class names
 * on the output's MRO). Three kinds of name match:
 * - a class on the output's prototype chain (`'Array'`, `'Error'`, `'String'`, your own classes);
 * - JavaScript's `typeof` names: `'string'`, `'number'`, `'boolean'`, `'bigint'`, `'symbol'`,
 *   `'function'`, `'undefined'`, `'object'` (`typeof output === typeName`; so `'object'` does
 *   not match a string — a deliberate difference from Python's `object`);
 * - Python builtin names (`str`, `int`, `float`, `bool`, `list`, `tuple`, `dict`, `NoneType`),
 *   so datasets written for pydantic-evals load and pass.
 */
export class IsInstance extends Evaluator {
  static readonly positionalArgument = 'typeName';
  readonly typeName: string;
  constructor(options: { typeName: string } & EvaluatorOptions) {
    super(options);
    this.typeName = options.typeName;
  }
  evaluate(ctx: EvaluatorContext): EvaluationReason {
    const names = typeNames(ctx.output);
    if (names.includes(this.typeName) || PYTHON_TYPE_NAMES[this.typeName]?.(ctx.output)) return { value: true };
    if (TYPEOF_NAMES.has(this.typeName) && typeof ctx.output === this.typeName) return { value: true };
    return { value: false, reason: `output is of type ${names[0] ?? typeof ctx.output}` };
  }
}

/**
 * Checks the output against a zod schema (new in rehearse). In dataset files `schema` is a
 * JSON Schema object, converted with `z.fromJSONSchema`. The reason lists the issues.
 */
export class MatchesSchema extends Evaluator {
  static readonly positionalArgument = 'schema';
  readonly schema: z.ZodType;
  constructor(options: { schema: z.ZodType | Record<string, unknown> } & EvaluatorOptions) {
    super(options);
    const { z } = zodModule();
    this.schema = options.schema instanceof z.ZodType ? options.schema : z.fromJSONSchema(options.schema as never);
  }
  evaluate(ctx: EvaluatorContext): EvaluationReason {
    const r = this.schema.safeParse(ctx.output);
    if (r.success) return { value: true };
    const problems = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
    return { value: false, reason: `Output does not match the schema: ${problems.join('; ')}` };
  }
  override toSpec(): string | Record<string, unknown> {
    const { z } = zodModule();
    return { [this.getSerializationName()]: { ...this.specOptions, schema: z.toJSONSchema(this.schema) } };
  }
}

/**
 * A span of time given by parts, as Python's `timedelta(days=…, milliseconds=…)`: every part
 * optional, summed; each a finite number.
 */
export interface DurationParts {
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
  milliseconds?: number;
  microseconds?: number;
}

const DURATION_PART_SECONDS: Readonly<Record<keyof DurationParts, number>> = {
  days: 86_400,
  hours: 3_600,
  minutes: 60,
  seconds: 1,
  milliseconds: 1e-3,
  microseconds: 1e-6,
};

/** Total seconds of a number of seconds or of `DurationParts`; `NaN` for anything else. */
function totalSeconds(value: unknown): number {
  if (typeof value === 'number') return value;
  if (!isPlainRecord(value)) return Number.NaN;
  let total = 0;
  for (const [k, v] of Object.entries(value)) {
    const unit = (DURATION_PART_SECONDS as Record<string, number>)[k];
    if (unit === undefined || typeof v !== 'number' || !Number.isFinite(v)) return Number.NaN;
    total += v * unit;
  }
  return total;
}

/**
 * Checks the task took at most `seconds` (compared with `ctx.durationMs`). `seconds` is a
 * number of seconds or `DurationParts` (pydantic-evals' `timedelta`), stored as total seconds.
 * @throws UserError when `seconds` is negative, NaN, or not one of those shapes.
 */
export class MaxDuration extends Evaluator {
  static readonly positionalArgument = 'seconds';
  /** The limit in seconds. */
  readonly seconds: number;
  constructor(options: { seconds: number | DurationParts } & EvaluatorOptions) {
    super(options);
    const seconds = totalSeconds(options.seconds);
    if (!(seconds >= 0)) {
      throw new UserError(`MaxDuration needs a non-negative number of seconds, got ${JSON.stringify(options.seconds)}`);
    }
    this.seconds = seconds;
    // dataset files keep a plain number of seconds, as pydantic-evals writes them
    this.specOptions['seconds'] = seconds;
  }
  evaluate(ctx: EvaluatorContext): boolean {
    return ctx.durationMs <= this.seconds * 1000;
  }
}

/**
 * Checks that some span of the case matches `query` (camelCase, or pydantic-evals' snake_case
 * keys in dataset files). Throws (an evaluator failure) when spans were not recorded.
 */
export class HasMatchingSpan extends Evaluator {
  static readonly positionalArgument = 'query';
  readonly query: SpanQuery;
  constructor(options: { query: SpanQuery | Record<string, unknown> } & EvaluatorOptions) {
    super(options);
    this.query = normalizeSpanQuery(options.query);
  }
  evaluate(ctx: EvaluatorContext): boolean {
    return ctx.spanTree.any(this.query);
  }
}
