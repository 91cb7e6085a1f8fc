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
  recordAttribute(name: string, value: unknown): void {
    this.attributes[name] = value;
  }
}

const taskRunStorage = new AsyncLocalStorage<TaskRun>();

/** Runs `fn` with `run` as the current task run. */
export function runWithTaskRun<T>(run: TaskRun, fn: () => T): T {
  return taskRunStorage.run(run, fn);
}

/** The task run of the case whose task is executing here, or `undefined` outside an eval task. */
export function currentTaskRun(): TaskRun | undefined {
  return taskRunStorage.getStore();
}

/**
 * Sets an attribute on the current case (shown in `ReportCase.attributes` and
 * `EvaluatorContext.attributes`). Does nothing outside an eval task.
 */
export function setEvalAttribute(name: string, value: unknown): void {
  taskRunStorage.getStore()?.recordAttribute(name, value);
}

/** Adds `amount` to a metric of the current case. Does nothing outside an eval task. */
export function incrementEvalMetric(name: string, amount: number): void {
  taskRunStorage.getStore()?.incrementMetric(name, amount);
}

/**
 * Derives metrics from `gen_ai.*` span attributes, as pydantic-evals: for every span with
 * `gen_ai.request.model`, `gen_ai.operation.name = 'chat'` adds 1 to `requests`,
 * `gen_ai.usage.details.X` adds to `X`, `gen_ai.usage.X` (e.g. `input_tokens`) adds to `X`,
 * `operation.cost` adds to `cost`.
 */
export function extractSpanTreeMetrics(run: TaskRun, tree: SpanTree): void {
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
