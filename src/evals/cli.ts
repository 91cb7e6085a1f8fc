/**
 * `rehearse eval [paths...]`: runs the suites exported from `*.eval.ts` files, prints each
 * report and exits 0 (all passed), 1 (a failed assertion, task or evaluator failure, or a missed
 * threshold), 2 (usage or load error), 130 (interrupted with Ctrl-C).
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { registerCassetteCommands } from '../testing/index.js';
import { isEvalSuite, type EvalSuite, type EvalThresholds } from './define-eval.js';
import { reportsToJUnitXml } from './junit.js';
import { EvaluationReport, type EvaluationReportData } from './report.js';

/** Where `main` writes and resolves paths; defaults to the process's. */
export interface CliIO {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  cwd?: string;
  /** Aborts the run (the bin wires Ctrl-C to it). */
  signal?: AbortSignal;
  /** ANSI colors in the printed tables; default: stdout is a TTY. */
  color?: boolean;
}

class UsageError extends Error {
  override readonly name = 'UsageError' as const;
}

function parseRate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}

function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

async function findEvalFiles(target: string): Promise<string[]> {
  let s;
  try {
    s = await stat(target);
  } catch {
    throw new UsageError(`${target}: no such file or directory`);
  }
  if (s.isFile()) return [target];
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.name.endsWith('.eval.ts')) out.push(p);
    }
  };
  await walk(target);
  return out;
}

/** Checks a report against thresholds; returns the reasons it fails (empty when it passes). */
export function checkReport(report: EvaluationReport, thresholds: EvalThresholds): string[] {
  const problems: string[] = [];
  if (report.failures.length) problems.push(`${report.failures.length} case(s) failed with an error`);
  const evaluatorFailures = report.cases.reduce((s, c) => s + c.evaluatorFailures.length, 0);
  if (evaluatorFailures) problems.push(`${evaluatorFailures} evaluator failure(s)`);
  const avg = report.averages();
  if (thresholds.minPassRate !== undefined) {
    const rate = avg?.assertions;
    if (rate !== undefined && rate < thresholds.minPassRate) {
      problems.push(`assertion pass rate ${(rate * 100).toFixed(1)}% is below ${(thresholds.minPassRate * 100).toFixed(1)}%`);
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
  return problems;
}

/** The file format of `--json` (and `--baseline`). */
export interface EvalRunJson {
  reports: EvaluationReportData[];
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
 * Runs the CLI with `argv` (without the node and script paths, e.g. `['eval', 'evals/']`) and
 * resolves to the exit code. Never calls `process.exit`.
 */
export async function main(argv: readonly string[], io: CliIO = {}): Promise<number> {
  const out = io.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = io.stderr ?? ((t: string) => void process.stderr.write(t));
  const cwd = io.cwd ?? process.cwd();
  let exitCode = 0;
  const program = new Command('rehearse')
    .description('rehearse: test agents without API keys')
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });
  program
    .command('eval')
    .description('run the eval suites (defineEval exports) in *.eval.ts files')
    .argument('[paths...]', 'files or directories to search for *.eval.ts', ['evals/'])
    .option('--json <file>', 'write the reports as JSON')
    .option('--junit <file>', 'write JUnit XML')
    .option('--baseline <file>', 'compare with reports from an earlier --json run')
    .option('--min-score <n>', 'fail when an average score is below n', parseRate)
    .option('--min-pass-rate <rate>', 'fail when the assertion pass rate (0..1) is below rate', parseRate)
    .option('--max-concurrency <n>', 'cases run at once per suite (default: the suite option, else unlimited)', parsePositiveInt)
    .option('--include-input', 'show inputs in the tables')
    .option('--include-output', 'show outputs in the tables')
    .option('--include-reasons', 'show evaluator reasons')
    .option('--include-trajectory', 'show recorded tool calls')
    .action(async (paths: string[], opts: {
      json?: string; junit?: string; baseline?: string; minScore?: number; minPassRate?: number; maxConcurrency?: number;
      includeInput?: boolean; includeOutput?: boolean; includeReasons?: boolean; includeTrajectory?: boolean;
    }) => {
      exitCode = await runEvalCommand(paths, opts, { out, err, cwd, ...(io.signal ? { signal: io.signal } : {}), color: io.color ?? !!process.stdout.isTTY });
    });
  registerCassetteCommands(program, { stdout: out, stderr: err }, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UsageError) {
      err(`rehearse eval: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  return exitCode;
}

async function runEvalCommand(
  paths: string[],
  opts: {
    json?: string; junit?: string; baseline?: string; minScore?: number; minPassRate?: number; maxConcurrency?: number;
    includeInput?: boolean; includeOutput?: boolean; includeReasons?: boolean; includeTrajectory?: boolean;
  },
  ctx: { out: (t: string) => void; err: (t: string) => void; cwd: string; signal?: AbortSignal; color: boolean },
): Promise<number> {
  const files: string[] = [];
  for (const p of paths) files.push(...(await findEvalFiles(path.resolve(ctx.cwd, p))));
  if (!files.length) throw new UsageError(`no *.eval.ts files found in ${paths.join(', ')}`);
  const baseline = opts.baseline ? readBaseline(await readFile(path.resolve(ctx.cwd, opts.baseline), 'utf8').catch(() => {
    throw new UsageError(`${opts.baseline}: cannot read the baseline file`);
  }), opts.baseline) : undefined;

  const suites: { file: string; exportName: string; suite: EvalSuite }[] = [];
  for (const file of files) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      throw new UsageError(`failed to load ${path.relative(ctx.cwd, file) || file}: ${(error as Error).message}`);
    }
    const found = Object.entries(mod).filter(([, v]) => isEvalSuite(v));
    if (!found.length) throw new UsageError(`${path.relative(ctx.cwd, file) || file} exports no suites made with defineEval`);
    for (const [exportName, suite] of found) suites.push({ file, exportName, suite: suite as EvalSuite });
  }

  const reports: EvaluationReport[] = [];
  let failed = false;
  let interrupted = false;
  for (const { file, exportName, suite } of suites) {
    if (ctx.signal?.aborted) {
      interrupted = true;
      break;
    }
    const name = suite.options.name ?? suite.dataset.name ?? exportName;
    let report: EvaluationReport;
    try {
      report = await suite.dataset.evaluate(suite.task, {
        progress: true,
        ...suite.options,
        name,
        ...(opts.maxConcurrency ? { maxConcurrency: opts.maxConcurrency } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
    } catch (error) {
      ctx.err(`rehearse eval: suite '${exportName}' in ${path.relative(ctx.cwd, file)} could not run: ${(error as Error).message}\n`);
      failed = true;
      continue;
    }
    reports.push(report);
    if (report.interrupted) interrupted = true;
    ctx.out(`${report.render({
      color: ctx.color,
      includeInput: !!opts.includeInput,
      includeOutput: !!opts.includeOutput,
      includeReasons: !!opts.includeReasons,
      includeTrajectory: !!opts.includeTrajectory,
      ...(baseline?.get(report.name) ? { baseline: baseline.get(report.name)!, includeRemovedCases: true } : {}),
    })}\n`);
    const thresholds: EvalThresholds = {
      ...(opts.minScore !== undefined ? { minScore: opts.minScore } : {}),
      ...(opts.minPassRate !== undefined ? { minPassRate: opts.minPassRate } : {}),
      ...suite.thresholds,
    };
    const problems = checkReport(report, thresholds);
    if (problems.length) {
      failed = true;
      ctx.out(`✗ ${report.name}: ${problems.join('; ')}\n\n`);
    } else ctx.out(`✔ ${report.name}: passed\n\n`);
  }
  if (opts.json) {
    const data: EvalRunJson = { reports: reports.map((r) => r.toJSON() as EvaluationReportData) };
    await writeFile(path.resolve(ctx.cwd, opts.json), `${JSON.stringify(data, null, 2)}\n`);
  }
  if (opts.junit) await writeFile(path.resolve(ctx.cwd, opts.junit), reportsToJUnitXml(reports));
  if (interrupted) {
    ctx.err('rehearse eval: interrupted; the reports above are partial\n');
    return 130;
  }
  return failed ? 1 : 0;
}
