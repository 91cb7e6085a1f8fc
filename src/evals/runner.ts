/**
 * Runs a task over a dataset's cases and evaluates the results (pydantic-evals'
 * `Dataset.evaluate`). Runs are planned lazily (case × repeat, case-major) and started as earlier
 * ones finish, at most `maxConcurrency` in flight, so a large dataset is never expanded into run
 * objects up front. Each
 * run settles through `startCase` (timeout, abort, never-settled detection), and every planned
 * run appears in the report exactly once: as a case, a failure or a cancellation.
 */
import { context } from '@opentelemetry/api';
import { UserError } from '../runtime/index.js';
import type { Case } from './case.js';
import type { EvaluatorContext } from './evaluator-context.js';
import type { Evaluator, RetryOptions } from './evaluator.js';
import { lazyModule } from './lazy.js';
import { EvaluationReport, type ReportCase, type ReportCaseCancelled, type ReportCaseFailure } from './report.js';
import { evalTracer, planRun, resultKind, startCase, type CaseRunResult } from './run-case.js';
import { ensureEvalTracing, ownsEvalTracing } from './span-collector.js';
import { currentEvalScope, outsideEvalScope } from './task-run.js';

/** What a task receives beside its inputs. */
export interface TaskContext {
  /**
   * Aborted when the case times out (`reason`: a `CaseTimeoutError`) or the evaluation is
   * aborted (Ctrl-C; `reason`: the evaluation signal's). Pass it on (`agent.run(p, { signal })`,
   * `fetch(url, { signal })`) so the work stops too.
   */
  signal: AbortSignal;
  /** Report name of this run (`'{case} [i/N]'` when repeated). */
  caseName: string;
  /** 1-based repeat number. */
  repeatIndex: number;
}

/** A function under evaluation: inputs in, output (or a promise of it) out. */
export type Task<I, O> = (inputs: I, context: TaskContext) => O | Promise<O>;

/**
 * Per-case hooks (pydantic-evals' `CaseLifecycle`): `setup` before the task, `prepareContext`
 * after it (may return an enriched context), `teardown` with the result. A throwing `setup` or
 * `prepareContext` turns the case into a `ReportCaseFailure`; `teardown` still runs, and a
 * throwing `teardown` is recorded on its case (an evaluator failure named `teardown`, or a note
 * on the failure's message); the other cases are not affected.
 */
export interface CaseLifecycle<I = unknown, O = unknown, M = unknown> {
  setup?(): void | Promise<void>;
  prepareContext?(ctx: EvaluatorContext<I, O, M>): EvaluatorContext<I, O, M> | Promise<EvaluatorContext<I, O, M>>;
  teardown?(result: ReportCase<I, O, M> | ReportCaseFailure<I, O, M>): void | Promise<void>;
}

/** A running evaluation, handed to `EvaluateOptions.onStart`. */
export interface EvaluationHandle<I = unknown, O = unknown, M = unknown> {
  /**
   * The report as it stands, synchronously: finished runs as they are, runs in flight or not
   * started as cancelled, marked interrupted unless every run finished. For writing a report
   * from a signal handler.
   */
  snapshot(): EvaluationReport<I, O, M>;
}

/** Options of `dataset.evaluate(task, options)`. */
export interface EvaluateOptions<I = unknown, O = unknown, M = unknown> {
  /**
   * Report name; default `taskName`, else the task's function name (else `'task'`), as
   * pydantic-evals (the dataset's name is not used; `rehearse eval` names reports after it).
   */
  name?: string;
  /** Name of the task in spans (and the report's default name); default the function name. */
  taskName?: string;
  /** Most runs at once; default unlimited. */
  maxConcurrency?: number;
  /** Runs each case this many times, named `'{case} [i/N]'`; default 1. See `EvaluationReport.statistics()`. */
  repeat?: number;
  /**
   * Fails a run still going after this many milliseconds (status `'timed-out'`) and aborts its
   * task's `signal`; default `undefined`: no limit.
   */
  timeoutMs?: number;
  /** Retries a throwing task. */
  retryTask?: RetryOptions;
  /** Retries a throwing evaluator. */
  retryEvaluators?: RetryOptions;
  /** Shows a progress bar on stderr when it is a TTY and `CI` is not set; default `false`. */
  progress?: boolean;
  /**
   * Experiment metadata (model, prompt version, …) stored on the report as `experimentMetadata`
   * (pydantic-evals' `evaluate(metadata=…)`); default none.
   */
  metadata?: Record<string, unknown>;
  /** Makes the hooks for one case. */
  lifecycle?: (c: Case<I, O, M>) => CaseLifecycle<I, O, M>;
  /**
   * Aborting stops the evaluation at once: runs in flight settle as cancelled (`'aborted'`, their
   * task signals aborted), the rest as `'not-started'`, and the partial report is returned
   * (`interrupted: true`).
   */
  signal?: AbortSignal;
  /** Called once when runs start, with a handle whose `snapshot()` gives the report so far. */
  onStart?: (handle: EvaluationHandle<I, O, M>) => void;
  /** Called after each run finishes (for custom progress output). */
  onCaseDone?: (result: ReportCase<I, O, M> | ReportCaseFailure<I, O, M>, done: number, total: number) => void;
}

interface ProgressBar {
  start(total: number, value: number): void;
  setTotal(total: number): void;
  increment(): void;
  stop(): void;
}
const cliProgress = lazyModule<{
  SingleBar: new (options: Record<string, unknown>, preset: unknown) => ProgressBar;
  Presets: { shades_classic: unknown };
}>('cli-progress');

/** Whether a progress bar may be drawn on this stream. */
export function progressAllowed(stream: NodeJS.WriteStream = process.stderr): boolean {
  return !!stream.isTTY && !process.env['CI'];
}

/**
 * Builds a report from per-run results (in any order; cases keep the order given). Runs of
 * `expected` with no result are listed as cancelled (`'not-started'`).
 */
export function assembleReport<I, O, M>(args: {
  name: string;
  results: Iterable<CaseRunResult<I, O, M> | undefined>;
  interrupted?: boolean;
  experimentMetadata?: Record<string, unknown> | undefined;
}): EvaluationReport<I, O, M> {
  const cases: ReportCase<I, O, M>[] = [];
  const failures: ReportCaseFailure<I, O, M>[] = [];
  const cancelled: ReportCaseCancelled<I, O, M>[] = [];
  for (const r of args.results) {
    if (r === undefined) continue;
    const kind = resultKind(r as CaseRunResult);
    if (kind === 'case') cases.push(r as ReportCase<I, O, M>);
    else if (kind === 'failure') failures.push(r as ReportCaseFailure<I, O, M>);
    else cancelled.push(r as ReportCaseCancelled<I, O, M>);
  }
  return new EvaluationReport<I, O, M>({
    name: args.name,
    cases,
    failures,
    cancelled,
    interrupted: args.interrupted ?? cancelled.length > 0,
    ...(args.experimentMetadata === undefined ? {} : { experimentMetadata: args.experimentMetadata }),
  });
}

/**
 * The cases of an evaluation, pulled on demand from an iterable (so a generator's cases are made
 * as runs start and dropped once reported) or read from an array.
 */
class CaseSource<I, O, M> {
  /** Cases pulled so far by index; a lazy source's finished ones are released (`undefined`). */
  readonly pulled: (Case<I, O, M> | undefined)[];
  private readonly iterator: Iterator<Case<I, O, M>> | undefined;
  constructor(cases: readonly Case<I, O, M>[] | Iterable<Case<I, O, M>>) {
    if (Array.isArray(cases)) this.pulled = cases as Case<I, O, M>[];
    else {
      this.pulled = [];
      this.iterator = cases[Symbol.iterator]();
    }
  }
  get lazy(): boolean {
    return this.iterator !== undefined;
  }
  /** Whether case `index` exists, pulling up to it. */
  has(index: number): boolean {
    while (this.iterator && this.pulled.length <= index && !this.done) this.pull();
    return index < this.pulled.length;
  }
  private done = false;
  private pull(): void {
    const r = this.iterator!.next();
    if (r.done) this.done = true;
    else this.pulled.push(r.value);
  }
  /** Pulls every remaining case; the source's length is then the number of cases. */
  drain(): this {
    while (this.iterator && !this.done) this.pull();
    return this;
  }
  /** Drops a lazy source's case once all its runs are reported. */
  release(index: number): void {
    if (this.iterator) this.pulled[index] = undefined;
  }
}

/** Results in run order; an empty slot below `started` was in flight (`'aborted'`), above it `'not-started'`. */
function* withNotStarted<I, O, M>(
  results: readonly (CaseRunResult<I, O, M> | undefined)[],
  cases: readonly (Case<I, O, M> | undefined)[],
  repeat: number,
  started: number,
): Generator<CaseRunResult<I, O, M>> {
  const total = cases.length * repeat;
  for (let i = 0; i < total; i++) {
    const r = results[i];
    if (r !== undefined) yield r;
    else {
      const p = planRun(cases as readonly Case<I, O, M>[], i, repeat);
      const x: ReportCaseCancelled<I, O, M> = { name: p.reportName, inputs: p.case.inputs, reason: i < started ? 'aborted' : 'not-started' };
      if (p.case.metadata !== undefined) x.metadata = p.case.metadata;
      if (p.case.expectedOutput !== undefined) x.expectedOutput = p.case.expectedOutput;
      if (p.sourceCaseName !== undefined) x.sourceCaseName = p.sourceCaseName;
      yield x;
    }
  }
}

/** A report in which every run of `cases × repeat` is cancelled as not started (a suite the run never reached). */
export function notStartedReport<I, O, M>(name: string, cases: readonly Case<I, O, M>[], repeat = 1): EvaluationReport<I, O, M> {
  return assembleReport({ name, results: withNotStarted(new Array(cases.length * repeat), cases, repeat, 0) });
}

/**
 * Evaluates `task` on every case of `cases` with the dataset evaluators. See `Dataset.evaluate`.
 * `cases` may be any iterable (e.g. a generator): its cases are then pulled as runs start and
 * not kept once reported, so a large suite need not be built up front (names are not checked
 * for duplicates, and `onCaseDone`'s `total` and the progress bar count the cases pulled so far).
 */
export async function runEvaluation<I, O, M>(args: {
  cases: readonly Case<I, O, M>[] | Iterable<Case<I, O, M>>;
  evaluators: readonly Evaluator<I, O, M>[];
  task: Task<I, O>;
  options: EvaluateOptions<I, O, M>;
}): Promise<EvaluationReport<I, O, M>> {
  const { evaluators, task, options } = args;
  const source = new CaseSource(args.cases);
  const cases = source.pulled;
  const repeat = options.repeat ?? 1;
  // pydantic-evals' wording ('repeat must be >= 1, got 0'), noting when a value is not an integer
  const atLeastOne = (label: string, n: number) => `${label} must be >= 1, got ${n}${n >= 1 ? ' (an integer is needed)' : ''}`;
  if (!Number.isInteger(repeat) || repeat < 1) throw new UserError(atLeastOne('repeat', repeat));
  if (options.maxConcurrency !== undefined && !(Number.isInteger(options.maxConcurrency) && options.maxConcurrency >= 1)) {
    throw new UserError(atLeastOne('maxConcurrency', options.maxConcurrency));
  }
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) throw new UserError(`timeoutMs must be > 0, got ${options.timeoutMs}`);
  // a bound function or partial application (`fn.bind(…)`) is named after `fn`, as pydantic-evals unwraps partials
  const taskName = options.taskName ?? (task.name.replace(/^(bound )+/, '') || 'task');
  const name = options.name ?? taskName;
  // unlimited concurrency runs everything at once: a lazy source is pulled whole
  if (options.maxConcurrency === undefined) source.drain();
  let total = cases.length * repeat; // a lazy source's runs known so far
  const results: (CaseRunResult<I, O, M> | undefined)[] = source.lazy ? [] : new Array(total);
  const signal = options.signal;

  const recordingError = ensureEvalTracing();
  const tracer = evalTracer(); // once per evaluation, not twice per case
  // with rehearse's own provider nothing receives the per-case spans: only their ids are made
  const quietSpans = recordingError === undefined && ownsEvalTracing();
  const bar = options.progress && progressAllowed() ? newProgressBar(taskName) : undefined;
  bar?.start(total, 0);
  let next = 0;
  let done = 0;
  options.onStart?.({ snapshot: () => assembleReport({ name, results: withNotStarted(results, source.drain().pulled, repeat, next), experimentMetadata: options.metadata }) });
  const workers = source.lazy && options.maxConcurrency !== undefined ? options.maxConcurrency : Math.max(1, Math.min(options.maxConcurrency ?? total, total));
  // what every run shares
  const shared = { task, taskName, evaluators, options, signal, recordingError, tracer, quietSpans };
  await tracer.startActiveSpan(`evaluate ${name}`, { attributes: { name, task_name: taskName, ...(source.lazy ? {} : { n_cases: cases.length }) } }, async (span) => {
    try {
      // Runs are started by callbacks, not awaited by worker loops: a finished run records its
      // result and starts the next, at most `workers` in flight.
      const evaluationContext = context.active();
      await new Promise<void>((resolve, reject) => {
        let active = 0;
        let pumping = false;
        let failed = false;
        const fail = (error: unknown) => {
          failed = true;
          reject(error);
        };
        const pump = () => {
          if (pumping || failed) return;
          pumping = true;
          try {
            while (active < workers && !signal?.aborted && source.has(Math.floor(next / repeat))) {
              const i = next++;
              if (source.lazy && cases.length * repeat > total) {
                total = cases.length * repeat;
                bar?.setTotal(total);
              }
              active++;
              // (may finish at once: `onDone` then runs inside this loop, which goes on)
              startCase(shared, planRun(cases as Case<I, O, M>[], i, repeat), onDone, i);
            }
          } catch (error) {
            fail(error);
            return;
          } finally {
            pumping = false;
          }
          if (active === 0) resolve();
        };
        const onDone = (r: CaseRunResult<I, O, M>, i: number) => {
          active--;
          if (failed) return;
          try {
            results[i] = r;
            if (repeat === 1) source.release(i);
            if (resultKind(r) !== 'cancelled') {
              done++;
              bar?.increment();
              options.onCaseDone?.(r as ReportCase<I, O, M> | ReportCaseFailure<I, O, M>, done, total);
            }
          } catch (error) {
            fail(error);
            return;
          }
          // the next run starts in the evaluation's context, whatever settled this one (a
          // timer, an abort, the never-settled check)
          if (pumping) return;
          if (currentEvalScope() !== undefined) outsideEvalScope(() => context.with(evaluationContext, pump));
          else if (context.active() !== evaluationContext) context.with(evaluationContext, pump);
          else pump();
        };
        pump();
      });
    } finally {
      if (source.lazy) span.setAttribute('n_cases', source.drain().pulled.length);
      span.end();
    }
  });
  bar?.stop();
  return assembleReport({ name, results: withNotStarted(results, source.drain().pulled, repeat, next), experimentMetadata: options.metadata });
}

function newProgressBar(taskName: string): ProgressBar {
  const { SingleBar, Presets } = cliProgress();
  return new SingleBar({ format: `Evaluating ${taskName} [{bar}] {value}/{total} cases`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
}
