/**
 * `rehearse eval [paths...]`: runs the suites exported from eval files, prints each report and
 * exits 0 (all passed), 1 (a failed assertion, task or evaluator failure, timeout, never-settled
 * case, regression or missed threshold), 2 (usage error, or a file failed to load: the other
 * suites still run), 130 (interrupted: partial reports printed and written).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { EvalSuite } from '../evals/define-eval.js';
import { EvaluationReport, type EvaluationReportData } from '../evals/report.js';
import type { EvaluateOptions } from '../evals/runner.js';
import { EvalRun, type EvalOutputOptions, type EvalRunJson } from './eval-run.js';
import { findEvalFiles, loadSuites, UsageError } from './load-suites.js';
import type { CliCommand, CliContext } from './command.js';
import { parseNumber, parsePositiveInt } from './parse.js';

/** An integer >= 0. */
function parseNonNegativeInt(value: string): number {
  return value === '0' ? 0 : parsePositiveInt(value);
}

/** Options of `rehearse eval` after parsing. */
export interface EvalCommandOptions extends EvalOutputOptions {
  baseline?: string;
  maxConcurrency?: number;
  timeout?: number;
  repeat?: number;
  /** Local worker processes: run the cases as durable workflows on a DBOS queue (src/dbos). */
  workers?: number;
  /** PostgreSQL of a distributed run (default: DATABASE_URL, else an embedded server). */
  databaseUrl?: string;
  /** Database connections per worker. */
  poolSize?: number;
}

/** How the coordinator starts a local worker: this CLI's own bin, `rehearse worker`. */
function localWorkerCommand(): { command: string; args: string[] } {
  const here = fileURLToPath(import.meta.url);
  const bin = path.join(path.dirname(here), here.endsWith('.ts') ? 'bin.ts' : 'bin.js');
  return { command: process.execPath, args: [...(bin.endsWith('.ts') ? ['--import', 'tsx'] : []), bin, 'worker'] };
}

/**
 * `--workers N`: every case × repeat of every suite as a durable workflow on N local worker
 * processes; the reports arrive together when all cases are done.
 */
async function runOnWorkers(named: { file: string; exportName: string; suite: EvalSuite; name: string; repeat: number }[], opts: EvalCommandOptions, ctx: CliContext, run: EvalRun): Promise<void> {
  if (opts.timeout) ctx.err('rehearse eval: --timeout is not applied with --workers (the suites’ own timeoutMs is)\n');
  const { evaluateOnWorkers } = await import('../dbos/index.js');
  const reports = await evaluateOnWorkers(
    named.map((s) => ({ file: s.file, exportName: s.exportName, suite: s.suite, name: s.name, repeat: s.repeat })),
    {
      workers: opts.workers ?? 0,
      cwd: ctx.cwd,
      workerCommand: localWorkerCommand(),
      ...(opts.databaseUrl !== undefined ? { databaseUrl: opts.databaseUrl } : {}),
      ...(opts.poolSize !== undefined ? { poolSize: opts.poolSize } : {}),
      ...(opts.maxConcurrency !== undefined ? { workerConcurrency: opts.maxConcurrency } : {}),
    },
  );
  reports.forEach((r, i) => run.done(i, r));
}

function readBaseline(text: string, file: string): Map<string, EvaluationReport> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const list = typeof data === 'object' && data !== null && Array.isArray((data as EvalRunJson).reports) ? (data as EvalRunJson).reports : [data];
  try {
    return new Map(
      (list as unknown[]).map((r) => {
        const report = EvaluationReport.fromJSON(r as EvaluationReportData);
        return [report.name, report] as const;
      }),
    );
  } catch (error) {
    throw new UsageError(`${file}: ${(error as Error).message}`);
  }
}

/**
 * How one suite is evaluated: by default in this process (`dataset.evaluate`). A distributed
 * runner (e.g. `--workers N`) passes its own, built from `runCase` / `assembleReport`; it must
 * honour `options.signal` and call `options.onStart` so Ctrl-C keeps its guarantees.
 */
export type SuiteEvaluator = (suite: EvalSuite, options: EvaluateOptions) => Promise<EvaluationReport>;

/** `dataset.evaluate(task, options)`. */
export const evaluateInProcess: SuiteEvaluator = (suite, options) => suite.dataset.evaluate(suite.task, options);

/** Runs the eval command; resolves to the exit code. */
export async function runEvalCommand(paths: string[], opts: EvalCommandOptions, ctx: CliContext, evaluateSuite: SuiteEvaluator = evaluateInProcess): Promise<number> {
  const files: string[] = [];
  for (const p of paths) files.push(...(await findEvalFiles(path.resolve(ctx.cwd, p))));
  if (!files.length) throw new UsageError(`no eval files (*.eval.{ts,mts,cts,js,mjs,cjs}) found in ${paths.join(', ')}`);
  let baseline: Map<string, EvaluationReport> | undefined;
  if (opts.baseline) {
    const file = opts.baseline;
    const text = await readFile(path.resolve(ctx.cwd, file), 'utf8').catch(() => {
      throw new UsageError(`${file}: cannot read the baseline file`);
    });
    baseline = readBaseline(text, file);
  }
  const { suites, errors } = await loadSuites(files, ctx.cwd);
  const named = suites.map((s) => ({
    ...s,
    name: s.suite.options.name ?? s.suite.dataset.name ?? s.exportName,
    repeat: opts.repeat ?? s.suite.options.repeat ?? 1,
  }));
  const run = new EvalRun(named, errors, opts, ctx, baseline);
  ctx.onRun?.(run);
  if (opts.workers !== undefined) {
    await runOnWorkers(named, opts, ctx, run);
    return run.finish(!!ctx.signal?.aborted);
  }
  let suiteError = false;
  for (const [index, { suite, name, repeat }] of named.entries()) {
    if (ctx.signal?.aborted) break;
    try {
      const report = await evaluateSuite(suite, {
        progress: true,
        ...suite.options,
        name,
        repeat,
        ...(opts.maxConcurrency ? { maxConcurrency: opts.maxConcurrency } : {}),
        ...(opts.timeout ? { timeoutMs: opts.timeout } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        onStart: (handle) => run.started(index, handle),
      });
      if (run.finished) break;
      run.done(index, report);
    } catch (error) {
      // options the runner rejects (e.g. a bad maxConcurrency): this suite fails, the others run
      ctx.err(`rehearse eval: suite '${name}' could not run: ${(error as Error).message}\n`);
      run.done(index, new EvaluationReport({ name }));
      suiteError = true;
    }
  }
  const code = run.finish(!!ctx.signal?.aborted);
  return suiteError && code === 0 ? 1 : code;
}

/** The `eval` command's definition. Add a flag here (and to `EvalCommandOptions`). */
export const evalCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    program
      .command('eval')
      .description('run the eval suites (defineEval exports) in *.eval.{ts,mts,cts,js,mjs,cjs} files')
      .argument('[paths...]', 'files or directories to search for eval files', ['evals/'])
      .option('--json <file>', 'write the reports as JSON (folders are created)')
      .option('--junit <file>', 'write JUnit XML (folders are created)')
      .option('--baseline <file>', 'compare with reports from an earlier --json run (Fisher exact test per case)')
      .option('--min-score <n>', 'fail when an average score is below n', parseNumber)
      .option('--min-pass-rate <rate>', 'fail when the assertion pass rate (0..1) is below rate', parseNumber)
      .option('--max-concurrency <n>', 'runs at once per suite (default: the suite option, else unlimited)', parsePositiveInt)
      .option('--timeout <ms>', 'fail a run still going after ms milliseconds and abort its task', parsePositiveInt)
      .option('--repeat <n>', 'run every case n times (default: the suite option, else 1)', parsePositiveInt)
      .option('--include-input', 'show inputs in the tables')
      .option('--include-output', 'show outputs in the tables')
      .option('--include-reasons', 'show evaluator reasons')
      .option('--include-trajectory', 'show recorded tool calls')
      .option('--include-runs', 'with repeats, also list every run')
      .option('--workers <n>', 'run the cases as durable workflows on n local worker processes (DBOS); 0: only workers started with rehearse worker', parseNonNegativeInt)
      .option('--database-url <url>', 'with --workers: PostgreSQL of the run (default: DATABASE_URL, else an embedded server)')
      .option('--pool-size <n>', 'with --workers: database connections per worker (default 10)', parsePositiveInt)
      .action(async (paths: string[], opts: EvalCommandOptions) => {
        ctx.setExitCode(await runEvalCommand(paths, opts, ctx));
      });
  },
};
