/**
 * The `Evaluator` base class and the result shapes it produces (pydantic-evals'
 * `evaluators/evaluator.py` and `_run_evaluator.py`).
 */
import { inspect } from 'node:util';
import pRetry from 'p-retry';
import { describeThrown } from './thrown.js';
import type { EvaluatorContext } from './evaluator-context.js';

/** The scalar an evaluator returns: boolean (assertion), number (score) or string (label). */
export type EvaluationScalar = boolean | number | string;

/** A scalar with an optional explanation. */
export interface EvaluationReason {
  value: EvaluationScalar;
  reason?: string | undefined;
}

/** What `evaluate` may return: a scalar, a reason, or a record of named scalars/reasons. */
export type EvaluatorOutput = EvaluationScalar | EvaluationReason | Record<string, EvaluationScalar | EvaluationReason>;

/**
 * One named result in a report. `source` is the evaluator's serialization name. `name` is the
 * name the evaluator gave; when two results share it, the report files the later ones under
 * `name_2`, `name_3` … while each result keeps its own `name` (as pydantic-evals).
 */
export interface EvaluationResult<T extends EvaluationScalar = EvaluationScalar> {
  name: string;
  value: T;
  reason?: string;
  source: string;
}

/** An evaluator that threw; recorded on its case instead of failing the run. */
export interface EvaluatorFailure {
  name: string;
  /** `'{ErrorName}: {message}'`. */
  errorMessage: string;
  errorStacktrace: string;
  /** Class name of what was thrown (`'TypeError'`; `typeof` for non-Errors), as pydantic-evals' `error_type`. */
  errorType?: string;
  source: string;
}

/** Options every evaluator accepts. */
export interface EvaluatorOptions {
  /** Name of the result in reports; default: the class name. */
  evaluationName?: string;
}

/** Static side of an evaluator class, used by the dataset-file registry. */
export interface EvaluatorClass {
  new (options: never): Evaluator;
  readonly name: string;
  /** Name used in dataset files; default the class name. */
  readonly evaluatorName?: string;
  /** Option that the `{Name: arg}` short form sets, e.g. `'value'` for `Equals`. */
  readonly positionalArgument?: string;
}

/**
 * Base class of evaluators. Subclasses implement `evaluate(ctx)`, sync or async, returning an
 * `EvaluatorOutput`. Pass the options object to `super(options)` so the evaluator can be
 * written back to a dataset file (`toSpec()`).
 */
export abstract class Evaluator<I = unknown, O = unknown, M = unknown> {
  /** Overrides the result name; `undefined` means the class name. */
  readonly evaluationName: string | undefined;
  /** The options the evaluator was built with (for `toSpec()`). */
  protected readonly specOptions: Record<string, unknown>;

  constructor(options: object = {}) {
    const opts = options as Record<string, unknown>;
    this.evaluationName = typeof opts['evaluationName'] === 'string' ? opts['evaluationName'] : undefined;
    this.specOptions = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
  }

  abstract evaluate(ctx: EvaluatorContext<I, O, M>): EvaluatorOutput | Promise<EvaluatorOutput>;

  /** Name used in dataset files and as `source` of results: static `evaluatorName`, else the class name. */
  getSerializationName(): string {
    const ctor = this.constructor as unknown as { evaluatorName?: string; name: string };
    return ctor.evaluatorName ?? ctor.name;
  }

  /** Name of a scalar result: `evaluationName`, else the serialization name. */
  getDefaultEvaluationName(): string {
    return this.evaluationName ?? this.getSerializationName();
  }

  /**
   * The dataset-file form: `'Name'` with no options, `{Name: arg}` when only the positional
   * option is set, else `{Name: {options}}`.
   */
  toSpec(): string | Record<string, unknown> {
    const name = this.getSerializationName();
    const entries = Object.entries(this.specOptions);
    if (entries.length === 0) return name;
    const positional = (this.constructor as unknown as { positionalArgument?: string }).positionalArgument;
    const [only] = entries;
    if (entries.length === 1 && only && only[0] === positional && !isPlainObject(only[1])) return { [name]: only[1] };
    return { [name]: this.specOptions };
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function isScalar(v: unknown): v is EvaluationScalar {
  return typeof v === 'boolean' || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

function isReason(v: unknown): v is EvaluationReason {
  if (!isPlainObject(v) || !('value' in v) || !isScalar(v['value'])) return false;
  for (const k in v) if (k !== 'value' && k !== 'reason' && Object.hasOwn(v, k)) return false;
  return v['reason'] === undefined || v['reason'] === null || typeof v['reason'] === 'string';
}

/** Retry policy for tasks and evaluators: up to `maxAttempts` tries with `delayMs` between them. */
export interface RetryOptions {
  /** Total attempts including the first; at least 1. */
  maxAttempts: number;
  /** Wait between attempts in milliseconds; default 0. */
  delayMs?: number;
}

/** Carries any thrown value through p-retry (which would not retry a `TypeError` or a non-Error). */
class AttemptFailed extends Error {
  constructor(readonly original: unknown) {
    super('attempt failed');
  }
}

/**
 * Runs `fn` up to `retry.maxAttempts` times (p-retry, fixed `delayMs` between attempts),
 * rethrowing the last error unchanged. Any thrown value counts as a failure, as tenacity's
 * default in pydantic-evals. An aborted `signal` stops further attempts.
 */
export async function withRetry<T>(fn: () => Promise<T>, retry: RetryOptions | undefined, signal?: AbortSignal): Promise<T> {
  const attempts = Math.max(1, retry?.maxAttempts ?? 1);
  if (attempts === 1) return fn();
  try {
    return await pRetry(
      async () => {
        try {
          return await fn();
        } catch (error) {
          throw new AttemptFailed(error);
        }
      },
      {
        retries: attempts - 1,
        factor: 1,
        minTimeout: retry?.delayMs ?? 0,
        maxTimeout: retry?.delayMs ?? 0,
        randomize: false,
        shouldRetry: () => !signal?.aborted,
      },
    );
  } catch (error) {
    throw error instanceof AttemptFailed ? error.original : error;
  }
}

/** Formats any thrown value as pydantic-evals does (`'{Name}: {message}'`), with `errorType`; never throws. */
export function formatError(error: unknown): { errorMessage: string; errorStacktrace: string; errorType: string } {
  return describeThrown(error);
}

/**
 * Runs one evaluator and converts its output to named results, or to an `EvaluatorFailure`
 * when it throws or returns a value of an invalid type.
 */
export async function runEvaluator<I, O, M>(
  evaluator: Evaluator<I, O, M>,
  ctx: EvaluatorContext<I, O, M>,
  retry?: RetryOptions,
): Promise<EvaluationResult[] | EvaluatorFailure> {
  const r = await runEvaluatorFast(evaluator, ctx, retry);
  // a fresh array (the runner may get a shared one) holding fresh results
  return Array.isArray(r) ? r.map((x) => ({ ...x })) : r;
}

function evaluatorFailure(name: string, error: unknown, source: string): EvaluatorFailure {
  return { name, ...formatError(error), source };
}

/**
 * As `runEvaluator`, but a synchronous evaluator (no retry) gives its result synchronously,
 * saving the runner a promise per evaluator per case. A boolean result with no reason comes
 * back as a shared frozen one-element array (one per evaluator, name and value), so a report
 * of many cases does not hold a copy per case.
 */
export function runEvaluatorFast<I, O, M>(
  evaluator: Evaluator<I, O, M>,
  ctx: EvaluatorContext<I, O, M>,
  retry?: RetryOptions,
): EvaluationResult[] | EvaluatorFailure | Promise<EvaluationResult[] | EvaluatorFailure> {
  const source = evaluator.getSerializationName();
  let name = source;
  try {
    name = evaluator.getDefaultEvaluationName();
    if (retry && retry.maxAttempts > 1) {
      return withRetry(async () => evaluator.evaluate(ctx), retry).then(
        (raw) => toResults(raw, name, source, evaluator),
        (error: unknown) => evaluatorFailure(name, error, source),
      );
    }
    const raw = evaluator.evaluate(ctx);
    if (raw instanceof Promise) {
      return raw.then(
        (r: EvaluatorOutput) => toResults(r, name, source, evaluator),
        (error: unknown) => evaluatorFailure(name, error, source),
      );
    }
    return toResults(raw, name, source, evaluator);
  } catch (error) {
    return evaluatorFailure(name, error, source);
  }
}

/** Per evaluator: its last name and source with the shared `[true]`/`[false]` results under them. */
interface SharedBooleans {
  name: string;
  source: string;
  yes: readonly EvaluationResult[];
  no: readonly EvaluationResult[];
}
const sharedBooleans = new WeakMap<object, SharedBooleans>();

function frozenResult(name: string, value: boolean, source: string): readonly EvaluationResult[] {
  return Object.freeze([Object.freeze({ name, value, source })]);
}

/** One scalar result (`-0` filed as 0 so reports round-trip); a boolean one is shared per evaluator. */
function scalarResult(value: EvaluationScalar, name: string, source: string, evaluator: object | undefined): EvaluationResult[] {
  if (typeof value !== 'boolean' || evaluator === undefined) return [{ name, value: value === 0 ? 0 : value, source }];
  let shared = sharedBooleans.get(evaluator);
  if (shared === undefined || shared.name !== name || shared.source !== source) {
    shared = { name, source, yes: frozenResult(name, true, source), no: frozenResult(name, false, source) };
    sharedBooleans.set(evaluator, shared);
  }
  return (value ? shared.yes : shared.no) as EvaluationResult[];
}

function toResults(raw: unknown, name: string, source: string, evaluator?: object): EvaluationResult[] | EvaluatorFailure {
  // one scalar, or one reason without text (the common cases): one result, no mapping object
  if (isScalar(raw)) return scalarResult(raw, name, source, evaluator);
  if (isReason(raw) && typeof raw.reason !== 'string') return scalarResult(raw.value, name, source, evaluator);
  try {
    let mapping: Record<string, unknown>;
    if (isReason(raw)) mapping = { [name]: raw };
    else if (isPlainObject(raw) && Object.values(raw).every((v) => isScalar(v) || isReason(v))) mapping = raw;
    else throw new TypeError(`${source}.evaluate returned a value of an invalid type: ${reprOutput(raw)}.`);
    const out: EvaluationResult[] = [];
    for (const k in mapping) {
      const v = mapping[k];
      const r = isReason(v) ? v : { value: v as EvaluationScalar };
      // -0 is not JSON data: file it as 0 so reports round-trip
      const result: EvaluationResult = { name: k, value: r.value === 0 ? 0 : r.value, source };
      if (typeof r.reason === 'string') result.reason = r.reason;
      out.push(result);
    }
    return out;
  } catch (error) {
    return evaluatorFailure(name, error, source);
  }
}

/** A readable form of an invalid evaluator output: `Infinity`, `NaN`, `{ score: -Infinity }` stay visible (JSON would print `null`). */
function reprOutput(v: unknown): string {
  try {
    return inspect(v, { depth: 4, breakLength: Infinity });
  } catch {
    return '<value that cannot be inspected>';
  }
}

/**
 * Files results by value type (boolean → assertions, number → scores, string → labels), keyed by
 * name with repeated names keyed `_2`, `_3`, … while each result keeps its own `name`
 * (pydantic-evals' `test_repeated_name_outputs`).
 */
export function groupEvaluationResults(results: readonly EvaluationResult[]): {
  assertions: Record<string, EvaluationResult<boolean>>;
  scores: Record<string, EvaluationResult<number>>;
  labels: Record<string, EvaluationResult<string>>;
} {
  const assertions: Record<string, EvaluationResult<boolean>> = {};
  const scores: Record<string, EvaluationResult<number>> = {};
  const labels: Record<string, EvaluationResult<string>> = {};
  const seen = (k: string) => Object.hasOwn(assertions, k) || Object.hasOwn(scores, k) || Object.hasOwn(labels, k);
  for (const r of results) {
    let name = r.name;
    if (seen(name)) {
      let suffix = 2;
      while (seen(`${name}_${suffix}`)) suffix++;
      name = `${name}_${suffix}`;
    }
    if (typeof r.value === 'boolean') assertions[name] = r as EvaluationResult<boolean>;
    else if (typeof r.value === 'number') scores[name] = r as EvaluationResult<number>;
    else labels[name] = r as EvaluationResult<string>;
  }
  return { assertions, scores, labels };
}
