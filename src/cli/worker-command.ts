/**
 * `rehearse worker`: joins distributed eval runs (`rehearse eval --workers N`) by draining the
 * `rehearse-eval` DBOS queue, from this machine or any other with the same checkout. Stops on
 * SIGINT / SIGTERM; cases it was running are resumed on the other workers.
 */
import type { Command } from 'commander';
import type { CliCommand, CliContext } from './command.js';
import { UsageError } from './load-suites.js';
import { parsePositiveInt } from './parse.js';

/** Options of `rehearse worker` after parsing. */
export interface WorkerCommandOptions {
  databaseUrl?: string;
  executorId?: string;
  concurrency?: number;
  poolSize?: number;
}

/** Runs a worker until the context's signal aborts; resolves to the exit code. */
export async function runWorkerCommand(opts: WorkerCommandOptions, ctx: CliContext): Promise<number> {
  const { resolveSystemDatabaseUrl, runWorker } = await import('../dbos/index.js');
  const databaseUrl = resolveSystemDatabaseUrl(opts.databaseUrl);
  if (databaseUrl === undefined) throw new UsageError('worker: give --database-url or set DATABASE_URL (the URL of the coordinator’s PostgreSQL)');
  await runWorker({
    databaseUrl,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(opts.executorId !== undefined ? { executorID: opts.executorId } : {}),
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.poolSize !== undefined ? { poolSize: opts.poolSize } : {}),
    onReady: (id) => {
      ctx.err(`rehearse worker ${id} ready\n`);
      // a coordinator that started this worker (rehearse eval --workers) listens on the IPC channel
      process.send?.({ kind: 'rehearse-worker-ready', executorID: id });
    },
  });
  return 0;
}

/** The `worker` command's definition. */
export const workerCommand: CliCommand = {
  register(program: Command, ctx: CliContext) {
    program
      .command('worker')
      .description('drain the queue of distributed eval runs (rehearse eval --workers) until stopped')
      .option('--database-url <url>', 'PostgreSQL of the run (default: DATABASE_URL)')
      .option('--executor-id <id>', 'DBOS executor id (default: hostname-pid)')
      .option('--concurrency <n>', 'cases run at once (default: the run’s setting)', parsePositiveInt)
      .option('--pool-size <n>', 'database connections of this worker (default 10)', parsePositiveInt)
      .action(async (opts: WorkerCommandOptions) => {
        ctx.setExitCode(await runWorkerCommand(opts, ctx));
      });
  },
};
