/**
 * An eval worker: a process that drains the `rehearse-eval` queue, running each case
 * workflow it dequeues (`rehearse worker`, or the local processes `--workers N` starts).
 */
import { hostname } from 'node:os';
import { DBOS } from '@dbos-inc/dbos-sdk';
import { EVAL_APP_VERSION, EVAL_QUEUE, registerEvalCaseWorkflow } from './eval-case.js';
import { launchDBOS } from './launch.js';
import { startHeartbeat } from './pg-admin.js';

/** DBOS application name of distributed evals (scopes their workflows and queue). */
export const EVAL_APP_NAME = 'rehearse-eval';

/** Options of `runWorker`. */
export interface WorkerOptions {
  /** PostgreSQL URL of the coordinator's system database. */
  databaseUrl: string;
  /** Executor id. Default `{hostname}-{pid}`. */
  executorID?: string;
  /** Cases this worker runs at once. Default: the queue's setting (the coordinator's `workerConcurrency`), else 10. */
  concurrency?: number;
  /** Connections in this worker's pool. Default 10. */
  poolSize?: number;
  /** Milliseconds between heartbeats. Default 1000. */
  heartbeatMs?: number;
  /** Stops the worker (after the cases it runs have been left to recovery). */
  signal?: AbortSignal;
  /** Called once the worker is ready to dequeue. */
  onReady?: (executorID: string) => void;
}

/**
 * Runs a worker until `signal` aborts. Pending cases of a worker that stops or dies are
 * resumed on the others by the coordinator (see `evaluateOnWorkers`).
 * @throws what `DBOS.launch` throws, e.g. an unreachable database.
 */
export async function runWorker(options: WorkerOptions): Promise<void> {
  const executorID = options.executorID ?? `${hostname()}-${process.pid}`;
  const poolSize = options.poolSize ?? 10;
  registerEvalCaseWorkflow();
  const heartbeat = await startHeartbeat(options.databaseUrl, executorID, options.heartbeatMs ?? 1000);
  let dbos: Awaited<ReturnType<typeof launchDBOS>> | undefined;
  try {
    dbos = await launchDBOS({
      name: EVAL_APP_NAME,
      systemDatabaseUrl: options.databaseUrl,
      executorID,
      applicationVersion: EVAL_APP_VERSION,
      systemDatabasePoolSize: poolSize,
      listenQueues: [EVAL_QUEUE],
    });
    await DBOS.registerQueue(EVAL_QUEUE, { workerConcurrency: options.concurrency ?? 10, minPollingIntervalMs: 200, onConflict: 'never_update' });
    options.onReady?.(executorID);
    await new Promise<void>((resolve) => {
      if (options.signal?.aborted) return resolve();
      options.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await dbos?.shutdown();
    await heartbeat.stop();
  }
}
