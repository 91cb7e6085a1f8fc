/** What every `rehearse` subcommand gets, and the shape of a subcommand. */
import type { Command } from 'commander';
import type { EvalRun } from './eval-run.js';

/** Where a command writes, resolves paths, and reports its exit code. */
export interface CliContext {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
  /** Aborted on Ctrl-C (the bin wires it). */
  signal?: AbortSignal;
  /** ANSI colours in printed tables. */
  color: boolean;
  setExitCode(code: number): void;
  /** Called with an eval run once its suites are loaded (the bin keeps it to finish synchronously on a second signal). */
  onRun?: (run: EvalRun) => void;
}

/**
 * A subcommand. To add one, write a `CliCommand` and list it in `COMMANDS` (main.ts); it
 * registers itself (name, arguments, options, action) on the commander program.
 */
export interface CliCommand {
  register(program: Command, ctx: CliContext): void;
}
