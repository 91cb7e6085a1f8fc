/**
 * The coordinator of a distributed eval run (`rehearse eval --workers N`): enqueues one
 * durable workflow per case × repeat on the `rehearse-eval` queue, starts N local worker
 * processes (others may join with `rehearse worker`), resumes the pending workflows of dead
 * workers on the survivors (DBOS has no heartbeat of its own), and assembles one report per
 * suite equal to a local run's, every case exactly once.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { DBOS, DBOSClient } from '@dbos-inc/dbos-sdk';
import pLimit from 'p-limit';
import { UserError } from '../runtime/index.js';
import { EvaluationReport } from '../evals/index.js';
import type { EvalSuite, ReportCase, ReportCaseFailure } from '../evals/index.js';
import { EVAL_APP_VERSION, EVAL_CASE_WORKFLOW, EVAL_QUEUE } from './eval-case.js';
import type { EvalCaseInput, EvalCaseOutput } from './eval-case.js';
import { EVAL_APP_NAME } from './eval-worker.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import type { EmbeddedPostgres } from './embedded-postgres.js';
import { resolveSystemDatabaseUrl } from './launch.js';
import { HeartbeatReader, checkConnectionBudget, serverMaxConnections } from './pg-admin.js';

/** A suite to run, with where workers find it. */
export interface DistributedSuite {
  /** The suite's file, absolute or relative to the workers' working directory. */
  file: string;
  /** Its named export. */
  exportName: string;
  suite: EvalSuite;
  /** Report name. Default: the suite's `options.name`, else its dataset's name, else `exportName`. */
  name?: string;
  /** Runs per case. Default: the suite's `options.repeat`, else 1. */
  repeat?: number;
}

/** A local worker process the coordinator started. */
export interface LocalWorker {
  executorId: string;
  process: ChildProcess;
}

/** Options of `evaluateOnWorkers`. */
export interface DistributedEvalOptions {
  /** Local worker processes to start; 0 relies on workers started elsewhere. */
  workers: number;
  /** PostgreSQL URL. Default `DATABASE_URL`, else an embedded server for the run. */
  databaseUrl?: string;
  /** Identifies the run: workflow ids are `{runId}/{exportName}/{case}/{repeat}`. Default: a random UUID. Reusing one resumes that run. */
  runId?: string;
  /** Cases each worker runs at once. Default 10. */
  workerConcurrency?: number;
  /** Minimum milliseconds between a worker's queue polls (DBOS `minPollingIntervalMs`). Default 200. */
  pollingIntervalMs?: number;
  /** Database connections per worker. Default 10. */
  poolSize?: number;
  /** Milliseconds without a heartbeat after which a worker counts as dead. Default 5000. */
  deadAfterMs?: number;
  /** Working directory of local workers. Default `process.cwd()`. */
  cwd?: string;
  /** How to start a local worker: command and arguments before `--database-url …` (`rehearse worker`'s). Default: `rehearse worker` of the rehearse package resolved from `cwd`. */
  workerCommand?: { command: string; args: string[] };
  /** Called after each case's result arrives. */
  onCaseDone?: (suite: string, row: ReportCase | ReportCaseFailure, done: number, total: number) => void;
  /** Called once every local worker is ready to dequeue (before the cases are enqueued). */
  onWorkersReady?: () => void;
  /** Milliseconds to wait for local workers to be ready. Default 120000. */
  workerStartTimeoutMs?: number;
  /** Called when a local worker has started. */
  onWorkerStart?: (worker: LocalWorker) => void;
  /** Called with the ids of workflows resumed because their executor died. */
  onResume?: (executorId: string, workflowIds: string[]) => void;
}

interface Planned {
  suiteIndex: number;
  workflowId: string;
  input: EvalCaseInput;
}

const COORDINATOR_POOL = 4;

/**
 * `rehearse worker` of the rehearse package seen from `cwd`: its sources through tsx in a
 * checkout, else its built bin.
 * @throws UserError when rehearse cannot be resolved from `cwd`.
 */
function defaultWorkerCommand(cwd: string): { command: string; args: string[] } {
  let dir: string;
  try {
    dir = path.dirname(createRequire(path.join(cwd, 'noop.js')).resolve('rehearse/package.json'));
  } catch {
    throw new UserError(`cannot find the rehearse package from ${cwd} to start workers: pass workerCommand`);
  }
  const src = path.join(dir, 'src', 'cli', 'bin.ts');
  if (existsSync(src)) return { command: process.execPath, args: ['--import', 'tsx', src, 'worker'] };
  return { command: process.execPath, args: [path.join(dir, 'dist', 'cli', 'bin.js'), 'worker'] };
}

/** The URL with its password masked, for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<database url>';
  }
}

function suiteReportName(s: DistributedSuite): string {
  return s.name ?? s.suite.options.name ?? s.suite.dataset.name ?? s.exportName;
}

/** Plans the workflows of a run, in the order a local run reports its cases. */
export function planWorkflows(suites: readonly DistributedSuite[], runId: string): Planned[] {
  const planned: Planned[] = [];
  suites.forEach((s, suiteIndex) => {
    const repeat = s.repeat ?? s.suite.options.repeat ?? 1;
    const reportName = suiteReportName(s);
    s.suite.dataset.cases.forEach((_c, caseIndex) => {
      for (let r = 1; r <= repeat; r++) {
        planned.push({
          suiteIndex,
          workflowId: `${runId}/${s.exportName}/${caseIndex}/${r}`,
          input: { file: s.file, exportName: s.exportName, reportName, caseIndex, repeatIndex: r, repeat },
        });
      }
    });
  });
  return planned;
}

/**
 * Runs the suites' cases on workers and returns one report per suite, in order: cases in the
 * local runner's order, each exactly once (results are keyed by workflow id). Durations and
 * trace ids differ from a local run's; everything else is the same.
 *
 * @throws UserError when the connection budget does not fit `max_connections`, or when every
 *   worker is gone with cases left; Error when a case's workflow itself failed (e.g. its suite
 *   file could not be loaded on a worker).
 */
export async function evaluateOnWorkers(suites: readonly DistributedSuite[], options: DistributedEvalOptions): Promise<EvaluationReport[]> {
  const workers = options.workers;
  const poolSize = options.poolSize ?? 10;
  const concurrency = options.workerConcurrency ?? 10;
  const runId = options.runId ?? randomUUID();
  const deadAfterMs = options.deadAfterMs ?? 5000;
  let url = resolveSystemDatabaseUrl(options.databaseUrl);
  let embedded: EmbeddedPostgres | undefined;
  if (url === undefined) {
    embedded = await startEmbeddedPostgres({ maxConnections: Math.max(100, workers * poolSize + COORDINATOR_POOL + 20) });
    url = embedded.url;
  }
  const children: LocalWorker[] = [];
  const dead = new Set<string>();
  let client: DBOSClient | undefined;
  let beats: HeartbeatReader | undefined;
  try {
    checkConnectionBudget({ workers, poolSize, coordinatorPool: COORDINATOR_POOL, maxConnections: await serverMaxConnections(url) });
    await DBOS.migrate(url);
    beats = await HeartbeatReader.open(url);
    client = await DBOSClient.create({ systemDatabaseUrl: url, applicationName: EVAL_APP_NAME, systemDatabasePoolSize: COORDINATOR_POOL });
    await client.registerQueue(EVAL_QUEUE, { workerConcurrency: concurrency, minPollingIntervalMs: options.pollingIntervalMs ?? 200, onConflict: 'always_update' });

    const cmd = options.workerCommand ?? defaultWorkerCommand(options.cwd ?? process.cwd());
    const ready: Promise<void>[] = [];
    for (let i = 0; i < workers; i++) {
      const executorId = `${runId}-w${i + 1}`;
      const proc = spawn(cmd.command, [...cmd.args, '--database-url', url, '--executor-id', executorId, '--pool-size', String(poolSize)], {
        cwd: options.cwd ?? process.cwd(),
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      proc.on('exit', () => dead.add(executorId));
      ready.push(
        new Promise<void>((resolve, reject) => {
          proc.on('message', (m: { kind?: string }) => {
            if (m.kind === 'rehearse-worker-ready') resolve();
          });
          proc.on('exit', (code, sig) => reject(new Error(`local worker ${executorId} exited (${code ?? sig}) before it was ready`)));
        }),
      );
      const w = { executorId, process: proc };
      children.push(w);
      options.onWorkerStart?.(w);
    }

    let timer: NodeJS.Timeout | undefined;
    const timeoutMs = options.workerStartTimeoutMs ?? 120_000;
    await Promise.race([
      Promise.all(ready),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`local workers were not ready within ${timeoutMs} ms`)), timeoutMs))),
    ]).finally(() => clearTimeout(timer));
    options.onWorkersReady?.();

    const planned = planWorkflows(suites, runId);
    const c = client;
    const limit = pLimit(8);
    await Promise.all(
      planned.map((p) =>
        limit(() => c.enqueue({ queueName: EVAL_QUEUE, workflowName: EVAL_CASE_WORKFLOW, workflowID: p.workflowId, appVersion: EVAL_APP_VERSION }, p.input)),
      ),
    );
    const results = await collect(c, beats, url, planned, { workers, children, dead, deadAfterMs, options });
    return suites.map((s, suiteIndex) => {
      const rows = planned.filter((p) => p.suiteIndex === suiteIndex).map((p) => results.get(p.workflowId)!);
      return new EvaluationReport({
        name: suiteReportName(s),
        cases: rows.flatMap((r) => (r.kind === 'case' ? [r.row] : [])),
        failures: rows.flatMap((r) => (r.kind === 'failure' ? [r.row] : [])),
      });
    });
  } finally {
    await Promise.all(
      children.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.process.exitCode !== null || w.process.signalCode !== null) return resolve();
            w.process.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    );
    await client?.destroy();
    await beats?.close();
    await embedded?.stop();
  }
}

/** Polls for results until every planned workflow finished; resumes dead executors' pending work. */
async function collect(
  client: DBOSClient,
  beats: HeartbeatReader,
  url: string,
  planned: Planned[],
  ctx: { workers: number; children: LocalWorker[]; dead: Set<string>; deadAfterMs: number; options: DistributedEvalOptions },
): Promise<Map<string, EvalCaseOutput>> {
  const results = new Map<string, EvalCaseOutput>();
  const byId = new Map(planned.map((p) => [p.workflowId, p]));
  const suiteNames = new Map(planned.map((p) => [p.suiteIndex, p.input.reportName]));
  const resumed = new Set<string>();
  let lastLiveness = 0;
  const started = Date.now();
  while (results.size < planned.length) {
    const remaining = planned.filter((p) => !results.has(p.workflowId)).map((p) => p.workflowId);
    for (let i = 0; i < remaining.length; i += 500) {
      const done = await client.listWorkflows({ workflowIDs: remaining.slice(i, i + 500), status: ['SUCCESS', 'ERROR'], loadOutput: true, loadInput: false });
      for (const st of done) {
        if (results.has(st.workflowID)) continue;
        if (st.status === 'ERROR') {
          const err = st.error as { message?: string } | undefined;
          throw new Error(`distributed eval: workflow ${st.workflowID} failed: ${err?.message ?? String(st.error)}`);
        }
        const out = st.output as EvalCaseOutput;
        results.set(st.workflowID, out);
        const p = byId.get(st.workflowID)!;
        ctx.options.onCaseDone?.(suiteNames.get(p.suiteIndex)!, out.row, results.size, planned.length);
      }
    }
    if (results.size >= planned.length) break;
    if (Date.now() - lastLiveness > 1000 || ctx.dead.size > resumed.size) {
      lastLiveness = Date.now();
      await resumeDead(client, beats, url, remaining, ctx, resumed, started);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return results;
}

async function resumeDead(
  client: DBOSClient,
  heartbeats: HeartbeatReader,
  url: string,
  remaining: string[],
  ctx: { workers: number; children: LocalWorker[]; dead: Set<string>; deadAfterMs: number; options: DistributedEvalOptions },
  resumed: Set<string>,
  started: number,
): Promise<void> {
  const beats = await heartbeats.read();
  const now = Date.now();
  const alive = (id: string) => !ctx.dead.has(id) && (beats.get(id) ?? 0) > now - ctx.deadAfterMs;
  const pending: { workflowID: string; executorId?: string }[] = [];
  for (let i = 0; i < remaining.length; i += 500) {
    pending.push(...(await client.listWorkflows({ workflowIDs: remaining.slice(i, i + 500), status: 'PENDING', loadInput: false, loadOutput: false })));
  }
  const byExecutor = new Map<string, string[]>();
  for (const st of pending) {
    const ex = st.executorId ?? '';
    if (alive(ex)) continue;
    byExecutor.set(ex, [...(byExecutor.get(ex) ?? []), st.workflowID]);
  }
  for (const [ex, ids] of byExecutor) {
    await client.resumeWorkflows(ids, { queueName: EVAL_QUEUE });
    ctx.options.onResume?.(ex, ids);
  }
  for (const id of ctx.dead) resumed.add(id);
  const anyAlive = [...beats.keys()].some(alive);
  if (ctx.workers > 0 && !anyAlive && now - started > ctx.deadAfterMs && ctx.children.every((w) => ctx.dead.has(w.executorId))) {
    throw new UserError(`distributed eval: no worker is alive and ${remaining.length} case(s) are left; start workers with rehearse worker --database-url ${redactUrl(url)}`);
  }
}
