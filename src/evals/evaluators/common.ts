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

function truncatedRepr(value: unknown, maxLength = 100): string {
  const r = reprValue(value);
  if (r.length <= maxLength) return r;
  const half = Math.floor(maxLength / 2);
  return `${r.slice(0, half)}...${r.slice(r.length - half)}`;
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
    let failure: string | undefined;
    if (this.asStrings || (typeof this.value === 'string' && typeof output === 'string')) {
      let out = typeof output === 'string' ? output : reprOrString(output);
      let exp = typeof this.value === 'string' ? this.value : reprOrString(this.value);
      if (!this.caseSensitive) {
        out = out.toLowerCase();
        exp = exp.toLowerCase();
      }
      if (!out.includes(exp)) {
        failure = `Output string ${truncatedRepr(out)} does not contain expected string ${truncatedRepr(exp)}`;
      }
      return failure === undefined ? { value: true } : { value: false, reason: failure };
    }
    if (typeof output === 'object' && output !== null && !Array.isArray(output)) {
      const dict = output as Record<string, unknown>;
      if (typeof this.value === 'object' && this.value !== null && !Array.isArray(this.value)) {
        for (const [k, v] of Object.entries(this.value)) {
          if (!(k in dict)) {
            failure = `Output does not contain expected key ${truncatedRepr(k, 30)}`;
            break;
          }
          if (!deepEqual(dict[k], v)) {
            failure = `Output has different value for key ${truncatedRepr(k, 30)}: ${truncatedRepr(dict[k])} != ${truncatedRepr(v)}`;
            break;
          }
        }
      } else if (!(typeof this.value === 'string' || typeof this.value === 'number') || !(String(this.value) in dict)) {
        failure = `Output ${truncatedRepr(output, 200)} does not contain provided value as a key`;
      }
    } else if (Array.isArray(output)) {
      if (!output.some((x) => deepEqual(x, this.value))) {
        failure = `Output ${truncatedRepr(output, 200)} does not contain provided value`;
      }
    } else {
      failure = `Containment check failed: cannot check whether ${typeof output === 'string' ? 'a string' : reprValue(output)} contains ${reprValue(this.value)}`;
    }
    return failure === undefined ? { value: true } : { value: false, reason: failure };
  }
}

function reprOrString(v: unknown): string {
  return typeof v === 'object' && v !== null ? reprValue(v) : String(v);
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

/** Checks the task took at most `seconds` (compared with `ctx.durationMs`). */
export class MaxDuration extends Evaluator {
  static readonly positionalArgument = 'seconds';
  readonly seconds: number;
  constructor(options: { seconds: number } & EvaluatorOptions) {
    super(options);
    if (typeof options.seconds !== 'number' || !(options.seconds >= 0)) {
      throw new UserError(`MaxDuration needs a non-negative number of seconds, got ${JSON.stringify(options.seconds)}`);
    }
    this.seconds = options.seconds;
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
