/**
 * One eval case × repeat as a DBOS workflow (`rehearse.evalCase`), run by worker processes
 * that drain the `rehearse-eval` queue. The workflow loads the suite from its file (the same
 * checkout on every worker), runs the case through the ordinary evals runner inside one step
 * (so a case whose result was recorded is never run again on recovery) and returns the
 * report row.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { UserError } from '../runtime/index.js';
import { Dataset, isEvalSuite } from '../evals/index.js';
import type { EvalSuite, ReportCase, ReportCaseFailure } from '../evals/index.js';

/** Queue the coordinator fills and workers drain. */
export const EVAL_QUEUE = 'rehearse-eval';
/** Workflow name of one case run. */
export const EVAL_CASE_WORKFLOW = 'rehearse.evalCase';
/**
 * Application version stamped on eval workflows. Pinned (not DBOS's source hash) so the
 * coordinator, local workers and remote workers agree, and so pending workflows of a dead
 * worker can be resumed by any other.
 */
export const EVAL_APP_VERSION = 'rehearse-eval-1';

/** Input of one `rehearse.evalCase` workflow. */
export interface EvalCaseInput {
  /** Suite file, absolute or relative to the worker's working directory. */
  file: string;
  /** Named export of the suite (`defineEval`). */
  exportName: string;
  /** Report name of the suite. */
  reportName: string;
  /** Index of the case in `dataset.cases`. */
  caseIndex: number;
  /** 1-based repeat number and the number of repeats. */
  repeatIndex: number;
  repeat: number;
}

/** Output of one case run: the report row, in the shape of a local run's. */
export type EvalCaseOutput = { kind: 'case'; row: ReportCase } | { kind: 'failure'; row: ReportCaseFailure };

const loaded = new Map<string, Promise<Record<string, unknown>>>();

/**
 * Loads the suite `exportName` from `file` (each file imported once per process).
 * @throws UserError naming the file when it cannot be imported or lacks the export.
 */
export async function loadSuite(file: string, exportName: string, cwd = process.cwd()): Promise<EvalSuite> {
  const abs = path.resolve(cwd, file);
  let mod = loaded.get(abs);
  if (!mod) {
    mod = import(pathToFileURL(abs).href) as Promise<Record<string, unknown>>;
    loaded.set(abs, mod);
  }
  let exports: Record<string, unknown>;
  try {
    exports = await mod;
  } catch (e) {
    loaded.delete(abs);
    throw new UserError(`cannot load eval suite file ${file}: ${(e as Error).message}`);
  }
  const suite = exports[exportName];
  if (!isEvalSuite(suite)) throw new UserError(`${file} has no suite exported as '${exportName}' (made with defineEval)`);
  return suite;
}

/** Report name of a case run, as the local runner names it. */
export function caseReportName(caseName: string, repeatIndex: number, repeat: number): string {
  return repeat > 1 ? `${caseName} [${repeatIndex}/${repeat}]` : caseName;
}

/** Runs one case of a suite in this process with the suite's evaluators and options. */
export async function runEvalCase(input: EvalCaseInput): Promise<EvalCaseOutput> {
  const suite = await loadSuite(input.file, input.exportName);
  const c = suite.dataset.cases[input.caseIndex];
  if (c === undefined) throw new UserError(`${input.file} '${input.exportName}' has no case #${input.caseIndex + 1}`);
  const caseName = c.name ?? `Case ${input.caseIndex + 1}`;
  const one = new Dataset({ name: input.reportName, cases: [c], evaluators: suite.dataset.evaluators });
  const { repeat: _r, maxConcurrency: _m, progress: _p, signal: _s, onCaseDone: _o, ...options } = suite.options;
  const report = await one.evaluate(suite.task, { ...options, name: input.reportName, progress: false });
  const name = caseReportName(caseName, input.repeatIndex, input.repeat);
  const fix = <T extends { name: string; sourceCaseName?: string }>(row: T): T => {
    const out = { ...row, name };
    if (input.repeat > 1) out.sourceCaseName = caseName;
    else delete out.sourceCaseName;
    return out;
  };
  if (report.cases[0]) return { kind: 'case', row: fix(report.cases[0]) };
  if (report.failures[0]) return { kind: 'failure', row: fix(report.failures[0]) };
  throw new Error(`rehearse: case ${name} of ${input.reportName} produced no result`);
}

let registered: ((input: EvalCaseInput) => Promise<EvalCaseOutput>) | undefined;

/**
 * Registers the `rehearse.evalCase` workflow and its step (once per process; before
 * `DBOS.launch()`). Returns the workflow function.
 */
export function registerEvalCaseWorkflow(): (input: EvalCaseInput) => Promise<EvalCaseOutput> {
  if (registered) return registered;
  const step = DBOS.registerStep(runEvalCase, { name: 'rehearse.evalCase.run' });
  registered = DBOS.registerWorkflow(async (input: EvalCaseInput) => step.call(undefined, input), { name: EVAL_CASE_WORKFLOW });
  return registered;
}
