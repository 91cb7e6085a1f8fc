/**
 * The state of one `rehearse eval` invocation: suites loaded, reports finished, the suite in
 * progress. `finish()` completes it synchronously — suites not finished become partial reports
 * (runs in flight or not started listed as cancelled), reports not yet printed are printed,
 * `--json` and `--junit` are written — so a signal handler can call it and lose nothing.
 */
import path from 'node:path';
import { compareCaseStatistics, type CaseComparison } from '../evals/case-statistics.js';
import { reportsToJUnitXml } from '../evals/junit.js';
import type { EvaluationReport, EvaluationReportData } from '../evals/report.js';
import { notStartedReport, type EvaluationHandle } from '../evals/runner.js';
import { checkReport, type EvalThresholds } from '../evals/thresholds.js';
import type { LoadedSuite, LoadError } from './load-suites.js';
import { writeFileAtomicSync } from './write-file.js';

/** One report in the `--json` file. */
export type EvalRunReportJson = EvaluationReportData & {
  /** Eval file (relative to the working directory) and export the suite came from. */
  file: string;
  exportName: string;
  passed: boolean;
  /** Why it failed (empty when passed). */
  problems: string[];
  /** Per-case pass counts against `--baseline`, with Fisher's exact test p-values. */
  comparison?: CaseComparison[];
};

/** The file format of `--json` (and what `--baseline` reads). */
export interface EvalRunJson {
  reports: EvalRunReportJson[];
  /** Eval files that failed to load, with their stacks. */
  loadErrors: LoadError[];
  /** Set when the run was interrupted (Ctrl-C): reports list their cancelled runs. */
  interrupted?: boolean;
}

/** Options of the eval command that shape output. */
export interface EvalOutputOptions {
  json?: string;
  junit?: string;
  minScore?: number;
  minPassRate?: number;
  includeInput?: boolean;
  includeOutput?: boolean;
  includeReasons?: boolean;
  includeTrajectory?: boolean;
  includeRuns?: boolean;
}

/** See the module doc. */
export class EvalRun {
  private readonly reports: (EvaluationReport | undefined)[];
  private readonly printed: boolean[];
  private readonly problems: string[][] = [];
  private readonly comparisons: (CaseComparison[] | undefined)[] = [];
  private current: { index: number; handle: EvaluationHandle } | undefined;
  private exitCode: number | undefined;

  constructor(
    readonly suites: readonly (LoadedSuite & { name: string; repeat: number })[],
    readonly loadErrors: readonly LoadError[],
    private readonly opts: EvalOutputOptions,
    private readonly ctx: { out: (t: string) => void; err: (t: string) => void; cwd: string; color: boolean },
    private readonly baseline: Map<string, EvaluationReport> | undefined,
  ) {
    this.reports = new Array(suites.length);
    this.printed = new Array(suites.length).fill(false);
  }

  /** Whether `finish` has run. */
  get finished(): boolean {
    return this.exitCode !== undefined;
  }

  /** The suite at `index` started; `handle.snapshot()` is its partial report. */
  started(index: number, handle: EvaluationHandle): void {
    this.current = { index, handle };
  }

  /** The suite at `index` finished with `report`: it is printed at once. */
  done(index: number, report: EvaluationReport): void {
    this.reports[index] = report;
    if (this.current?.index === index) this.current = undefined;
    this.print(index);
  }

  private thresholds(index: number): EvalThresholds {
    return {
      ...(this.opts.minScore !== undefined ? { minScore: this.opts.minScore } : {}),
      ...(this.opts.minPassRate !== undefined ? { minPassRate: this.opts.minPassRate } : {}),
      ...this.suites[index]!.suite.thresholds,
    };
  }

  private print(index: number): void {
    if (this.printed[index]) return;
    this.printed[index] = true;
    const report = this.reports[index]!;
    const base = this.baseline?.get(report.name);
    const comparison = base ? compareCaseStatistics(report.statistics(), base.statistics()) : undefined;
    this.comparisons[index] = comparison;
    const problems = checkReport(report, this.thresholds(index), comparison);
    this.problems[index] = problems;
    const { out, color } = this.ctx;
    out(
      `${report.render({
        color,
        includeInput: !!this.opts.includeInput,
        includeOutput: !!this.opts.includeOutput,
        includeReasons: !!this.opts.includeReasons,
        includeTrajectory: !!this.opts.includeTrajectory,
        ...(this.opts.includeRuns ? { includeRuns: true } : {}),
        ...(base ? { baseline: base, includeRemovedCases: true } : {}),
      })}\n`,
    );
    out(problems.length ? `✗ ${report.name}: ${problems.join('; ')}\n\n` : `✔ ${report.name}: passed\n\n`);
  }

  /**
   * Completes the run synchronously (see the module doc) and returns the exit code: 130 when
   * interrupted, else 2 when a file failed to load, else 1 when a suite failed, else 0. A second
   * call returns the first's code and does nothing.
   */
  finish(interrupted: boolean): number {
    if (this.exitCode !== undefined) return this.exitCode;
    this.suites.forEach((s, i) => {
      if (this.reports[i]) return;
      this.reports[i] = this.current?.index === i ? this.current.handle.snapshot() : notStartedReport(s.name, s.suite.dataset.cases, s.repeat);
    });
    this.suites.forEach((_, i) => this.print(i));
    const anyInterrupted = interrupted || this.reports.some((r) => r!.interrupted);
    const { cwd, err } = this.ctx;
    const reports = this.reports as EvaluationReport[];
    if (this.opts.json) {
      const data: EvalRunJson = {
        reports: reports.map((r, i) => ({
          ...r.toJSON(),
          file: path.relative(cwd, this.suites[i]!.file),
          exportName: this.suites[i]!.exportName,
          passed: this.problems[i]!.length === 0,
          problems: this.problems[i]!,
          ...(this.comparisons[i] ? { comparison: this.comparisons[i] } : {}),
        })),
        loadErrors: [...this.loadErrors],
        ...(anyInterrupted ? { interrupted: true } : {}),
      };
      writeFileAtomicSync(path.resolve(cwd, this.opts.json), `${JSON.stringify(data, null, 2)}\n`);
    }
    if (this.opts.junit) writeFileAtomicSync(path.resolve(cwd, this.opts.junit), reportsToJUnitXml(reports));
    for (const e of this.loadErrors) err(`rehearse eval: ${e.message}\n${e.stack ? `${e.stack}\n` : ''}`);
    if (anyInterrupted) err('rehearse eval: interrupted; the reports above are partial (cancelled runs listed)\n');
    this.exitCode = anyInterrupted ? 130 : this.loadErrors.length ? 2 : this.problems.some((p) => p.length) ? 1 : 0;
    return this.exitCode;
  }
}
