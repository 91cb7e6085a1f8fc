/**
 * Evaluation reports (pydantic-evals' `reporting/__init__.py`): per-case results, failures,
 * averages, repeat groups, rendering, JSON and JUnit output.
 */
import type { EvaluationResult, EvaluatorFailure } from './evaluator.js';
import { renderReport, type RenderOptions } from './render.js';
import { reportToJUnitXml, type JUnitOptions } from './junit.js';
import { averageAggregates, averageCases, type ReportCaseAggregate } from './aggregate.js';
import { caseStatistics, compareCaseStatistics, type CaseComparison, type CaseStatistics } from './case-statistics.js';
import { toJsonSafe } from './json-safe.js';

/**
 * One successfully executed case (its evaluators may still have failed). To keep large reports
 * small, the runner lets cases share frozen parts: empty `scores`/`labels`/`metrics`/
 * `attributes`/`evaluatorFailures`, boolean results without a reason, and groupings equal to
 * another case's. Copy a part before changing it.
 */
export interface ReportCase<I = unknown, O = unknown, M = unknown> {
  /** Report name (`'{case} [i/N]'` when repeated). */
  name: string;
  inputs: I;
  metadata?: M;
  expectedOutput?: O;
  output: O;
  scores: Record<string, EvaluationResult<number>>;
  labels: Record<string, EvaluationResult<string>>;
  assertions: Record<string, EvaluationResult<boolean>>;
  metrics: Record<string, number>;
  attributes: Record<string, unknown>;
  /** Task wall time in milliseconds. */
  taskDurationMs: number;
  /** Task, evaluators and lifecycle hooks, in milliseconds. */
  totalDurationMs: number;
  evaluatorFailures: EvaluatorFailure[];
  /** Case name before run indexing; set only when `repeat > 1`. */
  sourceCaseName?: string;
  traceId?: string;
  spanId?: string;
}

/**
 * Why a case failed: `'error'` its task or a lifecycle hook threw, `'timed-out'` it ran past the
 * per-case timeout, `'never-settled'` its promise was still pending when nothing else in the
 * process could make progress (Node's event loop ran empty).
 */
export type CaseFailureStatus = 'error' | 'timed-out' | 'never-settled';

/** A case whose task or lifecycle hook threw, that timed out, or that never settled. */
export interface ReportCaseFailure<I = unknown, O = unknown, M = unknown> {
  name: string;
  inputs: I;
  metadata?: M;
  expectedOutput?: O;
  /** `undefined` (older reports) means `'error'`. */
  status?: CaseFailureStatus;
  /** `'{ErrorName}: {message}'` (readable for any thrown value, see `describeThrown`). */
  errorMessage: string;
  errorStacktrace: string;
  /** Class name of the thrown error (`'TypeError'`), or `typeof` for a non-Error value. */
  errorType?: string;
  sourceCaseName?: string;
  traceId?: string;
  spanId?: string;
}

/**
 * A case that did not finish because the run was aborted (Ctrl-C, `signal`): `'not-started'`
 * never began, `'aborted'` was running and its task's `AbortSignal` was aborted.
 */
export interface ReportCaseCancelled<I = unknown, O = unknown, M = unknown> {
  name: string;
  inputs: I;
  metadata?: M;
  expectedOutput?: O;
  reason: 'not-started' | 'aborted';
  sourceCaseName?: string;
}

/** The runs of one case when a dataset is evaluated with `repeat > 1`. */
export interface ReportCaseGroup<I = unknown, O = unknown, M = unknown> {
  name: string;
  inputs: I;
  metadata?: M;
  expectedOutput?: O;
  runs: ReportCase<I, O, M>[];
  failures: ReportCaseFailure<I, O, M>[];
  cancelled: ReportCaseCancelled<I, O, M>[];
  summary: ReportCaseAggregate;
  /** Pass rate with its Wilson interval, flaky flag, score means with intervals. */
  statistics: CaseStatistics;
}

/** JSON form of an `EvaluationReport`. */
export interface EvaluationReportData<I = unknown, O = unknown, M = unknown> {
  name: string;
  cases: ReportCase<I, O, M>[];
  failures: ReportCaseFailure<I, O, M>[];
  /** Cases not run or aborted; absent in older reports. */
  cancelled?: ReportCaseCancelled<I, O, M>[];
  /** Set when the run was aborted: `cancelled` lists what did not finish. */
  interrupted?: boolean;
  /** Per-case statistics when the cases were repeated (written by `toJSON`, ignored by `fromJSON`). */
  statistics?: CaseStatistics[];
  /** `EvaluateOptions.metadata`, when given. */
  experimentMetadata?: Record<string, unknown>;
}

/** The result of `dataset.evaluate(...)`. */
export class EvaluationReport<I = unknown, O = unknown, M = unknown> {
  readonly name: string;
  readonly cases: ReportCase<I, O, M>[];
  readonly failures: ReportCaseFailure<I, O, M>[];
  /** Runs that did not finish because the evaluation was aborted. */
  readonly cancelled: ReportCaseCancelled<I, O, M>[];
  /** `true` when an abort stopped the run early; `cancelled` then lists what did not finish. */
  readonly interrupted: boolean;
  /** The `metadata` given to `evaluate` (pydantic-evals' `experiment_metadata`); `undefined` when none. */
  readonly experimentMetadata: Record<string, unknown> | undefined;

  constructor(init: {
    name: string;
    cases?: ReportCase<I, O, M>[];
    failures?: ReportCaseFailure<I, O, M>[];
    cancelled?: ReportCaseCancelled<I, O, M>[];
    interrupted?: boolean;
    experimentMetadata?: Record<string, unknown> | undefined;
  }) {
    this.name = init.name;
    this.cases = init.cases ?? [];
    this.failures = init.failures ?? [];
    this.cancelled = init.cancelled ?? [];
    this.interrupted = init.interrupted ?? this.cancelled.length > 0;
    this.experimentMetadata = init.experimentMetadata;
  }

  /** Whether any case was run more than once (`repeat > 1`). */
  get repeated(): boolean {
    return this.cases.some((c) => c.sourceCaseName) || this.failures.some((f) => f.sourceCaseName) || this.cancelled.some((x) => x.sourceCaseName);
  }

  /** Per source case: runs, passes, Wilson interval of the pass rate, flaky flag, score intervals. */
  statistics(): CaseStatistics[] {
    return caseStatistics(this as EvaluationReport);
  }

  /** Compares pass counts per case with a baseline by Fisher's exact test (see `compareCaseStatistics`). */
  compareWith(baseline: EvaluationReport, alpha = 0.05): CaseComparison[] {
    return compareCaseStatistics(this.statistics(), baseline.statistics(), alpha);
  }

  /**
   * Groups repeated runs by source case; `undefined` for a single-run report
   * (no case has `sourceCaseName`).
   */
  caseGroups(): ReportCaseGroup<I, O, M>[] | undefined {
    if (!this.repeated) return undefined;
    type Group = { runs: ReportCase<I, O, M>[]; failures: ReportCaseFailure<I, O, M>[]; cancelled: ReportCaseCancelled<I, O, M>[] };
    const groups = new Map<string, Group>();
    const get = (k: string) => {
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { runs: [], failures: [], cancelled: [] }));
      return g;
    };
    for (const c of this.cases) get(c.sourceCaseName ?? c.name).runs.push(c);
    for (const f of this.failures) get(f.sourceCaseName ?? f.name).failures.push(f);
    for (const x of this.cancelled) get(x.sourceCaseName ?? x.name).cancelled.push(x);
    const stats = new Map(this.statistics().map((s) => [s.name, s]));
    return [...groups].map(([name, { runs, failures, cancelled }]) => {
      const first = (runs[0] ?? failures[0] ?? cancelled[0])!;
      return {
        name,
        inputs: first.inputs,
        ...(first.metadata === undefined ? {} : { metadata: first.metadata }),
        ...(first.expectedOutput === undefined ? {} : { expectedOutput: first.expectedOutput }),
        runs,
        failures,
        cancelled,
        summary: averageCases(runs as ReportCase[]),
        statistics: stats.get(name)!,
      };
    });
  }

  /**
   * Averages over the cases (for repeated runs, the mean of the per-case summaries); `undefined`
   * when no case succeeded.
   */
  averages(): ReportCaseAggregate | undefined {
    const groups = this.caseGroups();
    if (groups !== undefined) {
      const summaries = groups.filter((g) => g.runs.length > 0).map((g) => g.summary);
      return summaries.length ? averageAggregates(summaries) : undefined;
    }
    return this.cases.length ? averageCases(this.cases as ReportCase[]) : undefined;
  }

  /** Number of assertions that failed, over all cases. */
  failedAssertionCount(): number {
    return this.cases.reduce((s, c) => s + Object.values(c.assertions).filter((a) => !a.value).length, 0);
  }

  /** The report as terminal tables (cli-table3); see `RenderOptions`. */
  render(options: RenderOptions = {}): string {
    return renderReport(this as EvaluationReport, options);
  }

  /** Writes `render(options)` to stdout (or `options.write`). */
  print(options: RenderOptions & { write?: (text: string) => void } = {}): void {
    const { write, ...rest } = options;
    (write ?? ((t: string) => process.stdout.write(t)))(`${this.render(rest)}\n`);
  }

  /** JUnit XML: one `<testcase>` per case, `<failure>` per failed assertion, `<error>` per task or evaluator failure. */
  toJUnitXml(options: JUnitOptions = {}): string {
    return reportToJUnitXml(this as EvaluationReport, options);
  }

  /**
   * The report as JSON data: values JSON cannot hold (BigInt, cycles, functions, symbols,
   * non-finite numbers) are written in a readable form (see `toJsonSafe`), so serializing never
   * throws. `statistics` is included for repeated runs.
   */
  toJSON(): EvaluationReportData<I, O, M> {
    return toJsonSafe({
      name: this.name,
      cases: this.cases,
      failures: this.failures,
      cancelled: this.cancelled,
      ...(this.interrupted ? { interrupted: true } : {}),
      ...(this.repeated ? { statistics: this.statistics() } : {}),
      ...(this.experimentMetadata === undefined ? {} : { experimentMetadata: this.experimentMetadata }),
    }) as EvaluationReportData<I, O, M>;
  }

  /** Rebuilds a report from `toJSON()` output (e.g. a `--baseline` file). */
  static fromJSON<I = unknown, O = unknown, M = unknown>(data: EvaluationReportData<I, O, M> | string): EvaluationReport<I, O, M> {
    const d = (typeof data === 'string' ? JSON.parse(data) : data) as EvaluationReportData<I, O, M>;
    if (typeof d !== 'object' || d === null || typeof d.name !== 'string' || !Array.isArray(d.cases)) {
      throw new TypeError('Not an evaluation report: expected an object with `name` and `cases`');
    }
    return new EvaluationReport<I, O, M>({
      name: d.name,
      cases: d.cases,
      failures: d.failures ?? [],
      cancelled: d.cancelled ?? [],
      interrupted: d.interrupted ?? false,
      ...(d.experimentMetadata === undefined ? {} : { experimentMetadata: d.experimentMetadata }),
    });
  }
}
