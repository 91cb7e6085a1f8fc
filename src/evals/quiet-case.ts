/**
 * The runner's lean path for one case run under rehearse's own tracer provider (`quietSpans`),
 * with no lifecycle hooks and no task retries, which is most evaluations: the task is called
 * directly in its async scope (no async frames of the runner around it), synchronous evaluators
 * are not awaited, and the finished case is one compact record that shares its empty parts
 * (frozen) with every other case. Same results, spans, ids and failures as the general path
 * (`runCaseBody` in `run-case.ts`).
 */
import { performance } from 'node:perf_hooks';
import { context, trace, TraceFlags, type Context } from '@opentelemetry/api';
import { EvaluatorContext } from './evaluator-context.js';
import { runEvaluatorFast, type EvaluationResult, type Evaluator, type EvaluatorFailure } from './evaluator.js';
import type { ReportCase, ReportCaseFailure } from './report.js';
import { commonFields, evaluatorContextFor, randomHex, type CaseRun, type PlannedRun } from './run-case.js';
import type { TaskContext } from './runner.js';
import { spanTreeOf } from './span-collector.js';
import { callInEvalScope, extractSpanTreeMetrics, TaskRun } from './task-run.js';
import { describeThrown } from './thrown.js';

const EMPTY = Object.freeze({}) as Record<string, never>;
const NO_FAILURES = Object.freeze([]) as unknown as EvaluatorFailure[];

/** What a task gets as its second argument; `signal` is made on first read. */
export class CaseTaskContext implements TaskContext {
  readonly #run: { readonly signal: AbortSignal };
  constructor(
    run: { readonly signal: AbortSignal },
    readonly caseName: string,
    readonly repeatIndex: number,
  ) {
    this.#run = run;
  }
  get signal(): AbortSignal {
    return this.#run.signal;
  }
}

/**
 * The task's parent context: the evaluation's context with a (non-recording) span of the case's
 * trace id and a fresh span id, as under a real `execute` span. Made on first read: a task that
 * starts no span and reads no context value costs one object, not a context copy.
 */
export class CaseParentContext implements Context {
  #real: Context | undefined;
  constructor(
    private readonly parent: Context,
    private readonly traceId: string,
  ) {}
  #context(): Context {
    return (this.#real ??= trace.setSpanContext(this.parent, { traceId: this.traceId, spanId: randomHex(8), traceFlags: TraceFlags.SAMPLED }));
  }
  getValue(key: symbol): unknown {
    return this.#context().getValue(key);
  }
  setValue(key: symbol, value: unknown): Context {
    return this.#context().setValue(key, value);
  }
  deleteValue(key: symbol): Context {
    return this.#context().deleteValue(key);
  }
}

/** An object with no own enumerable keys is replaced by the shared frozen empty one. */
function compact<T extends object>(o: T): T {
  for (const k in o) if (Object.hasOwn(o, k)) return o;
  return EMPTY as T;
}

/** Runs `run`'s case: the task in its scope, then the evaluators; settles `run`. Never throws once the task is called. */
export function runQuietCase<I, O, M>(run: CaseRun<I, O, M>): void {
  const { planned } = run;
  const task = run.args.task;
  const traceId = randomHex(16);
  const spanId = randomHex(8);
  const taskRun = new TaskRun();
  const spans: unknown[] = [];
  const parent = new CaseParentContext(context.active(), traceId);
  const taskContext = new CaseTaskContext(run, planned.reportName, planned.repeatIndex);
  const t0 = performance.now();
  let out: unknown;
  try {
    out = context.with(parent, callInEvalScope, undefined, { taskRun, spans }, task, planned.case.inputs, taskContext);
  } catch (error) {
    run.settle(taskFailure(planned, traceId, spanId, error));
    return;
  }
  const ok = (output: O) => evaluate(run, traceId, spanId, t0, taskRun, spans, output);
  const failed = (error: unknown) => run.settle(taskFailure(planned, traceId, spanId, error));
  if (out instanceof Promise) (out as Promise<O>).then(ok, failed);
  // a thenable is adopted, as `await` would
  else if ((typeof out === 'object' && out !== null) || typeof out === 'function') Promise.resolve(out as O).then(ok, failed);
  else ok(out as O);
}

function taskFailure<I, O, M>(planned: PlannedRun<I, O, M>, traceId: string, spanId: string, error: unknown): ReportCaseFailure<I, O, M> {
  const common = commonFields(planned) as ReportCaseFailure<I, O, M>;
  common.traceId = traceId;
  common.spanId = spanId;
  return { ...common, status: 'error', ...describeThrown(error) };
}

function evaluate<I, O, M>(run: CaseRun<I, O, M>, traceId: string, spanId: string, t0: number, taskRun: TaskRun, spans: unknown[], output: O): void {
  const durationMs = performance.now() - t0;
  const { planned } = run;
  const { evaluators, options } = run.args;
  try {
    const c = planned.case;
    const spanTree = spans.length ? spanTreeOf(spans) : undefined;
    extractSpanTreeMetrics(taskRun, spanTree);
    const ctx = evaluatorContextFor<I, O, M>(planned, taskRun, output, durationMs, spanTree);
    const all: readonly Evaluator<I, O, M>[] = c.evaluators.length ? [...c.evaluators, ...evaluators] : evaluators;
    const outputs = all.map((e) => runEvaluatorFast(e, ctx, options.retryEvaluators));
    const finish = (o: readonly (EvaluationResult[] | EvaluatorFailure)[]) => run.settle(finishedCase(planned, traceId, spanId, ctx, o, performance.now() - t0));
    // synchronous evaluators (the common case) need no promise
    if (outputs.some((o) => o instanceof Promise)) {
      Promise.all(outputs).then(finish, (error: unknown) => run.settle(taskFailure(planned, traceId, spanId, error)));
    } else finish(outputs as (EvaluationResult[] | EvaluatorFailure)[]);
  } catch (error) {
    run.settle(taskFailure(planned, traceId, spanId, error));
  }
}

type Grouped = Record<string, EvaluationResult>;

/**
 * The last grouping made from shared (frozen) evaluator results only, frozen in turn: a case
 * whose evaluators gave the very same results (every case of a passing suite) shares it.
 */
let lastShared: { outputs: readonly (EvaluationResult[] | EvaluatorFailure)[]; assertions: Grouped; scores: Grouped; labels: Grouped } | undefined;

function sameOutputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The evaluators' results filed by value type (as `groupEvaluationResults`); absent kinds are the shared empty record. */
export function finishedCase<I, O, M>(
  planned: PlannedRun<I, O, M>,
  traceId: string | undefined,
  spanId: string | undefined,
  ctx: EvaluatorContext<I, O, M>,
  outputs: readonly (EvaluationResult[] | EvaluatorFailure)[],
  totalDurationMs: number,
): ReportCase<I, O, M> {
  const last = lastShared;
  if (last !== undefined && sameOutputs(last.outputs, outputs)) {
    return caseRecord(planned, traceId, spanId, ctx, last.assertions, last.scores, last.labels, NO_FAILURES, totalDurationMs);
  }
  let assertions: Grouped = EMPTY;
  let scores: Grouped = EMPTY;
  let labels: Grouped = EMPTY;
  let evaluatorFailures = NO_FAILURES;
  const seen = (k: string) => Object.hasOwn(assertions, k) || Object.hasOwn(scores, k) || Object.hasOwn(labels, k);
  for (const o of outputs) {
    if (!Array.isArray(o)) {
      if (evaluatorFailures === NO_FAILURES) evaluatorFailures = [];
      evaluatorFailures.push(o);
      continue;
    }
    for (const r of o) {
      let name = r.name;
      if (seen(name)) {
        let suffix = 2;
        while (seen(`${name}_${suffix}`)) suffix++;
        name = `${name}_${suffix}`;
      }
      if (typeof r.value === 'boolean') (assertions === EMPTY ? (assertions = {}) : assertions)[name] = r;
      else if (typeof r.value === 'number') (scores === EMPTY ? (scores = {}) : scores)[name] = r;
      else (labels === EMPTY ? (labels = {}) : labels)[name] = r;
    }
  }
  if (outputs.every((o) => Array.isArray(o) && Object.isFrozen(o))) {
    lastShared = { outputs, assertions: Object.freeze(assertions), scores: Object.freeze(scores), labels: Object.freeze(labels) };
  }
  return caseRecord(planned, traceId, spanId, ctx, assertions, scores, labels, evaluatorFailures, totalDurationMs);
}

/**
 * The report record, as the general path builds it (same keys, same order), made by one
 * literal where it can be so its fields sit in the object itself.
 */
function caseRecord<I, O, M>(
  planned: PlannedRun<I, O, M>,
  traceId: string | undefined,
  spanId: string | undefined,
  ctx: EvaluatorContext<I, O, M>,
  assertions: Grouped,
  scores: Grouped,
  labels: Grouped,
  evaluatorFailures: EvaluatorFailure[],
  totalDurationMs: number,
): ReportCase<I, O, M> {
  const name = planned.reportName;
  const { inputs, metadata, expectedOutput } = planned.case;
  const output = ctx.output;
  const metrics = compact(ctx.metrics);
  const attributes = compact(ctx.attributes);
  const taskDurationMs = ctx.durationMs;
  type R = ReportCase<I, O, M>;
  const s = scores as R['scores'];
  const l = labels as R['labels'];
  const a = assertions as R['assertions'];
  if (planned.sourceCaseName === undefined && traceId !== undefined && spanId !== undefined) {
    if (metadata === undefined) {
      if (expectedOutput === undefined) {
        return { name, inputs, traceId, spanId, output, scores: s, labels: l, assertions: a, metrics, attributes, taskDurationMs, totalDurationMs, evaluatorFailures };
      }
      return { name, inputs, expectedOutput, traceId, spanId, output, scores: s, labels: l, assertions: a, metrics, attributes, taskDurationMs, totalDurationMs, evaluatorFailures };
    }
    if (expectedOutput === undefined) {
      return { name, inputs, metadata, traceId, spanId, output, scores: s, labels: l, assertions: a, metrics, attributes, taskDurationMs, totalDurationMs, evaluatorFailures };
    }
  }
  const r = commonFields(planned) as R;
  if (traceId !== undefined && spanId !== undefined) {
    r.traceId = traceId;
    r.spanId = spanId;
  }
  r.output = output;
  r.scores = s;
  r.labels = l;
  r.assertions = a;
  r.metrics = metrics;
  r.attributes = attributes;
  r.taskDurationMs = taskDurationMs;
  r.totalDurationMs = totalDurationMs;
  r.evaluatorFailures = evaluatorFailures;
  return r;
}
