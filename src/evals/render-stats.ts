/** Tables for repeated runs: per-case statistics, pass-rate changes against a baseline, cancelled runs. */
import pc from 'picocolors';
import type { CaseComparison, CaseStatistics } from './case-statistics.js';
import type { ReportCaseCancelled } from './report.js';
import { newTable } from './table.js';

interface Style {
  color?: boolean;
  asciiOnly?: boolean;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));

/** Case | Runs | Pass rate [95% CI] | Flaky | Scores (mean [95% CI]). */
export function renderStatistics(stats: readonly CaseStatistics[], style: Style = {}): string {
  const c = pc.createColors(style.color ?? false);
  const showScores = stats.some((s) => Object.keys(s.scores).length);
  const t = newTable(['Case', 'Passed', 'Pass rate [95% CI]', 'Flaky', ...(showScores ? ['Scores (mean [95% CI])'] : [])]);
  for (const s of stats) {
    const rate = s.passRate === undefined ? '-' : `${pct(s.passRate)} [${pct(s.passRateInterval[0])}, ${pct(s.passRateInterval[1])}]`;
    const row = [
      s.name,
      `${s.passes}/${s.runs}${s.cancelled ? ` (+${s.cancelled} cancelled)` : ''}`,
      rate,
      s.flaky ? c.yellow('flaky') : '',
    ];
    if (showScores) {
      row.push(
        Object.entries(s.scores)
          .map(([k, v]) => `${k}: ${num(v.mean)}${v.interval ? ` [${num(v.interval[0])}, ${num(v.interval[1])}]` : ''}`)
          .join('\n') || '-',
      );
    }
    t.push(row);
  }
  return t.toString();
}

/** Case | Baseline | Now | p-value | Change. */
export function renderComparison(rows: readonly CaseComparison[], style: Style = {}): string {
  const c = pc.createColors(style.color ?? false);
  const arrow = style.asciiOnly ? '->' : '→';
  const t = newTable(['Case', `Passed (baseline ${arrow} now)`, 'p-value', 'Change']);
  for (const r of rows) {
    const change = r.change === 'regression' ? c.red('regression') : r.change === 'improvement' ? c.green('improvement') : r.change;
    t.push([r.name, `${r.baselinePasses}/${r.baselineRuns} ${arrow} ${r.passes}/${r.runs}`, r.pValue === undefined ? '-' : r.pValue.toFixed(4), change]);
  }
  return t.toString();
}

/** Case | Reason: runs that did not finish because the evaluation was aborted. */
export function renderCancelled(rows: readonly ReportCaseCancelled[]): string {
  const t = newTable(['Case ID', 'Reason']);
  for (const r of rows) t.push([r.name, r.reason === 'aborted' ? 'aborted while running' : 'not started']);
  return t.toString();
}
