/**
 * Evals inside vitest tests, as LangSmith's and Mastra's vitest integrations do: a dataset is
 * evaluated in `it(...)`, and the test fails with the rendered report when the pass rate or a
 * score falls short of the thresholds (the same rules as `rehearse eval`: `checkReport`).
 */
import { it } from 'vitest';
import { checkReport } from '../evals/index.js';
import type { Dataset, EvalSuite, EvalThresholds, EvaluateOptions, EvaluationReport, RenderOptions, Task } from '../evals/index.js';

/** A suite for a vitest test: a `defineEval` suite, or its parts. */
export interface EvalTestSuite<I, O, M> {
  dataset: Dataset<I, O, M>;
  task: Task<I, O>;
  /** Options of `dataset.evaluate` (concurrency, repeats …). */
  options?: EvaluateOptions<I, O, M>;
  /** Pass/fail rules. Default `{}`: every case must run and every assertion pass. */
  thresholds?: EvalThresholds;
}

/** Options of {@link expectEval} and {@link evalTest}. */
export interface ExpectEvalOptions {
  /** How the report is rendered in the failure message. Default `{ includeReasons: true }`. */
  render?: RenderOptions;
  /** Print the report (to stdout) when the suite passes too. Default `false`. */
  printOnPass?: boolean;
}

/**
 * An eval inside a test missed its thresholds. `report` is the whole report; `problems` what fell
 * short. The message names the dataset (else the report), then the problems, then the report.
 */
export class EvalThresholdError extends Error {
  override readonly name = 'EvalThresholdError' as const;
  constructor(
    readonly report: EvaluationReport<any, any, any>,
    readonly problems: string[],
    rendered: string,
    suiteName: string = report.name,
  ) {
    super(`eval '${suiteName}' missed its thresholds: ${problems.join('; ')}\n\n${rendered}`);
  }
}

/**
 * Evaluates `suite` and checks its thresholds.
 * @returns the report when every threshold holds.
 * @throws EvalThresholdError (message: the problems, then the rendered report) when one does not.
 */
export async function expectEval<I, O, M>(suite: EvalSuite<I, O, M> | EvalTestSuite<I, O, M>, options: ExpectEvalOptions = {}): Promise<EvaluationReport<I, O, M>> {
  // named as `rehearse eval` names it: the suite's name option, else the dataset's name
  const report = await suite.dataset.evaluate(suite.task, { ...(suite.dataset.name ? { name: suite.dataset.name } : {}), ...suite.options });
  const problems = checkReport(report as EvaluationReport, suite.thresholds ?? {});
  const render = { includeReasons: true, ...options.render };
  if (problems.length > 0) throw new EvalThresholdError(report, problems, report.render(render), suite.dataset.name ?? report.name);
  if (options.printOnPass) report.print(render);
  return report;
}

/**
 * Registers a vitest test that runs `suite` with {@link expectEval}:
 * `evalTest('capitals', capitalsSuite, { timeout: 60_000 })`.
 */
export function evalTest<I, O, M>(name: string, suite: EvalSuite<I, O, M> | EvalTestSuite<I, O, M>, options: ExpectEvalOptions & { timeout?: number } = {}): void {
  it(name, async () => {
    await expectEval(suite, options);
  }, options.timeout);
}
