/**
 * Pass/fail thresholds of a suite and the check of a report against them (used by
 * `rehearse eval`, and by anything that turns a report into a verdict).
 */
import { checkUsageBudget, type UsageBudgetLimits } from './evaluators/budget.js';
import type { EvaluationReport } from './report.js';
import { runPassed, type CaseComparison } from './case-statistics.js';
import { wilsonInterval } from './statistics.js';

/** Pass/fail thresholds of a suite (the CLI's `--min-score` / `--min-pass-rate` apply when unset). */
export interface EvalThresholds {
  /** Every averaged score must be at least this; a record sets it per score name. */
  minScore?: number | Record<string, number>;
  /**
   * The pass rate (0..1) must be at least this. By default it is the assertion pass rate
   * (passed / all assertions, as the report's averages). With `passRateBound: 'lower'` it is
   * compared with the lower end of the Wilson 95% interval of the run pass rate (runs that
   * finished with every assertion passing / runs that finished), which asks for evidence, not
   * luck, when cases are repeated. Without `minPassRate`, any failed assertion fails the suite.
   */
  minPassRate?: number;
  /** `'estimate'` (default) or `'lower'`: see `minPassRate`. */
  passRateBound?: 'estimate' | 'lower';
  /** Usage limits every case must keep (see `UsageBudget`): tokens, requests, cost. */
  budget?: UsageBudgetLimits;
  /** Fail on a significant pass-rate drop against the baseline (Fisher's exact test); default `true`. */
  failOnRegression?: boolean;
}

/**
 * Checks a report against thresholds; returns the reasons it fails (empty when it passes).
 * Failed, timed-out and never-settled cases, evaluator failures, cancelled runs, missed
 * thresholds and (given `comparison`) regressions against the baseline are each a reason.
 */
export function checkReport(report: EvaluationReport, thresholds: EvalThresholds, comparison?: readonly CaseComparison[]): string[] {
  const problems: string[] = [];
  const byStatus = new Map<string, number>();
  for (const f of report.failures) byStatus.set(f.status ?? 'error', (byStatus.get(f.status ?? 'error') ?? 0) + 1);
  if (byStatus.get('error')) problems.push(`${byStatus.get('error')} case(s) failed with an error`);
  if (byStatus.get('timed-out')) problems.push(`${byStatus.get('timed-out')} case(s) timed out`);
  if (byStatus.get('never-settled')) problems.push(`${byStatus.get('never-settled')} case(s) never settled`);
  if (report.cancelled.length) problems.push(`${report.cancelled.length} case(s) cancelled`);
  const evaluatorFailures = report.cases.reduce((s, c) => s + c.evaluatorFailures.length, 0);
  if (evaluatorFailures) problems.push(`${evaluatorFailures} evaluator failure(s)`);
  const avg = report.averages();
  if (thresholds.minPassRate !== undefined) {
    if (thresholds.passRateBound === 'lower') {
      const runs = report.cases.length + report.failures.length;
      const passes = report.cases.filter(runPassed).length;
      const [low] = wilsonInterval(passes, runs);
      if (low < thresholds.minPassRate) {
        problems.push(`pass rate lower bound ${pct(low)} (Wilson 95%, ${passes}/${runs} runs) is below ${pct(thresholds.minPassRate)}`);
      }
    } else {
      const rate = avg?.assertions;
      if (rate !== undefined && rate < thresholds.minPassRate) problems.push(`assertion pass rate ${pct(rate)} is below ${pct(thresholds.minPassRate)}`);
    }
  } else {
    const failed = report.failedAssertionCount();
    if (failed) problems.push(`${failed} assertion(s) failed`);
  }
  if (thresholds.minScore !== undefined && avg) {
    for (const [name, value] of Object.entries(avg.scores)) {
      const min = typeof thresholds.minScore === 'number' ? thresholds.minScore : thresholds.minScore[name];
      if (min !== undefined && value < min) problems.push(`average score ${name} = ${value.toFixed(3)} is below ${min}`);
    }
  }
  if (thresholds.budget) {
    const over = new Map<string, string[]>();
    for (const c of report.cases) {
      for (const check of checkUsageBudget(c.metrics, thresholds.budget)) {
        if (!check.ok) over.set(check.name, [...(over.get(check.name) ?? []), `${c.name} (${check.reason})`]);
      }
    }
    for (const [name, cases] of over) problems.push(`budget ${name} exceeded by ${cases.length} case(s): ${cases.slice(0, 3).join(', ')}${cases.length > 3 ? ', …' : ''}`);
  }
  if (comparison && (thresholds.failOnRegression ?? true)) {
    for (const c of comparison) {
      if (c.change === 'regression') {
        problems.push(`regression in ${c.name}: ${c.passes}/${c.runs} passed vs ${c.baselinePasses}/${c.baselineRuns} (Fisher p = ${c.pValue!.toFixed(4)})`);
      }
    }
  }
  return problems;
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}
