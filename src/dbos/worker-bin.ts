#!/usr/bin/env node
/**
 * `rehearse-worker` (until the `rehearse` CLI gains `rehearse worker`): joins a distributed
 * eval run from any machine with the same checkout.
 *
 *   rehearse-worker --database-url postgresql://… [--executor-id ID] [--concurrency N] [--pool-size N]
 *
 * Stops on SIGTERM / SIGINT. Exit codes: 0 stopped, 2 usage error, 1 failure.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { resolveSystemDatabaseUrl } from './launch.js';
import { runWorker } from './eval-worker.js';

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** Parses `argv` (without node and script) and runs a worker until a stop signal. Resolves to the exit code. */
export async function workerMain(argv: readonly string[]): Promise<number> {
  const program = new Command('rehearse-worker')
    .description('drain the rehearse-eval queue of a distributed eval run')
    .option('--database-url <url>', 'PostgreSQL of the run (default: DATABASE_URL)')
    .option('--executor-id <id>', 'executor id (default: hostname-pid)')
    .option('--concurrency <n>', 'cases run at once', positiveInt)
    .option('--pool-size <n>', 'database connections of this worker', positiveInt)
    .exitOverride();
  let opts: { databaseUrl?: string; executorId?: string; concurrency?: number; poolSize?: number };
  try {
    opts = program.parse([...argv], { from: 'user' }).opts();
  } catch (e) {
    return e instanceof CommanderError && e.exitCode === 0 ? 0 : 2;
  }
  const databaseUrl = resolveSystemDatabaseUrl(opts.databaseUrl);
  if (databaseUrl === undefined) {
    process.stderr.write('rehearse-worker: give --database-url or set DATABASE_URL (the coordinator prints it)\n');
    return 2;
  }
  const stop = new AbortController();
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => stop.abort());
  await runWorker({
    databaseUrl,
    signal: stop.signal,
    onReady: (id) => {
      process.stderr.write(`rehearse-worker ${id} ready\n`);
      // a coordinator that started this worker listens on the IPC channel
      process.send?.({ kind: 'rehearse-worker-ready', executorID: id });
    },
    ...(opts.executorId !== undefined ? { executorID: opts.executorId } : {}),
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.poolSize !== undefined ? { poolSize: opts.poolSize } : {}),
  });
  return 0;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  workerMain(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`rehearse-worker: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
