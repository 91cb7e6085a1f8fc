/**
 * Runs one case × repeat in isolation (pydantic-evals' `_run_task_and_evaluators`): lifecycle
 * hooks, the task inside its spans, the evaluators. The result always settles, whatever the
 * task does: a per-case timeout and an abort signal settle it at once (and abort the task's
 * `AbortSignal`), and a task still pending when Node's event loop runs empty is failed as
 * never settled. `runEvaluation` schedules these; distributed runners call it per case.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { context, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { Case } from './case.js';
import { EvaluatorContext } from './evaluator-context.js';
import { groupEvaluationResults, runEvaluatorFast, withRetry, type EvaluationResult, type Evaluator, type EvaluatorFailure } from './evaluator.js';
import type { ReportCase, ReportCaseCancelled, ReportCaseFailure } from './report.js';
import type { CaseLifecycle, EvaluateOptions, Task } from './runner.js';
import { spanTreeOf } from './span-collector.js';
import type { SpanTree, SpanTreeRecordingError } from './span-tree.js';
import { callInEvalScope, extractSpanTreeMetrics, TaskRun } from './task-run.js';
import { CaseParentContext, CaseTaskContext, finishedCase, runQuietCase } from './quiet-case.js';
import { describeThrown } from './thrown.js';

/** One scheduled run: a case and which repeat of it. */
export interface PlannedRun<I = unknown, O = unknown, M = unknown> {
  case: Case<I, O, M>;
  /** 0-based position of the case in the dataset. */
  caseIndex: number;
  /** 1-based repeat number (1 when not repeated). */
  repeatIndex: number;
  /** Report name: the case name, `'{case} [i/N]'` when repeated, unnamed cases `'Case {n}'`. */
  reportName: string;
  /** Case name before run indexing; set only when repeated. */
  sourceCaseName: string | undefined;
}

/** Plans run number `runIndex` (0-based, case-major: all repeats of case 0 first) of `cases × repeat`. */
export function planRun<I, O, M>(cases: readonly Case<I, O, M>[], runIndex: number, repeat: number): PlannedRun<I, O, M> {
  const caseIndex = Math.floor(runIndex / repeat);
  const repeatIndex = (runIndex % repeat) + 1;
  const c = cases[caseIndex]!;
  const caseName = c.name ?? `Case ${caseIndex + 1}`;
  return repeat > 1
    ? { case: c, caseIndex, repeatIndex, reportName: `${caseName} [${repeatIndex}/${repeat}]`, sourceCaseName: caseName }
    : { case: c, caseIndex, repeatIndex, reportName: caseName, sourceCaseName: undefined };
}

/** What one run produced: a finished case, a failure, or a cancellation. */
export type CaseRunResult<I = unknown, O = unknown, M = unknown> = ReportCase<I, O, M> | ReportCaseFailure<I, O, M> | ReportCaseCancelled<I, O, M>;

/** Which of the three a result is. */
export function resultKind(r: CaseRunResult): 'case' | 'failure' | 'cancelled' {
  if ('errorMessage' in r) return 'failure';
  if ('output' in r) return 'case';
  return 'cancelled';
}

/** Everything `runCase` needs. */
export interface RunCaseArgs<I, O, M> extends RunCaseShared<I, O, M> {
  planned: PlannedRun<I, O, M>;
}

/** What the runs of one evaluation share (`RunCaseArgs` without `planned`). */
export interface RunCaseShared<I, O, M> {
  task: Task<I, O>;
  taskName: string;
  /** The dataset's evaluators (the case's own run first). */
  evaluators: readonly Evaluator<I, O, M>[];
  options: Pick<EvaluateOptions<I, O, M>, 'lifecycle' | 'retryTask' | 'retryEvaluators' | 'timeoutMs'>;
  /** Aborting settles the run as cancelled (`'aborted'`) and aborts the task's signal. */
  signal?: AbortSignal | undefined;
  /** From `ensureEvalTracing()`: set when spans cannot be recorded. */
  recordingError?: SpanTreeRecordingError | undefined;
  /** Tracer for the case and task spans; default the global provider's `rehearse-evals` tracer. */
  tracer?: Tracer | undefined;
  /**
   * `true` when nothing could receive the `case:` and `execute` spans (the tracer provider is the
   * one rehearse installed, with no exporter; see `ownsEvalTracing()`): they are then not created,
   * only their ids — the report still gets `traceId`/`spanId` and the task's own spans their
   * parent. Default `false`: the spans are created.
   */
  quietSpans?: boolean | undefined;
}

// span ids without spans (quietSpans): random hex from a pooled buffer, as OpenTelemetry's ids
let idPool = Buffer.alloc(0);
let idPos = 0;
/** `bytes` random bytes as lowercase hex (a span or trace id). */
export function randomHex(bytes: number): string {
  if (idPos + bytes > idPool.length) {
    idPool = randomBytes(4096);
    idPos = 0;
  }
  const hex = idPool.toString('hex', idPos, idPos + bytes);
  idPos += bytes;
  return hex;
}

/** Runs `fn` in the case span (`quietSpans`: with no span, only ids). */
function inCaseSpan<R>(args: RunCaseArgs<unknown, unknown, unknown>, fn: (span: Span | undefined, ids: { traceId: string; spanId: string } | undefined) => Promise<R>): Promise<R> {
  const { planned, taskName } = args;
  if (args.quietSpans) return fn(undefined, { traceId: randomHex(16), spanId: randomHex(8) });
  return (args.tracer ?? evalTracer()).startActiveSpan(`case: ${planned.reportName}`, { attributes: { case_name: planned.reportName, task_name: taskName } }, (span) => {
    const sc = span.spanContext();
    return fn(span, sc.traceId === '00000000000000000000000000000000' ? undefined : sc);
  });
}

/** Thrown into a timed-out task's `AbortSignal` (its `reason`). */
export class CaseTimeoutError extends Error {
  override readonly name = 'CaseTimeoutError' as const;
  constructor(readonly caseName: string, readonly timeoutMs: number) {
    super(`case '${caseName}' did not finish within ${timeoutMs} ms (timeoutMs); its task was aborted`);
  }
}

/** The never-settled error recorded for a case still pending when the event loop ran empty. */
export class CaseNeverSettledError extends Error {
  override readonly name = 'CaseNeverSettledError' as const;
  constructor(readonly caseName: string) {
    super(
      `case '${caseName}' never settled: its task (or a hook or evaluator) awaited a promise that nothing could resolve ` +
        '(Node had no timer, socket or other work left)',
    );
  }
}

// Runs in flight, failed as never settled when the process would otherwise exit (`beforeExit`
// fires only when the event loop is empty, so nothing else can settle them).
const inFlight = new Set<CaseRun<unknown, unknown, unknown>>();
const onBeforeExit = () => {
  for (const run of [...inFlight]) run.neverSettled();
};
// The listener is added with the first run in flight and removed once none has been for a turn
// of the event loop (not after every run: one run at a time would add and remove it per run).
let listening = false;
let removal: NodeJS.Immediate | undefined;
const removeIfIdle = () => {
  removal = undefined;
  if (inFlight.size === 0 && listening) {
    process.off('beforeExit', onBeforeExit);
    listening = false;
  }
};
function track(run: CaseRun<unknown, unknown, unknown>): void {
  if (!listening) {
    process.on('beforeExit', onBeforeExit);
    listening = true;
  }
  inFlight.add(run);
}
function untrack(run: CaseRun<unknown, unknown, unknown>): void {
  if (inFlight.delete(run) && inFlight.size === 0 && removal === undefined) removal = setImmediate(removeIfIdle).unref();
}

/** The tracer the runner's spans come from. */
export const evalTracer = (): Tracer => trace.getTracer('rehearse-evals');

/** The fields every kind of result starts with, in report order. */
export function commonFields<I, O, M>(planned: PlannedRun<I, O, M>): { name: string; inputs: I; metadata?: M; expectedOutput?: O; sourceCaseName?: string } {
  const c = planned.case;
  const out: { name: string; inputs: I; metadata?: M; expectedOutput?: O; sourceCaseName?: string } = { name: planned.reportName, inputs: c.inputs };
  if (c.metadata !== undefined) out.metadata = c.metadata;
  if (c.expectedOutput !== undefined) out.expectedOutput = c.expectedOutput;
  if (planned.sourceCaseName !== undefined) out.sourceCaseName = planned.sourceCaseName;
  return out;
}

/** A failure record of `planned` for a thrown value. */
export function failureOf<I, O, M>(planned: PlannedRun<I, O, M>, error: unknown, status: ReportCaseFailure['status'] = 'error'): ReportCaseFailure<I, O, M> {
  return { ...commonFields(planned), status, ...describeThrown(error) };
}

// One abort listener per evaluation signal, settling every run in flight under it.
const inFlightBySignal = new WeakMap<AbortSignal, Set<CaseRun<unknown, unknown, unknown>>>();
function watch(signal: AbortSignal, run: CaseRun<unknown, unknown, unknown>): void {
  let runs = inFlightBySignal.get(signal);
  if (!runs) {
    const set = (runs = new Set());
    inFlightBySignal.set(signal, set);
    signal.addEventListener('abort', () => {
      for (const r of [...set]) r.cancel(signal.reason);
    }, { once: true });
  }
  runs.add(run);
}

/** Called once with a run's result and the key it was started with. */
export type CaseRunDone<I, O, M> = (result: CaseRunResult<I, O, M>, key: number) => void;

/**
 * One run in flight: settles once, from its body, its timeout, an abort or the never-settled
 * check, handing its result to `onDone` synchronously.
 */
export class CaseRun<I, O, M> {
  private controller: AbortController | undefined;
  private abortReason: unknown;
  private aborted = false;
  private timer: NodeJS.Timeout | undefined;
  /** Whether the run has settled (later results of its body are dropped). */
  done = false;

  constructor(
    /** What the run shares with the evaluation's other runs (its own `planned` is not read). */
    readonly args: RunCaseShared<I, O, M>,
    readonly planned: PlannedRun<I, O, M>,
    private readonly onDone: CaseRunDone<I, O, M>,
    private readonly key: number,
  ) {}

  /** The task's signal, made on first use (most tasks never read it). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  private abortTask(reason: unknown): void {
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  start(): void {
    const { signal, options } = this.args;
    const planned = this.planned;
    track(this as CaseRun<unknown, unknown, unknown>);
    if (signal) watch(signal, this as CaseRun<unknown, unknown, unknown>);
    const timeoutMs = options.timeoutMs;
    if (timeoutMs !== undefined) {
      this.timer = setTimeout(() => {
        const error = new CaseTimeoutError(planned.reportName, timeoutMs);
        this.abortTask(error);
        this.settle(failureOf(planned, error, 'timed-out'));
      }, timeoutMs);
    }
    const retry = options.retryTask;
    if (this.args.quietSpans && !options.lifecycle && !(retry && retry.maxAttempts > 1)) {
      try {
        runQuietCase(this);
      } catch (error) {
        this.settle(failureOf(planned, error));
      }
      return;
    }
    runCaseBody({ ...this.args, planned }, this).then(
      (r) => this.settle(r),
      (error: unknown) => this.settle(failureOf(planned, error)),
    );
  }

  /** Settles as failed: still pending when the event loop ran empty. */
  neverSettled(): void {
    this.settle(failureOf(this.planned, new CaseNeverSettledError(this.planned.reportName), 'never-settled'));
  }

  /** Settles as cancelled (`'aborted'`) and aborts the task's signal. */
  cancel(reason: unknown): void {
    if (this.done) return;
    this.abortTask(reason);
    this.settle({ ...commonFields(this.planned), reason: 'aborted' });
  }

  /** Settles with `r` unless already settled. */
  settle(r: CaseRunResult<I, O, M>): void {
    if (this.done) return;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.args.signal) inFlightBySignal.get(this.args.signal)?.delete(this as CaseRun<unknown, unknown, unknown>);
    untrack(this as CaseRun<unknown, unknown, unknown>);
    this.onDone(r, this.key);
  }
}

/**
 * Runs one planned case. Never rejects: the result is a `ReportCase`, a `ReportCaseFailure`
 * (status `'error'`, `'timed-out'` or `'never-settled'`) or a `ReportCaseCancelled`.
 */
export function runCase<I, O, M>(args: RunCaseArgs<I, O, M>): Promise<CaseRunResult<I, O, M>> {
  return new Promise((resolve) => startCase(args, args.planned, resolve, 0));
}

/**
 * `runCase` with a callback instead of a promise (no promise per case): `onDone(result, key)`
 * is called exactly once, possibly before `startCase` returns (a synchronous task, an aborted
 * signal). Never throws.
 */
export function startCase<I, O, M>(args: RunCaseShared<I, O, M>, planned: PlannedRun<I, O, M>, onDone: CaseRunDone<I, O, M>, key: number): void {
  if (args.signal?.aborted) onDone({ ...commonFields(planned), reason: 'not-started' }, key);
  else new CaseRun(args, planned, onDone, key).start();
}

/** `commonFields` with the case span's ids. */
function commonWithIds<I, O, M>(planned: PlannedRun<I, O, M>, ids: { traceId: string; spanId: string } | undefined): ReportCase<I, O, M> {
  const common = commonFields(planned) as ReportCase<I, O, M>;
  if (ids) {
    common.traceId = ids.traceId;
    common.spanId = ids.spanId;
  }
  return common;
}

/** A finished case record of fresh objects throughout (a `teardown` hook may change it). */
function mutableCase<I, O, M>(
  planned: PlannedRun<I, O, M>,
  ids: { traceId: string; spanId: string } | undefined,
  ctx: EvaluatorContext<I, O, M>,
  outputs: readonly (EvaluationResult[] | EvaluatorFailure)[],
): ReportCase<I, O, M> {
  const evaluationResults: EvaluationResult[] = [];
  const evaluatorFailures: EvaluatorFailure[] = [];
  for (const o of outputs) {
    if (Array.isArray(o)) for (const r of o) evaluationResults.push(r);
    else evaluatorFailures.push(o);
  }
  const grouped = groupEvaluationResults(evaluationResults);
  const result = commonWithIds(planned, ids);
  result.output = ctx.output;
  result.scores = grouped.scores;
  result.labels = grouped.labels;
  result.assertions = grouped.assertions;
  result.metrics = ctx.metrics;
  result.attributes = ctx.attributes;
  result.taskDurationMs = ctx.durationMs;
  result.totalDurationMs = 0;
  result.evaluatorFailures = evaluatorFailures;
  return result;
}

async function runCaseBody<I, O, M>(args: RunCaseArgs<I, O, M>, run: { readonly signal: AbortSignal }): Promise<ReportCase<I, O, M> | ReportCaseFailure<I, O, M>> {
  const { planned, options } = args;
  return inCaseSpan(args as RunCaseArgs<unknown, unknown, unknown>, async (caseSpan, ids) => {
    const t0 = performance.now();
    let lifecycle: CaseLifecycle<I, O, M> | undefined;
    let result: ReportCase<I, O, M> | ReportCaseFailure<I, O, M>;
    try {
      lifecycle = options.lifecycle?.(planned.case);
      if (lifecycle?.setup) await lifecycle.setup();
      let ctx = await runTask(args, run, ids?.traceId);
      if (lifecycle?.prepareContext) ctx = await lifecycle.prepareContext(ctx);
      const caseEvaluators = planned.case.evaluators;
      const all = caseEvaluators.length ? [...caseEvaluators, ...args.evaluators] : args.evaluators;
      const maybe = all.map((e) => runEvaluatorFast(e, ctx, options.retryEvaluators));
      // synchronous evaluators (the common case) need no promise
      const outputs = maybe.some((o) => o instanceof Promise) ? await Promise.all(maybe) : (maybe as (EvaluationResult[] | EvaluatorFailure)[]);
      // with no teardown nothing changes the record once made: one compact record, empty parts shared
      result = lifecycle?.teardown ? mutableCase(planned, ids, ctx, outputs) : finishedCase(planned, ids?.traceId, ids?.spanId, ctx, outputs, 0);
    } catch (error) {
      if (caseSpan) markError(caseSpan, error);
      result = { ...commonWithIds(planned, ids), status: 'error', ...describeThrown(error) } as ReportCaseFailure<I, O, M>;
    }
    try {
      if (lifecycle?.teardown) await lifecycle.teardown(result);
    } catch (error) {
      // a failing teardown stays with its case: an evaluator-like failure on a finished case,
      // a note on a failed one
      const d = describeThrown(error);
      if ('errorMessage' in result) result.errorMessage += `; teardown also failed: ${d.errorMessage}`;
      else result.evaluatorFailures.push({ name: 'teardown', ...d, source: 'CaseLifecycle' });
    } finally {
      caseSpan?.end();
    }
    if (!('errorMessage' in result)) result.totalDurationMs = performance.now() - t0;
    return result;
  });
}

function markError(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: describeThrown(error).errorMessage });
}

/** One try of the task: its output, run bookkeeping, wall time and collected spans. */
interface TaskAttempt<O> {
  output: O;
  run: TaskRun;
  durationMs: number;
  spanTree: SpanTree | undefined;
}

async function runTask<I, O, M>(args: RunCaseArgs<I, O, M>, run: { readonly signal: AbortSignal }, traceId: string | undefined): Promise<EvaluatorContext<I, O, M>> {
  const { planned, taskName, task } = args;
  const c = planned.case;
  const taskContext = new CaseTaskContext(run, planned.reportName, planned.repeatIndex);
  // the task is called in its scope (its `TaskRun`, its span list) and awaited once
  const attempt = async (): Promise<TaskAttempt<O>> => {
    const taskRun = new TaskRun();
    const spans: unknown[] = [];
    const t0 = performance.now();
    const output = await callInEvalScope({ taskRun, spans }, task, c.inputs, taskContext);
    const durationMs = performance.now() - t0;
    // the spans finished when the task settled
    return { output, run: taskRun, durationMs, spanTree: spans.length ? spanTreeOf(spans) : undefined };
  };
  const once = (): Promise<TaskAttempt<O>> =>
    args.quietSpans
      ? // the task's spans get a parent with the case's trace id, as under a real `execute` span
        context.with(new CaseParentContext(context.active(), traceId ?? randomHex(16)), attempt)
      : (args.tracer ?? evalTracer()).startActiveSpan(`execute ${taskName}`, { attributes: { task: taskName } }, async (span) => {
          try {
            return await attempt();
          } catch (error) {
            markError(span, error);
            throw error;
          } finally {
            span.end();
          }
        });
  const retry = args.options.retryTask;
  const { run: taskRun, output, durationMs, spanTree } = await (retry && retry.maxAttempts > 1 ? withRetry(once, retry, run.signal) : once());
  extractSpanTreeMetrics(taskRun, args.recordingError ? undefined : spanTree);
  return evaluatorContextFor(planned, taskRun, output, durationMs, args.recordingError ?? spanTree);
}

/** The evaluators' view of a finished task run (both case paths build it here). */
export function evaluatorContextFor<I, O, M>(
  planned: PlannedRun<I, O, M>,
  taskRun: TaskRun,
  output: O,
  durationMs: number,
  spanTree: SpanTree | SpanTreeRecordingError | undefined,
): EvaluatorContext<I, O, M> {
  const c = planned.case;
  return new EvaluatorContext<I, O, M>({
    name: planned.reportName,
    inputs: c.inputs,
    metadata: c.metadata,
    expectedOutput: c.expectedOutput,
    output,
    durationMs,
    spanTree,
    attributes: taskRun.attributes,
    metrics: taskRun.metrics,
  });
}
