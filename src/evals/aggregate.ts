/** Averages over report cases (pydantic-evals' `ReportCaseAggregate`). */
import type { ReportCase } from './report.js';

/**
 * Averages over cases: mean of each score and metric (over the cases that have it), label
 * distributions (fraction of cases per value), the assertion pass rate (passed / all
 * assertions; `undefined` when there were none) and mean durations.
 */
export interface ReportCaseAggregate {
  name: string;
  scores: Record<string, number>;
  labels: Record<string, Record<string, number>>;
  metrics: Record<string, number>;
  assertions: number | undefined;
  taskDurationMs: number;
  totalDurationMs: number;
}

/** Per key: sum and count of the values added, in first-seen key order. */
class MeanByKey {
  private readonly sums = new Map<string, [number, number]>();
  add(k: string, v: number): void {
    const s = this.sums.get(k);
    if (s === undefined) this.sums.set(k, [0 + v, 1]);
    else {
      s[0] += v;
      s[1] += 1;
    }
  }
  /** Adds every own entry of `r`. */
  addAll(r: Readonly<Record<string, number>>): void {
    for (const k in r) if (Object.hasOwn(r, k)) this.add(k, r[k]!);
  }
  means(): Record<string, number> {
    return Object.fromEntries([...this.sums].map(([k, [sum, n]]) => [k, sum / n]));
  }
}

function meanByKey(records: readonly Record<string, number>[]): Record<string, number> {
  const m = new MeanByKey();
  for (const r of records) m.addAll(r);
  return m.means();
}

/** Averages a list of cases (pydantic-evals' `ReportCaseAggregate.average`); makes nothing per case. */
export function averageCases(cases: readonly ReportCase[], name = 'Averages'): ReportCaseAggregate {
  const n = cases.length;
  if (n === 0) return { name, scores: {}, labels: {}, metrics: {}, assertions: undefined, taskDurationMs: 0, totalDurationMs: 0 };
  const scores = new MeanByKey();
  const metrics = new MeanByKey();
  const labelCounts = new Map<string, Map<string, number>>();
  const labelTotals = new Map<string, number>();
  let total = 0;
  let passed = 0;
  let taskDurationMs = 0;
  let totalDurationMs = 0;
  for (const c of cases) {
    for (const k in c.scores) if (Object.hasOwn(c.scores, k)) scores.add(k, c.scores[k]!.value);
    metrics.addAll(c.metrics);
    for (const k in c.labels) {
      if (!Object.hasOwn(c.labels, k)) continue;
      const r = c.labels[k]!;
      const m = labelCounts.get(k) ?? new Map<string, number>();
      m.set(r.value, (m.get(r.value) ?? 0) + 1);
      labelCounts.set(k, m);
      labelTotals.set(k, (labelTotals.get(k) ?? 0) + 1);
    }
    for (const k in c.assertions) {
      if (!Object.hasOwn(c.assertions, k)) continue;
      total++;
      if (c.assertions[k]!.value) passed++;
    }
    taskDurationMs += c.taskDurationMs;
    totalDurationMs += c.totalDurationMs;
  }
  const labels = Object.fromEntries(
    [...labelCounts].map(([k, m]) => [k, Object.fromEntries([...m].map(([v, c]) => [v, c / labelTotals.get(k)!]))]),
  );
  return {
    name,
    scores: scores.means(),
    labels,
    metrics: metrics.means(),
    assertions: total > 0 ? passed / total : undefined,
    taskDurationMs: taskDurationMs / n,
    totalDurationMs: totalDurationMs / n,
  };
}

/** Averages aggregates (for repeated runs: the mean of per-case summaries). */
export function averageAggregates(aggs: readonly ReportCaseAggregate[], name = 'Averages'): ReportCaseAggregate {
  if (aggs.length === 0) return averageCases([], name);
  const labelKeys = new Set(aggs.flatMap((a) => Object.keys(a.labels)));
  const labels: Record<string, Record<string, number>> = {};
  for (const key of labelKeys) {
    const having = aggs.filter((a) => a.labels[key] !== undefined);
    const combined: Record<string, number> = {};
    for (const a of having) for (const [v, f] of Object.entries(a.labels[key]!)) combined[v] = (combined[v] ?? 0) + f;
    labels[key] = Object.fromEntries(Object.entries(combined).map(([v, f]) => [v, f / having.length]));
  }
  const asserts = aggs.map((a) => a.assertions).filter((a): a is number => a !== undefined);
  return {
    name,
    scores: meanByKey(aggs.map((a) => a.scores)),
    labels,
    metrics: meanByKey(aggs.map((a) => a.metrics)),
    assertions: asserts.length ? asserts.reduce((s, x) => s + x, 0) / asserts.length : undefined,
    taskDurationMs: aggs.reduce((s, a) => s + a.taskDurationMs, 0) / aggs.length,
    totalDurationMs: aggs.reduce((s, a) => s + a.totalDurationMs, 0) / aggs.length,
  };
}

