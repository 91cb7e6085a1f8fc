/**
 * `defineEval`: the shape of a suite exported from a `*.eval.ts` file, run by `rehearse eval`.
 */
import type { Dataset } from './dataset.js';
import type { EvaluateOptions, Task } from './runner.js';

/** Pass/fail thresholds of a suite (the CLI's `--min-score` / `--min-pass-rate` apply when unset). */
export interface EvalThresholds {
  /** Every averaged score must be at least this; a record sets it per score name. */
  minScore?: number | Record<string, number>;
  /** The assertion pass rate (0..1) must be at least this. Without it, any failed assertion fails the suite. */
  minPassRate?: number;
}

/** A suite: a dataset, the task to evaluate on it, run options and thresholds. */
export interface EvalSuite<I = unknown, O = unknown, M = unknown> {
  readonly kind: 'rehearse-eval-suite';
  readonly dataset: Dataset<I, O, M>;
  readonly task: Task<I, O>;
  readonly options: EvaluateOptions<I, O, M>;
  readonly thresholds: EvalThresholds;
}

/**
 * Declares an eval suite. Export it (named export) from a `*.eval.ts` file:
 *
 * ```ts
 * export const capitals = defineEval({
 *   dataset: new Dataset({ cases: [new Case({ name: 'fr', inputs: 'France', expectedOutput: 'Paris' })], evaluators: [new EqualsExpected()] }),
 *   task: async (country: string) => capitalOf(country),
 *   options: { maxConcurrency: 4 },
 *   thresholds: { minPassRate: 0.9 },
 * });
 * ```
 */
export function defineEval<I, O, M>(suite: {
  dataset: Dataset<I, O, M>;
  task: Task<I, O>;
  options?: EvaluateOptions<I, O, M>;
  thresholds?: EvalThresholds;
}): EvalSuite<I, O, M> {
  return { kind: 'rehearse-eval-suite', dataset: suite.dataset, task: suite.task, options: suite.options ?? {}, thresholds: suite.thresholds ?? {} };
}

/** Whether a module export is a suite made with `defineEval`. */
export function isEvalSuite(value: unknown): value is EvalSuite {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'rehearse-eval-suite';
}
