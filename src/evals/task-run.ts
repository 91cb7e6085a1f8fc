/**
 * Per-case attributes and metrics recorded from inside a task (pydantic-evals' `_task_run.py`),
 * with `AsyncLocalStorage` where Python uses a ContextVar.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SpanTree } from './span-tree.js';

/** Accumulates attributes and metrics for one task run. */
export class TaskRun {
  readonly attributes: Record<string, unknown> = {};
  readonly metrics: Record<string, number> = {};
  /**
   * Metrics the task knows from its own bookkeeping that spans may report too (`agentTask` puts
   * the run's usage here). After the task, the runner adds the span-derived metrics to `metrics`
   * and then each of these whose key the spans did not report, so a value is counted once
   * whether or not the agent was instrumented.
   */
  readonly fallbackMetrics: Record<string, number> = {};
  recordMetric(name: string, value: number): void {
    this.metrics[name] = value;
  }
  /** Adds `amount`; a metric that would stay 0 is not created (as pydantic-evals). */
  incrementMetric(name: string, amount: number): void {
    const current = this.metrics[name] ?? 0;
    const next = current + amount;
    if (current === 0 && next === 0) return;
    this.recordMetric(name, next);
  }
  /** Adds `amount` to `fallbackMetrics[name]` (see there). */
  incrementFallbackMetric(name: string, amount: number): void {
    const next = (this.fallbackMetrics[name] ?? 0) + amount;
    if (next !== 0 || name in this.fallbackMetrics) this.fallbackMetrics[name] = next;
  }
  recordAttribute(name: string, value: unknown): void {
    this.attributes[name] = value;
  }
}

/**
 * What async context carries inside an eval task: its `TaskRun` and the list the span collector
 * files spans under. One `AsyncLocalStorage` for both, so a case enters one scope, not two.
 */
export interface EvalScope {
  taskRun: TaskRun | undefined;
  /** Spans collected for the scope (`span-collector.ts` owns the element type). */
  spans: unknown[] | undefined;
}

const scopeStorage = new AsyncLocalStorage<EvalScope>();

/** Runs `fn` inside `scope`. */
export function runInEvalScope<T>(scope: EvalScope, fn: () => T): T {
  return scopeStorage.run(scope, fn);
}

/** Calls `fn(a, b)` inside `scope` (no closure needed). */
export function callInEvalScope<A, B, T>(scope: EvalScope, fn: (a: A, b: B) => T, a: A, b: B): T {
  return scopeStorage.run(scope, fn, a, b);
}

/** Runs `fn` outside any scope. */
export function outsideEvalScope<T>(fn: () => T): T {
  return scopeStorage.exit(fn);
}

/** The scope active here, or `undefined` outside any. */
export function currentEvalScope(): EvalScope | undefined {
  return scopeStorage.getStore();
}

/** Runs `fn` with `run` as the current task run (spans keep going where they went). */
export function runWithTaskRun<T>(run: TaskRun, fn: () => T): T {
  return scopeStorage.run({ taskRun: run, spans: scopeStorage.getStore()?.spans }, fn);
}

/** The task run of the case whose task is executing here, or `undefined` outside an eval task. */
export function currentTaskRun(): TaskRun | undefined {
  return scopeStorage.getStore()?.taskRun;
}

/**
 * Sets an attribute on the current case (shown in `ReportCase.attributes` and
 * `EvaluatorContext.attributes`). Does nothing outside an eval task.
 */
export function setEvalAttribute(name: string, value: unknown): void {
  currentTaskRun()?.recordAttribute(name, value);
}

/** Adds `amount` to a metric of the current case. Does nothing outside an eval task. */
export function incrementEvalMetric(name: string, amount: number): void {
  currentTaskRun()?.incrementMetric(name, amount);
}

/**
 * Adds metrics derived from `gen_ai.*` span attributes to the run's own, as pydantic-evals
 * (so a metric the task incremented itself and the spans also report is the sum): for every span with
 * `gen_ai.request.model`, `gen_ai.operation.name = 'chat'` adds 1 to `requests`,
 * `gen_ai.usage.details.X` adds to `X`, `gen_ai.usage.X` (e.g. `input_tokens`) adds to `X`,
 * `operation.cost` adds to `cost`. rehearse's `invoke_agent` span carries
 * `gen_ai.aggregated_usage.*`, which does not match, so each request's tokens count once (from its
 * `chat` span). Then each of `run.fallbackMetrics` whose key the spans did not report is added;
 * `tree` is `undefined` when spans were not recorded.
 */
export function extractSpanTreeMetrics(run: TaskRun, tree: SpanTree | undefined): void {
  if ((!tree || tree.size === 0) && !hasKeys(run.fallbackMetrics)) return;
  const fromSpans = new TaskRun();
  if (tree) addSpanTreeMetrics(fromSpans, tree);
  for (const [k, v] of Object.entries(fromSpans.metrics)) run.incrementMetric(k, v);
  for (const [k, v] of Object.entries(run.fallbackMetrics)) if (!(k in fromSpans.metrics)) run.incrementMetric(k, v);
}

function hasKeys(o: object): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return true;
  return false;
}

function addSpanTreeMetrics(run: TaskRun, tree: SpanTree): void {
  for (const node of tree) {
    if (!('gen_ai.request.model' in node.attributes)) continue;
    for (const [k, v] of Object.entries(node.attributes)) {
      if (k === 'gen_ai.operation.name' && v === 'chat') run.incrementMetric('requests', 1);
      else if (typeof v !== 'number') continue;
      else if (k === 'operation.cost') run.incrementMetric('cost', v);
      else if (k.startsWith('gen_ai.usage.details.')) run.incrementMetric(k.slice('gen_ai.usage.details.'.length), v);
      else if (k.startsWith('gen_ai.usage.')) run.incrementMetric(k.slice('gen_ai.usage.'.length), v);
    }
  }
}
