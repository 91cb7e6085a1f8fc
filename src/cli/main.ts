/**
 * The `rehearse` command: `eval` (src/cli/eval-command.ts) and the cassette commands (from
 * src/testing's cassette CLI). Commands are listed in `COMMANDS`; adding one is one entry.
 */
import { createRequire } from 'node:module';
import { CommanderError } from 'commander';
import { Command } from 'commander';
import type { CliCommand, CliContext } from './command.js';
import { evalCommand } from './eval-command.js';
import type { EvalRun } from './eval-run.js';
import { UsageError } from './load-suites.js';
import { workerCommand } from './worker-command.js';

/** Where `main` writes and resolves paths; defaults to the process's. */
export interface CliIO {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  cwd?: string;
  /** Aborts the run (the bin wires Ctrl-C to it). */
  signal?: AbortSignal;
  /** ANSI colours in the printed tables; default: stdout is a TTY. */
  color?: boolean;
  /** Receives an eval run once its suites are loaded (see `EvalRun.finish`). */
  onRun?: (run: EvalRun) => void;
}

/**
 * `rehearse cassette …`, handed whole to src/testing's cassette CLI, which is loaded only when
 * this command runs (it pulls in the cassette machinery).
 */
const cassetteCommands: CliCommand = {
  register(program, ctx) {
    program
      .command('cassette')
      .description('inspect and check recorded HTTP cassettes (cassette inspect <file>, cassette redact-check <dir>)')
      .helpOption(false)
      .allowUnknownOption()
      .allowExcessArguments()
      .passThroughOptions()
      .argument('[args...]')
      .action(async (args: string[]) => {
        const { runCassetteCli } = await import('../testing/cassette/cli.js');
        ctx.setExitCode(await runCassetteCli(['cassette', ...args], { stdout: ctx.out, stderr: ctx.err }));
      });
  },
};

/** Every subcommand, in help order. */
export const COMMANDS: CliCommand[] = [evalCommand, workerCommand, cassetteCommands];

/** The package version (`rehearse --version`). */
export function packageVersion(): string {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
  return pkg.version;
}

/**
 * Runs the CLI with `argv` (without the node and script paths, e.g. `['eval', 'evals/']`) and
 * resolves to the exit code. Never calls `process.exit`.
 */
export async function main(argv: readonly string[], io: CliIO = {}): Promise<number> {
  const out = io.stdout ?? ((t: string) => void process.stdout.write(t));
  const err = io.stderr ?? ((t: string) => void process.stderr.write(t));
  let exitCode = 0;
  const ctx: CliContext = {
    out,
    err,
    cwd: io.cwd ?? process.cwd(),
    color: io.color ?? !!process.stdout.isTTY,
    setExitCode: (code) => {
      exitCode = code;
    },
    ...(io.signal ? { signal: io.signal } : {}),
    ...(io.onRun ? { onRun: io.onRun } : {}),
  };
  const program = new Command('rehearse')
    .description('rehearse: test agents without API keys')
    .version(packageVersion(), '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: out, writeErr: err });
  for (const c of COMMANDS) c.register(program, ctx);
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
