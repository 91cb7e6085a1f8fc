/**
 * Runs a task over a dataset's cases and evaluates the results (pydantic-evals'
 * `Dataset.evaluate` and `_run_task_and_evaluators`).
 */
import { performance } from 'node:perf_hooks';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import cliProgress from 'cli-progress';
import pLimit from 'p-limit';
import { UserError } from '../runtime/index.js';
import type { Case } from './case.js';
import { EvaluatorContext } from './evaluator-context.js';
import {
  formatError,
  groupEvaluationResults,
  runEvaluator,
  withRetry,
  type EvaluationResult,
  type Evaluator,
  type EvaluatorFailure,
  type RetryOptions,
} from './evaluator.js';
import { EvaluationReport, type ReportCase, type ReportCaseFailure } from './report.js';
import { collectSpansSettled, ensureEvalTracing } from './span-collector.js';
import { SpanTree, type SpanTreeRecordingError } from './span-tree.js';
import { extractSpanTreeMetrics, runWithTaskRun, TaskRun } from './task-run.js';

/** A function under evaluation: inputs in, output (or a promise of it) out. */
export type Task<I, O> = (inputs: I) => O | Promise<O>;

/**
 * Per-case hooks (pydantic-evals' `CaseLifecycle`): `setup` before the task, `prepareContext`
 * after it (may return an enriched context), `teardown` with the result. A throwing `setup` or
 * `prepareContext` turns the case into a `ReportCaseFailure`; `teardown` still runs.
 */
export interface CaseLifecycle<I = unknown, O = unknown, M = unknown> {
  setup?(): void | Promise<void>;
  prepareContext?(ctx: EvaluatorContext<I, O, M>): EvaluatorContext<I, O, M> | Promise<EvaluatorContext<I, O, M>>;
  teardown?(result: ReportCase<I, O, M> | ReportCaseFailure<I, O, M>): void | Promise<void>;
}

/** Options of `dataset.evaluate(task, options)`. */
export interface EvaluateOptions<I = unknown, O = unknown, M = unknown> {
  /** Report name; default the task's function name (else `'task'`). */
  name?: string;
  /** Name of the task in spans; default the function name. */
  taskName?: string;
  /** Most cases running at once; default unlimited. */
  maxConcurrency?: number;
  /** Runs each case this many times, named `'{case} [i/N]'`; default 1. */
  repeat?: number;
  /** Retries a throwing task. */
  retryTask?: RetryOptions;
  /** Retries a throwing evaluator. */
  retryEvaluators?: RetryOptions;
  /** Shows a progress bar on stderr when it is a TTY and `CI` is not set; default `false`. */
  progress?: boolean;
  /** Makes the hooks for one case. */
  lifecycle?: (c: Case<I, O, M>) => CaseLifecycle<I, O, M>;
  /** Stops scheduling new cases when aborted; cases already running finish and the partial report is returned. */
  signal?: AbortSignal;
  /** Called after each case finishes (for custom progress output). */
  onCaseDone?: (result: ReportCase<I, O, M> | ReportCaseFailure<I, O, M>, done: number, total: number) => void;
}

interface PlannedRun<I, O, M> {
  case: Case<I, O, M>;
  reportName: string;
  sourceName: string | undefined;
}

const tracer = () => trace.getTracer('rehearse-evals');

/** Whether a progress bar may be drawn on this stream. */
export function progressAllowed(stream: NodeJS.WriteStream = process.stderr): boolean {
  return !!stream.isTTY && !process.env['CI'];
}

/** Evaluates `task` on every case of `cases` with the dataset evaluators. See `Dataset.evaluate`. */
export async function runEvaluation<I, O, M>(args: {
  cases: readonly Case<I, O, M>[];
  evaluators: readonly Evaluator<I, O, M>[];
  task: Task<I, O>;
  options: EvaluateOptions<I, O, M>;
}): Promise<EvaluationReport<I, O, M>> {
  const { cases, evaluators, task, options } = args;
  const repeat = options.repeat ?? 1;
  if (!Number.isInteger(repeat) || repeat < 1) throw new UserError(`repeat must be an integer >= 1, got ${repeat}`);
  if (options.maxConcurrency !== undefined && !(options.maxConcurrency >= 1)) {
    throw new UserError(`maxConcurrency must be >= 1, got ${options.maxConcurrency}`);
  }
  const taskName = options.taskName ?? (task.name || 'task');
  const name = options.name ?? taskName;
  const planned: PlannedRun<I, O, M>[] = [];
  cases.forEach((c, i) => {
    const caseName = c.name ?? `Case ${i + 1}`;
    if (repeat > 1) {
      for (let r = 1; r <= repeat; r++) planned.push({ case: c, reportName: `${caseName} [${r}/${repeat}]`, sourceName: caseName });
    } else planned.push({ case: c, reportName: caseName, sourceName: undefined });
  });

  const recordingError = ensureEvalTracing();
  const limit = pLimit(options.maxConcurrency ?? Math.max(1, planned.length));
  const signal = options.signal;
  const bar =
    options.progress && progressAllowed()
      ? new cliProgress.SingleBar({ format: `Evaluating ${taskName} [{bar}] {value}/{total} cases`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic)
      : undefined;
  bar?.start(planned.length, 0);
  let done = 0;
  let skipped = 0;
  const results = await tracer().startActiveSpan(`evaluate ${name}`, { attributes: { name, task_name: taskName, n_cases: cases.length } }, async (evalSpan) => {
    try {
      return await Promise.all(
        planned.map((p) =>
          limit(async () => {
            if (signal?.aborted) {
              skipped++;
              return undefined;
            }
            const result = await runCase({ planned: p, task, taskName, evaluators, options, recordingError });
            done++;
            bar?.increment();
            options.onCaseDone?.(result, done, planned.length);
            return result;
          }),
        ),
      );
    } finally {
      evalSpan.end();
    }
  });
  bar?.stop();
  const reportCases: ReportCase<I, O, M>[] = [];
  const failures: ReportCaseFailure<I, O, M>[] = [];
  for (const r of results) {
    if (r === undefined) continue;
    if ('errorMessage' in r) failures.push(r);
    else reportCases.push(r);
  }
  return new EvaluationReport<I, O, M>({ name, cases: reportCases, failures, interrupted: skipped > 0 });
}

function withOptional<T extends object>(base: T, extra: Record<string, unknown>): T {
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) (base as Record<string, unknown>)[k] = v;
  return base;
}

async function runCase<I, O, M>(args: {
  planned: PlannedRun<I, O, M>;
  task: Task<I, O>;
  taskName: string;
  evaluators: readonly Evaluator<I, O, M>[];
  options: EvaluateOptions<I, O, M>;
  recordingError: SpanTreeRecordingError | undefined;
}): Promise<ReportCase<I, O, M> | ReportCaseFailure<I, O, M>> {
  const { planned, task, taskName, options } = args;
  const c = planned.case;
  return tracer().startActiveSpan(`case: ${planned.reportName}`, { attributes: { case_name: planned.reportName, task_name: taskName } }, async (caseSpan) => {
    const t0 = performance.now();
    const sc = caseSpan.spanContext();
    const ids = { traceId: sc.traceId, spanId: sc.spanId };
    const hasIds = sc.traceId !== '00000000000000000000000000000000';
    const common = withOptional(
      { name: planned.reportName, inputs: c.inputs } as { name: string; inputs: I; metadata?: M; expectedOutput?: O },
      { metadata: c.metadata, expectedOutput: c.expectedOutput, sourceCaseName: planned.sourceName, ...(hasIds ? ids : {}) },
    );
    let lifecycle: CaseLifecycle<I, O, M> | undefined;
    let result: ReportCase<I, O, M> | ReportCaseFailure<I, O, M>;
    try {
      lifecycle = options.lifecycle?.(c);
      await lifecycle?.setup?.();
      let ctx = await runTask({ planned, task, taskName, retry: options.retryTask, recordingError: args.recordingError });
      if (lifecycle?.prepareContext) ctx = await lifecycle.prepareContext(ctx);
      const allEvaluators = [...c.evaluators, ...args.evaluators];
      const outputs = await Promise.all(allEvaluators.map((e) => runEvaluator(e, ctx, options.retryEvaluators)));
      const evaluationResults: EvaluationResult[] = [];
      const evaluatorFailures: EvaluatorFailure[] = [];
      for (const o of outputs) {
        if (Array.isArray(o)) evaluationResults.push(...o);
        else evaluatorFailures.push(o);
      }
      const grouped = groupEvaluationResults(evaluationResults);
      result = {
        ...common,
        output: ctx.output,
        ...grouped,
        metrics: ctx.metrics,
        attributes: ctx.attributes,
        taskDurationMs: ctx.durationMs,
        totalDurationMs: performance.now() - t0,
        evaluatorFailures,
      } as ReportCase<I, O, M>;
    } catch (error) {
      if (error instanceof Error) caseSpan.recordException(error);
      caseSpan.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      result = { ...common, ...formatError(error) } as ReportCaseFailure<I, O, M>;
    }
    try {
      await lifecycle?.teardown?.(result);
    } finally {
      caseSpan.end();
    }
    if (!('errorMessage' in result)) result.totalDurationMs = performance.now() - t0;
    return result;
  });
}

async function runTask<I, O, M>(args: {
  planned: PlannedRun<I, O, M>;
  task: Task<I, O>;
  taskName: string;
  retry: RetryOptions | undefined;
  recordingError: SpanTreeRecordingError | undefined;
}): Promise<EvaluatorContext<I, O, M>> {
  const c = args.planned.case;
  const once = () =>
    tracer().startActiveSpan(`execute ${args.taskName}`, { attributes: { task: args.taskName } }, async (span) => {
      const run = new TaskRun();
      const t0 = performance.now();
      const settled = await collectSpansSettled(() => runWithTaskRun(run, async () => args.task(c.inputs)));
      const durationMs = performance.now() - t0;
      if (!settled.ok) {
        if (settled.error instanceof Error) span.recordException(settled.error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        throw settled.error;
      }
      span.end();
      return { run, output: settled.result, durationMs, spanTree: settled.spanTree };
    });
  const { run, output, durationMs, spanTree } = await withRetry(once, args.retry);
  extractSpanTreeMetrics(run, args.recordingError ? undefined : spanTree);
  return new EvaluatorContext<I, O, M>({
    name: args.planned.reportName,
    inputs: c.inputs,
    metadata: c.metadata,
    expectedOutput: c.expectedOutput,
    output,
    durationMs,
    spanTree: args.recordingError ?? (spanTree instanceof SpanTree ? spanTree : new SpanTree()),
    attributes: run.attributes,
    metrics: run.metrics,
  });
}
