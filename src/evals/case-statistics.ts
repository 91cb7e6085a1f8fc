/**
 * Per-case statistics over repeated runs (pydantic-evals' case groups, plus intervals and a
 * significance test against a baseline, which pydantic-evals does not have).
 */
import type { ReportCase, ReportCaseCancelled, ReportCaseFailure } from './report.js';
import { fisherExactTwoSided, meanInterval, wilsonInterval, type Interval } from './statistics.js';

/** Whether a run passed: it completed, every assertion holds and no evaluator failed. */
export function runPassed(c: ReportCase): boolean {
  if (c.evaluatorFailures.length) return false;
  for (const k in c.assertions) if (!c.assertions[k]!.value) return false;
  return true;
}

/** Mean of one score over the runs that have it, with a Student-t 95% interval (`undefined` under 2 runs). */
export interface ScoreStatistics {
  mean: number;
  interval: Interval | undefined;
  /** Runs that reported this score. */
  n: number;
}

/**
 * The runs of one case summarised. `runs` counts the runs that finished (completed or failed:
 * error, timeout, never settled); cancelled runs are counted apart and left out of the rates.
 */
export interface CaseStatistics {
  /** Source case name (without the `[i/N]` run suffix). */
  name: string;
  runs: number;
  passes: number;
  /** `passes / runs`; `undefined` when no run finished. */
  passRate: number | undefined;
  /** Wilson 95% interval of the pass rate (see `wilsonInterval`); `[0, 1]` with no finished run. */
  passRateInterval: Interval;
  /** Some but not all finished runs passed. */
  flaky: boolean;
  scores: Record<string, ScoreStatistics>;
  cancelled: number;
}

/** The source-case name of a report entry. */
export function sourceName(c: { name: string; sourceCaseName?: string | undefined }): string {
  return c.sourceCaseName ?? c.name;
}

/** Statistics per source case, in first-seen order over cases, failures and cancelled runs. */
export function caseStatistics(report: {
  cases: readonly ReportCase[];
  failures: readonly ReportCaseFailure[];
  cancelled: readonly ReportCaseCancelled[];
}): CaseStatistics[] {
  const acc = new Map<string, { passes: number; runs: number; cancelled: number; scores: Map<string, number[]> }>();
  const get = (name: string) => {
    let a = acc.get(name);
    if (!a) acc.set(name, (a = { passes: 0, runs: 0, cancelled: 0, scores: new Map() }));
    return a;
  };
  for (const c of report.cases) {
    const a = get(sourceName(c));
    a.runs++;
    if (runPassed(c)) a.passes++;
    for (const [k, s] of Object.entries(c.scores)) {
      const list = a.scores.get(k) ?? [];
      list.push(s.value);
      a.scores.set(k, list);
    }
  }
  for (const f of report.failures) get(sourceName(f)).runs++;
  for (const x of report.cancelled) get(sourceName(x)).cancelled++;
  return [...acc].map(([name, a]) => ({
    name,
    runs: a.runs,
    passes: a.passes,
    passRate: a.runs ? a.passes / a.runs : undefined,
    passRateInterval: wilsonInterval(a.passes, a.runs),
    flaky: a.passes > 0 && a.passes < a.runs,
    scores: Object.fromEntries([...a.scores].map(([k, values]) => [k, { ...meanInterval(values), n: values.length }])),
    cancelled: a.cancelled,
  }));
}

/** How a case's pass rate moved against the baseline. */
export type PassRateChange = 'regression' | 'improvement' | 'unchanged' | 'added' | 'removed';

/** One case compared with its baseline. */
export interface CaseComparison {
  name: string;
  passes: number;
  runs: number;
  baselinePasses: number;
  baselineRuns: number;
  /** Fisher's exact test (two-sided) p-value; `undefined` for added or removed cases. */
  pValue: number | undefined;
  change: PassRateChange;
}

/**
 * Compares pass counts case by case with Fisher's exact test (two-sided, see
 * `fisherExactTwoSided`): a change with `p < alpha` (default 0.05) is a `'regression'` when the
 * pass rate fell and an `'improvement'` when it rose; otherwise `'unchanged'`. Cases with no
 * finished run on one side are `'added'` / `'removed'`. With single runs no change can be
 * significant (p = 1 for 0/1 vs 1/1): repeat the cases to detect regressions.
 */
export function compareCaseStatistics(now: readonly CaseStatistics[], baseline: readonly CaseStatistics[], alpha = 0.05): CaseComparison[] {
  const old = new Map(baseline.map((s) => [s.name, s]));
  const out: CaseComparison[] = [];
  const seen = new Set<string>();
  for (const s of now) {
    seen.add(s.name);
    const b = old.get(s.name);
    if (!b || b.runs === 0 || s.runs === 0) {
      out.push({ name: s.name, passes: s.passes, runs: s.runs, baselinePasses: b?.passes ?? 0, baselineRuns: b?.runs ?? 0, pValue: undefined, change: !b || b.runs === 0 ? 'added' : 'removed' });
      continue;
    }
    const pValue = fisherExactTwoSided({ passes: s.passes, runs: s.runs }, { passes: b.passes, runs: b.runs });
    const diff = s.passes / s.runs - b.passes / b.runs;
    const change: PassRateChange = pValue < alpha && diff < 0 ? 'regression' : pValue < alpha && diff > 0 ? 'improvement' : 'unchanged';
    out.push({ name: s.name, passes: s.passes, runs: s.runs, baselinePasses: b.passes, baselineRuns: b.runs, pValue, change });
  }
  for (const b of baseline) {
    if (!seen.has(b.name)) out.push({ name: b.name, passes: 0, runs: 0, baselinePasses: b.passes, baselineRuns: b.runs, pValue: undefined, change: 'removed' });
  }
  return out;
}
