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

function meanByKey(records: readonly Record<string, number>[]): Record<string, number> {
  const sums = new Map<string, [number, number]>();
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) {
      const s = sums.get(k) ?? [0, 0];
      s[0] += v;
      s[1] += 1;
      sums.set(k, s);
    }
  }
  return Object.fromEntries([...sums].map(([k, [sum, n]]) => [k, sum / n]));
}

/** Averages a list of cases (pydantic-evals' `ReportCaseAggregate.average`). */
export function averageCases(cases: readonly ReportCase[], name = 'Averages'): ReportCaseAggregate {
  const n = cases.length;
  if (n === 0) return { name, scores: {}, labels: {}, metrics: {}, assertions: undefined, taskDurationMs: 0, totalDurationMs: 0 };
  const scores = meanByKey(cases.map((c) => Object.fromEntries(Object.entries(c.scores).map(([k, v]) => [k, v.value]))));
  const metrics = meanByKey(cases.map((c) => c.metrics));
  const labelCounts = new Map<string, Map<string, number>>();
  const labelTotals = new Map<string, number>();
  for (const c of cases) {
    for (const [k, r] of Object.entries(c.labels)) {
      const m = labelCounts.get(k) ?? new Map<string, number>();
      m.set(r.value, (m.get(r.value) ?? 0) + 1);
      labelCounts.set(k, m);
      labelTotals.set(k, (labelTotals.get(k) ?? 0) + 1);
    }
  }
  const labels = Object.fromEntries(
    [...labelCounts].map(([k, m]) => [k, Object.fromEntries([...m].map(([v, c]) => [v, c / labelTotals.get(k)!]))]),
  );
  let total = 0;
  let passed = 0;
  for (const c of cases) {
    for (const a of Object.values(c.assertions)) {
      total++;
      if (a.value) passed++;
    }
  }
  return {
    name,
    scores,
    labels,
    metrics,
    assertions: total > 0 ? passed / total : undefined,
    taskDurationMs: cases.reduce((s, c) => s + c.taskDurationMs, 0) / n,
    totalDurationMs: cases.reduce((s, c) => s + c.totalDurationMs, 0) / n,
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

