/**
 * Terminal rendering of evaluation reports with cli-table3, laid out as pydantic-evals'
 * `EvaluationRenderer`: a summary table (or, with a baseline, a diff table) and a failures table.
 */
import type Table from 'cli-table3';
import pc from 'picocolors';
import { averageCases, type ReportCaseAggregate } from './aggregate.js';
import type { EvaluationReport, ReportCase, ReportCaseFailure } from './report.js';
import { renderCancelled, renderComparison, renderStatistics } from './render-stats.js';
import { defaultRenderDuration, defaultRenderNumber } from './render-numbers.js';
import { newTable } from './table.js';
import { trajectoryFromAttributes } from './trajectory.js';

/** Options of `EvaluationReport.render` / `print`. Booleans default to `false` unless noted. */
export interface RenderOptions {
  includeInput?: boolean;
  includeMetadata?: boolean;
  includeExpectedOutput?: boolean;
  includeOutput?: boolean;
  /** Default `true`. */
  includeDurations?: boolean;
  /** Show total (task + evaluators) durations next to task durations. */
  includeTotalDuration?: boolean;
  /** Show evaluator reasons under scores, labels and assertions. */
  includeReasons?: boolean;
  /** Default `true`. */
  includeAverages?: boolean;
  /** Show the tool calls recorded by `agentTask`. */
  includeTrajectory?: boolean;
  /** Include the failure stack traces in the failures table. */
  includeErrorStacktrace?: boolean;
  /** Compare with an earlier report: renders a diff table (old → new). */
  baseline?: EvaluationReport;
  /**
   * In a diff, list baseline cases missing from the new report, and count them in the baseline
   * averages; default `false` (as pydantic-evals' `include_removed_cases`).
   */
  includeRemovedCases?: boolean;
  /** ANSI colors; default `false` (print() turns them on for a TTY). */
  color?: boolean;
  /**
   * One row per run in the summary table; default `true` unless the cases were repeated, when
   * the per-case statistics table (pass rate with Wilson interval, flaky flag, score intervals)
   * stands for them.
   */
  includeRuns?: boolean;
  /** Use `v`, `x`, `->` instead of `✔`, `✗`, `→`. */
  asciiOnly?: boolean;
  /** Longest rendered input/output value before it is truncated; default 200 characters. */
  valueMaxLength?: number;
}

const EMPTY = '-';

/**
 * Renders a number as pydantic-evals' `default_render_number`: integers with thousands
 * separators (`17,348`), others with at least one decimal and 3 significant figures (`0.123`, `12.5`).
 */
export function renderNumber(v: number): string {
  return defaultRenderNumber(v);
}

/** Renders milliseconds as pydantic-evals' `default_render_duration` (seconds): `123µs`, `12.3ms`, `1.2s`, `1,234.6s`. */
export function renderDuration(ms: number): string {
  return defaultRenderDuration(ms / 1000);
}

function renderPercent(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

function renderValue(v: unknown, max: number): string {
  let s: string;
  if (typeof v === 'string') s = v;
  else if (v === undefined) s = EMPTY;
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  return s.length > max ? `${s.slice(0, Math.floor(max / 2))}...${s.slice(s.length - Math.floor(max / 2))}` : s;
}

class Renderer {
  private readonly c: ReturnType<typeof pc.createColors>;
  private readonly check: string;
  private readonly cross: string;
  readonly arrow: string;
  private readonly max: number;
  constructor(private readonly o: RenderOptions, private readonly report: EvaluationReport, private readonly baseline?: EvaluationReport) {
    this.c = pc.createColors(o.color ?? false);
    this.check = o.asciiOnly ? 'v' : '✔';
    this.cross = o.asciiOnly ? 'x' : '✗';
    this.arrow = o.asciiOnly ? '->' : '→';
    this.max = o.valueMaxLength ?? 200;
  }

  private allCases(): ReportCase[] {
    return [...this.report.cases, ...(this.baseline?.cases ?? [])];
  }
  private has(pick: (c: ReportCase) => object): boolean {
    return this.allCases().some((c) => Object.keys(pick(c)).length > 0);
  }
  get showScores() { return this.has((c) => c.scores); }
  get showLabels() { return this.has((c) => c.labels); }
  get showMetrics() { return this.has((c) => c.metrics); }
  get showAssertions() { return this.has((c) => c.assertions); }
  get showEvaluatorFailures() { return this.allCases().some((c) => c.evaluatorFailures.length > 0); }
  get showTrajectory() { return !!this.o.includeTrajectory && this.allCases().some((c) => trajectoryFromAttributes(c.attributes)); }

  head(): string[] {
    const h = ['Case ID'];
    if (this.o.includeInput) h.push('Inputs');
    if (this.o.includeMetadata) h.push('Metadata');
    if (this.o.includeExpectedOutput) h.push('Expected Output');
    if (this.o.includeOutput) h.push('Outputs');
    if (this.showTrajectory) h.push('Trajectory');
    if (this.showScores) h.push('Scores');
    if (this.showLabels) h.push('Labels');
    if (this.showMetrics) h.push('Metrics');
    if (this.showAssertions) h.push('Assertions');
    if (this.showEvaluatorFailures) h.push('Evaluator Failures');
    if (this.o.includeDurations ?? true) h.push(this.o.includeTotalDuration ? 'Durations' : 'Duration');
    return h;
  }

  table(): Table.Table {
    return newTable(this.head());
  }

  private mark(v: boolean): string {
    return v ? this.c.green(this.check) : this.c.red(this.cross);
  }

  private withReasons(entries: [string, string, string | undefined][]): string {
    if (!entries.length) return EMPTY;
    return entries
      .map(([k, v, reason]) => `${k}: ${v}${this.o.includeReasons && reason ? `\n  Reason: ${reason}` : ''}`)
      .join('\n');
  }

  private durations(x: { taskDurationMs: number; totalDurationMs: number }): string {
    if (!this.o.includeTotalDuration) return renderDuration(x.taskDurationMs);
    return `task: ${renderDuration(x.taskDurationMs)}\ntotal: ${renderDuration(x.totalDurationMs)}`;
  }

  private assertions(c: ReportCase): string {
    const list = Object.values(c.assertions);
    if (!list.length) return EMPTY;
    if (!this.o.includeReasons) return list.map((a) => this.mark(a.value)).join('');
    return list.map((a) => `${a.name}: ${this.mark(a.value)}${a.reason ? `\n  Reason: ${a.reason}` : ''}`).join('\n');
  }

  private trajectory(c: ReportCase): string {
    const t = trajectoryFromAttributes(c.attributes);
    if (!t) return EMPTY;
    const lines = t.flatMap((s) =>
      s.kind === 'tool-call'
        ? [`${s.toolName}(${renderValue(s.args, 60)}) ${this.arrow} ${s.error !== undefined ? `error: ${renderValue(s.error, 60)}` : renderValue(s.result, 60)}`]
        : [],
    );
    return lines.length ? lines.join('\n') : EMPTY;
  }

  row(c: ReportCase): string[] {
    const row = [c.name];
    if (this.o.includeInput) row.push(renderValue(c.inputs, this.max));
    if (this.o.includeMetadata) row.push(renderValue(c.metadata, this.max));
    if (this.o.includeExpectedOutput) row.push(renderValue(c.expectedOutput, this.max));
    if (this.o.includeOutput) row.push(renderValue(c.output, this.max));
    if (this.showTrajectory) row.push(this.trajectory(c));
    if (this.showScores) row.push(this.withReasons(Object.entries(c.scores).map(([k, r]) => [k, renderNumber(r.value), r.reason])));
    if (this.showLabels) row.push(this.withReasons(Object.entries(c.labels).map(([k, r]) => [k, r.value, r.reason])));
    if (this.showMetrics) row.push(Object.entries(c.metrics).map(([k, v]) => `${k}: ${renderNumber(v)}`).join('\n') || EMPTY);
    if (this.showAssertions) row.push(this.assertions(c));
    if (this.showEvaluatorFailures) {
      row.push(c.evaluatorFailures.map((f) => `${this.c.red(f.name)}: ${f.errorMessage}`).join('\n') || EMPTY);
    }
    if (this.o.includeDurations ?? true) row.push(this.durations(c));
    return row;
  }

  private labelDist(d: Record<string, number>): string {
    return `{${Object.entries(d).map(([v, f]) => `${v}: ${renderPercent(f)}`).join(', ')}}`;
  }

  aggregateRow(a: ReportCaseAggregate): string[] {
    const row = [this.c.bold(a.name)];
    for (const f of ['includeInput', 'includeMetadata', 'includeExpectedOutput', 'includeOutput'] as const) if (this.o[f]) row.push('');
    if (this.showTrajectory) row.push('');
    if (this.showScores) row.push(Object.entries(a.scores).map(([k, v]) => `${k}: ${renderNumber(v)}`).join('\n'));
    if (this.showLabels) row.push(Object.entries(a.labels).map(([k, d]) => `${k}: ${this.labelDist(d)}`).join('\n'));
    if (this.showMetrics) row.push(Object.entries(a.metrics).map(([k, v]) => `${k}: ${renderNumber(v)}`).join('\n'));
    if (this.showAssertions) row.push(a.assertions === undefined ? '' : `${renderPercent(a.assertions)} ${this.c.green(this.check)}`);
    if (this.showEvaluatorFailures) row.push('');
    if (this.o.includeDurations ?? true) row.push(this.durations(a));
    return row;
  }

  private numDiff(k: string | undefined, old: number | undefined, now: number | undefined, render: (n: number) => string): string {
    const prefix = k === undefined ? '' : `${k}: `;
    if (old === undefined && now === undefined) return `${prefix}${EMPTY}`;
    if (old === undefined) return `${prefix}${render(now!)}`;
    if (now === undefined) return `${prefix}${render(old)} ${this.arrow} ${EMPTY}`;
    if (render(old) === render(now)) return `${prefix}${render(now)}`;
    const delta = now - old;
    const d = `${delta >= 0 ? '+' : '-'}${render(Math.abs(delta))}`;
    return `${prefix}${render(old)} ${this.arrow} ${render(now)} (${delta >= 0 ? this.c.green(d) : this.c.red(d)})`;
  }

  private dictDiff(old: Record<string, number>, now: Record<string, number>, render: (n: number) => string): string {
    const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])].sort();
    return keys.map((k) => this.numDiff(k, old[k], now[k], render)).join('\n') || EMPTY;
  }

  private strDiff(k: string, old: string | undefined, now: string | undefined): string {
    if (old === now) return `${k}: ${now ?? EMPTY}`;
    return `${k}: ${old ?? EMPTY} ${this.arrow} ${now ?? EMPTY}`;
  }

  private durationsDiff(old: { taskDurationMs: number; totalDurationMs: number }, now: { taskDurationMs: number; totalDurationMs: number }): string {
    if (!this.o.includeTotalDuration) return this.numDiff(undefined, old.taskDurationMs, now.taskDurationMs, renderDuration);
    return `${this.numDiff('task', old.taskDurationMs, now.taskDurationMs, renderDuration)}\n${this.numDiff('total', old.totalDurationMs, now.totalDurationMs, renderDuration)}`;
  }

  diffRow(old: ReportCase, now: ReportCase): string[] {
    const row = [now.name];
    if (this.o.includeInput) row.push(renderValue(now.inputs, this.max));
    if (this.o.includeMetadata) row.push(renderValue(now.metadata, this.max));
    if (this.o.includeExpectedOutput) row.push(renderValue(now.expectedOutput, this.max));
    if (this.o.includeOutput) {
      const a = renderValue(old.output, this.max);
      const b = renderValue(now.output, this.max);
      row.push(a === b ? b : `${a} ${this.arrow} ${b}`);
    }
    if (this.showTrajectory) row.push(this.trajectory(now));
    const vals = <T,>(r: Record<string, { value: T }>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.value]));
    if (this.showScores) row.push(this.dictDiff(vals(old.scores), vals(now.scores), renderNumber));
    if (this.showLabels) {
      const keys = [...new Set([...Object.keys(old.labels), ...Object.keys(now.labels)])].sort();
      row.push(keys.map((k) => this.strDiff(k, old.labels[k]?.value, now.labels[k]?.value)).join('\n') || EMPTY);
    }
    if (this.showMetrics) row.push(this.dictDiff(old.metrics, now.metrics, renderNumber));
    if (this.showAssertions) {
      const a = Object.values(old.assertions).map((x) => this.mark(x.value)).join('');
      const b = Object.values(now.assertions).map((x) => this.mark(x.value)).join('');
      row.push(a === b ? b || EMPTY : `${a || EMPTY} ${this.arrow} ${b || EMPTY}`);
    }
    if (this.showEvaluatorFailures) {
      const f = (c: ReportCase) => c.evaluatorFailures.map((x) => `${this.c.red(x.name)}: ${x.errorMessage}`).join('\n') || EMPTY;
      row.push(f(old) === f(now) ? f(now) : `${f(old)}\n${this.arrow}\n${f(now)}`);
    }
    if (this.o.includeDurations ?? true) row.push(this.durationsDiff(old, now));
    return row;
  }

  aggregateDiffRow(old: ReportCaseAggregate, now: ReportCaseAggregate): string[] {
    const row = [this.c.bold(now.name)];
    for (const f of ['includeInput', 'includeMetadata', 'includeExpectedOutput', 'includeOutput'] as const) if (this.o[f]) row.push('');
    if (this.showTrajectory) row.push('');
    if (this.showScores) row.push(this.dictDiff(old.scores, now.scores, renderNumber));
    if (this.showLabels) {
      const keys = [...new Set([...Object.keys(old.labels), ...Object.keys(now.labels)])].sort();
      row.push(
        keys
          .map((k) => {
            const a = old.labels[k] ? this.labelDist(old.labels[k]) : undefined;
            const b = now.labels[k] ? this.labelDist(now.labels[k]) : undefined;
            return this.strDiff(k, a, b);
          })
          .join('\n'),
      );
    }
    if (this.showMetrics) row.push(this.dictDiff(old.metrics, now.metrics, renderNumber));
    if (this.showAssertions) {
      const r = (v: number | undefined) => (v === undefined ? EMPTY : `${renderPercent(v)} ${this.c.green(this.check)}`);
      row.push(r(old.assertions) === r(now.assertions) ? r(now.assertions) : `${r(old.assertions)} ${this.arrow} ${r(now.assertions)}`);
    }
    if (this.showEvaluatorFailures) row.push('');
    if (this.o.includeDurations ?? true) row.push(this.durationsDiff(old, now));
    return row;
  }

  failuresTable(failures: ReportCaseFailure[]): string {
    const head = ['Case ID'];
    if (this.o.includeInput) head.push('Inputs');
    head.push('Error Message');
    if (this.o.includeErrorStacktrace) head.push('Error Stacktrace');
    const t = newTable(head);
    for (const f of failures) {
      const row = [f.status && f.status !== 'error' ? `${f.name}\n(${f.status})` : f.name];
      if (this.o.includeInput) row.push(renderValue(f.inputs, this.max));
      row.push(f.errorMessage);
      if (this.o.includeErrorStacktrace) row.push(f.errorStacktrace);
      t.push(row);
    }
    return t.toString();
  }
}

/** Renders a report (or its diff against `options.baseline`) and its failures as text. */
export function renderReport(report: EvaluationReport, options: RenderOptions = {}): string {
  const baseline = options.baseline;
  const r = new Renderer(options, report, baseline);
  const parts: string[] = [];
  const repeated = report.repeated || !!baseline?.repeated;
  if (repeated) parts.push(`Repeated Runs: ${report.name}${report.interrupted ? ' (interrupted)' : ''}`, renderStatistics(report.statistics(), options));
  if (baseline && repeated) parts.push('Pass Rate Changes (Fisher exact test, two-sided)', renderComparison(report.compareWith(baseline), options));
  if (repeated && !(options.includeRuns ?? false)) {
    // the statistics table stands for the runs
  } else if (!baseline) {
    const t = r.table();
    for (const c of report.cases) t.push(r.row(c));
    const avg = report.averages();
    if ((options.includeAverages ?? true) && avg) t.push(r.aggregateRow(avg));
    parts.push(`Evaluation Summary: ${report.name}${report.interrupted ? ' (interrupted)' : ''}`, t.toString());
  } else {
    const now = new Map(report.cases.map((c) => [c.name, c]));
    const old = new Map(baseline.cases.map((c) => [c.name, c]));
    const names = [...new Set([...old.keys(), ...now.keys()])].sort();
    const t = r.table();
    const added: ReportCase[] = [];
    const removed: ReportCase[] = [];
    for (const n of names) {
      const a = old.get(n);
      const b = now.get(n);
      if (a && b) t.push(r.diffRow(a, b));
      else if (b) added.push(b);
      else if (a && options.includeRemovedCases) removed.push(a);
    }
    for (const c of added) {
      const row = r.row(c);
      row[0] = `+ Added Case\n${row[0]}`;
      t.push(row);
    }
    for (const c of removed) {
      const row = r.row(c);
      row[0] = `- Removed Case\n${row[0]}`;
      t.push(row);
    }
    if (options.includeAverages ?? true) {
      // flat averages on both sides, over the baseline cases shown (pydantic-evals' build_diff_table)
      const shownBaseline = options.includeRemovedCases ? baseline.cases : baseline.cases.filter((c) => now.has(c.name));
      if (report.cases.length && shownBaseline.length) {
        t.push(r.aggregateDiffRow(averageCases(shownBaseline), averageCases(report.cases)));
      }
    }
    const title = baseline.name === report.name ? report.name : `${baseline.name} ${r.arrow} ${report.name}`;
    parts.push(`Evaluation Diff: ${title}`, t.toString());
  }
  if (report.failures.length) parts.push('Case Failures', r.failuresTable(report.failures));
  if (report.cancelled.length) parts.push('Cancelled (not run)', renderCancelled(report.cancelled));
  return parts.join('\n');
}
