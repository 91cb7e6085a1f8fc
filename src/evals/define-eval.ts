/**
 * `defineEval`: the shape of a suite exported from a `*.eval.ts` file, run by `rehearse eval`.
 * The argument is validated with zod, so a typo (`datset`) is named with a suggestion.
 */
import { closest } from 'fastest-levenshtein';
import type { z } from 'zod';
import { zodModule } from '../runtime/zod-peer.js';
import { UserError } from '../runtime/index.js';
import type { Dataset } from './dataset.js';
import type { EvaluateOptions, Task } from './runner.js';
import type { EvalThresholds } from './thresholds.js';

/** A suite: a dataset, the task to evaluate on it, run options and thresholds. */
export interface EvalSuite<I = unknown, O = unknown, M = unknown> {
  readonly kind: 'rehearse-eval-suite';
  readonly dataset: Dataset<I, O, M>;
  readonly task: Task<I, O>;
  readonly options: EvaluateOptions<I, O, M>;
  readonly thresholds: EvalThresholds;
}

// Built on first use: defining zod schemas costs time at import.
let suiteArg: z.ZodType | undefined;
function SuiteArg(): z.ZodType {
  if (suiteArg) return suiteArg;
  const { z } = zodModule();
  const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'expected a function' });
  const rate = z.number().min(0).max(1);
  const retry = z.strictObject({ maxAttempts: z.number().int().min(1), delayMs: z.number().min(0).optional() });
  const budget = z.strictObject({
    maxRequests: z.number().min(0).optional(),
    maxInputTokens: z.number().min(0).optional(),
    maxOutputTokens: z.number().min(0).optional(),
    maxTotalTokens: z.number().min(0).optional(),
    maxCostUsd: z.number().min(0).optional(),
    prices: z.strictObject({ inputPerMillionUsd: z.number().min(0), outputPerMillionUsd: z.number().min(0) }).optional(),
  });

  return (suiteArg = z.strictObject({
    dataset: z.custom<Dataset>(
      (v) => typeof v === 'object' && v !== null && Array.isArray((v as { cases?: unknown }).cases) && typeof (v as { evaluate?: unknown }).evaluate === 'function',
      { message: 'expected a Dataset (new Dataset({ cases, evaluators }))' },
    ),
    task: fn,
    options: z
      .strictObject({
        name: z.string().optional(),
        taskName: z.string().optional(),
        maxConcurrency: z.number().int().min(1).optional(),
        repeat: z.number().int().min(1).optional(),
        timeoutMs: z.number().positive().optional(),
        retryTask: retry.optional(),
        retryEvaluators: retry.optional(),
        progress: z.boolean().optional(),
        lifecycle: fn.optional(),
        signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal).optional(),
        onStart: fn.optional(),
        onCaseDone: fn.optional(),
      })
      .optional(),
    thresholds: z
      .strictObject({
        minScore: z.union([z.number(), z.record(z.string(), z.number())]).optional(),
        minPassRate: rate.optional(),
        passRateBound: z.enum(['estimate', 'lower']).optional(),
        budget: budget.optional(),
        failOnRegression: z.boolean().optional(),
      })
      .optional(),
  }));
}

function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const { z } = zodModule();
  let s: z.ZodType = schema;
  for (const key of path) {
    while (s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
    if (!(s instanceof z.ZodObject)) return [];
    s = (s.shape as Record<string, z.ZodType>)[String(key)]!;
    if (!s) return [];
  }
  while (s instanceof z.ZodOptional) s = s.unwrap() as z.ZodType;
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function describeIssues(error: z.ZodError, input: unknown): string {
  if (typeof input !== 'object' || input === null) return 'expected an object { dataset, task, options?, thresholds? }';
  return error.issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.join('.') : '(argument)';
      if (issue.code === 'unrecognized_keys') {
        const known = keysAt(SuiteArg(), issue.path);
        return issue.keys
          .map((k) => {
            const guess = known.length ? closest(k, known) : undefined;
            const prefix = issue.path.length ? `${issue.path.join('.')}.` : '';
            return `unknown key '${prefix}${k}'${guess ? ` (did you mean '${prefix}${guess}'?)` : ''}`;
          })
          .join('; ');
      }
      if (valueAt(input, issue.path) === undefined) return `missing '${where}'`;
      return `'${where}': ${issue.message}`;
    })
    .join('; ');
}

/**
 * Declares an eval suite. Export it (named export) from a `*.eval.ts` file:
 *
 * ```ts
 * export const capitals = defineEval({
 *   dataset: new Dataset({ cases: [new Case({ name: 'fr', inputs: 'France', expectedOutput: 'Paris' })], evaluators: [new EqualsExpected()] }),
 *   task: async (country: string, { signal }) => capitalOf(country, { signal }),
 *   options: { maxConcurrency: 4, repeat: 5, timeoutMs: 30_000 },
 *   thresholds: { minPassRate: 0.9 },
 * });
 * ```
 * @throws UserError naming each bad, missing or unknown key (with the closest known key).
 */
export function defineEval<I, O, M>(suite: {
  dataset: Dataset<I, O, M>;
  task: Task<I, O>;
  options?: EvaluateOptions<I, O, M>;
  thresholds?: EvalThresholds;
}): EvalSuite<I, O, M> {
  const parsed = SuiteArg().safeParse(suite);
  if (!parsed.success) throw new UserError(`defineEval: ${describeIssues(parsed.error, suite)}`);
  return { kind: 'rehearse-eval-suite', dataset: suite.dataset, task: suite.task, options: suite.options ?? {}, thresholds: suite.thresholds ?? {} };
}

/** Whether a module export is a suite made with `defineEval`. */
export function isEvalSuite(value: unknown): value is EvalSuite {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'rehearse-eval-suite';
}
