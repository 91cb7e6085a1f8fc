/**
 * Evaluation reports (pydantic-evals' `reporting/__init__.py`): per-case results, failures,
 * averages, repeat groups, rendering, JSON and JUnit output.
 */
import type { EvaluationResult, EvaluatorFailure } from './evaluator.js';
import { renderReport, type RenderOptions } from './render.js';
import { reportToJUnitXml, type JUnitOptions } from './junit.js';
import { averageAggregates, averageCases, type ReportCaseAggregate } from './aggregate.js';

/** One successfully executed case (its evaluators may still have failed). */
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

/** A case whose task (or lifecycle setup) threw. */
export interface ReportCaseFailure<I = unknown, O = unknown, M = unknown> {
  name: string;
  inputs: I;
  metadata?: M;
  expectedOutput?: O;
  /** `'{ErrorName}: {message}'`. */
  errorMessage: string;
  errorStacktrace: string;
  sourceCaseName?: string;
  traceId?: string;
  spanId?: string;
}

/** The runs of one case when a dataset is evaluated with `repeat > 1`. */
export interface ReportCaseGroup<I = unknown, O = unknown, M = unknown> {
  name: string;
  inputs: I;
  metadata?: M;
  expectedOutput?: O;
  runs: ReportCase<I, O, M>[];
  failures: ReportCaseFailure<I, O, M>[];
  summary: ReportCaseAggregate;
}

/** JSON form of an `EvaluationReport`. */
export interface EvaluationReportData<I = unknown, O = unknown, M = unknown> {
  name: string;
  cases: ReportCase<I, O, M>[];
  failures: ReportCaseFailure<I, O, M>[];
  /** Set when the run was aborted before every case was scheduled. */
  interrupted?: boolean;
}

/** The result of `dataset.evaluate(...)`. */
export class EvaluationReport<I = unknown, O = unknown, M = unknown> {
  readonly name: string;
  readonly cases: ReportCase<I, O, M>[];
  readonly failures: ReportCaseFailure<I, O, M>[];
  /** `true` when an abort stopped the run early; the report then holds the cases that ran. */
  readonly interrupted: boolean;

  constructor(init: { name: string; cases?: ReportCase<I, O, M>[]; failures?: ReportCaseFailure<I, O, M>[]; interrupted?: boolean }) {
    this.name = init.name;
    this.cases = init.cases ?? [];
    this.failures = init.failures ?? [];
    this.interrupted = init.interrupted ?? false;
  }

  /**
   * Groups repeated runs by source case; `undefined` for a single-run report
   * (no case has `sourceCaseName`).
   */
  caseGroups(): ReportCaseGroup<I, O, M>[] | undefined {
    if (!this.cases.some((c) => c.sourceCaseName) && !this.failures.some((f) => f.sourceCaseName)) return undefined;
    const groups = new Map<string, { runs: ReportCase<I, O, M>[]; failures: ReportCaseFailure<I, O, M>[] }>();
    const get = (k: string) => {
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { runs: [], failures: [] }));
      return g;
    };
    for (const c of this.cases) get(c.sourceCaseName ?? c.name).runs.push(c);
    for (const f of this.failures) get(f.sourceCaseName ?? f.name).failures.push(f);
    return [...groups].map(([name, { runs, failures }]) => {
      const first = (runs[0] ?? failures[0])!;
      return {
        name,
        inputs: first.inputs,
        ...(first.metadata === undefined ? {} : { metadata: first.metadata }),
        ...(first.expectedOutput === undefined ? {} : { expectedOutput: first.expectedOutput }),
        runs,
        failures,
        summary: averageCases(runs as ReportCase[]),
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

  toJSON(): EvaluationReportData<I, O, M> {
    return {
      name: this.name,
      cases: this.cases,
      failures: this.failures,
      ...(this.interrupted ? { interrupted: true } : {}),
    };
  }

  /** Rebuilds a report from `toJSON()` output (e.g. a `--baseline` file). */
  static fromJSON<I = unknown, O = unknown, M = unknown>(data: EvaluationReportData<I, O, M> | string): EvaluationReport<I, O, M> {
    const d = (typeof data === 'string' ? JSON.parse(data) : data) as EvaluationReportData<I, O, M>;
    if (typeof d !== 'object' || d === null || typeof d.name !== 'string' || !Array.isArray(d.cases)) {
      throw new TypeError('Not an evaluation report: expected an object with `name` and `cases`');
    }
    return new EvaluationReport<I, O, M>({ name: d.name, cases: d.cases, failures: d.failures ?? [], interrupted: d.interrupted ?? false });
  }
}
