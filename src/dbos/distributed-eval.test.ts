/**
 * Distributed evals against a real PostgreSQL started by this file: cases run as durable
 * workflows on worker processes; the report equals a local run's; a worker SIGKILLed mid-run
 * leaves its cases to the others, each case reported exactly once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvalSuite, EvaluationReport } from '../evals/index.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import type { EmbeddedPostgres } from './embedded-postgres.js';
import { evaluateOnWorkers } from './eval-coordinator.js';
import type { DistributedSuite, LocalWorker } from './eval-coordinator.js';
import { checkConnectionBudget } from './pg-admin.js';
import { slow, sums, unnamed } from './test-helpers/sample-suites.js';

const FILE = fileURLToPath(new URL('./test-helpers/sample-suites.ts', import.meta.url));

/** A report's JSON without what legitimately differs between runs and processes: durations, trace ids, stack traces. */
function comparable(r: EvaluationReport): unknown {
  return JSON.parse(JSON.stringify(r.toJSON(), (k, v: unknown) => (/Duration|^traceId$|^spanId$|^errorStacktrace$/.test(k) ? undefined : v)));
}

let pg: EmbeddedPostgres;
let dir: string;
beforeAll(async () => {
  [pg, dir] = await Promise.all([startEmbeddedPostgres({ maxConnections: 100 }), mkdtemp(join(tmpdir(), 'rehearse-dist-'))]);
}, 120_000);
afterAll(async () => {
  await Promise.all([pg?.stop(), dir ? rm(dir, { recursive: true, force: true }) : undefined]);
}, 60_000);

describe('evaluateOnWorkers', () => {
  it('runs every case × repeat once on 2 workers; the reports equal local runs (durations aside)', async () => {
    const suites: DistributedSuite[] = [
      { file: FILE, exportName: 'sums', suite: sums as unknown as EvalSuite },
      { file: FILE, exportName: 'unnamed', suite: unnamed as unknown as EvalSuite },
    ];
    const local = [await sums.dataset.evaluate(sums.task, { ...sums.options, name: 'sums' }), await unnamed.dataset.evaluate(unnamed.task, { name: 'unnamed' })];
    const seen: string[] = [];
    const reports = await evaluateOnWorkers(suites, { workers: 2, databaseUrl: pg.url, runId: 'equal', poolSize: 5, onCaseDone: (s, row) => seen.push(`${s}/${row.name}`) });
    expect(reports.map(comparable)).toEqual(local.map(comparable));
    expect(reports[0]!.cases).toHaveLength(14);
    expect(reports[0]!.failures.map((f) => f.name)).toEqual(['sum 5 [1/2]', 'sum 5 [2/2]']);
    expect(reports[1]!.cases.map((c) => c.name)).toEqual(['Case 1', 'Case 2']);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(18);
  }, 300_000);

  it('a worker SIGKILLed mid-run: its cases finish on the others, each reported exactly once', async () => {
    const marker = join(dir, 'executions.log');
    process.env['SAMPLE_TASK_MS'] = '400';
    process.env['SAMPLE_MARKER'] = marker;
    process.env['SAMPLE_LONG_A'] = '105';
    const workers: LocalWorker[] = [];
    const resumed: string[] = [];
    let killed = false;
    let victim = '';
    // whichever worker starts the long case 'slow 5' is killed while it runs it
    const watch = setInterval(() => {
      if (killed || !existsSync(marker)) return;
      const line = readFileSync(marker, 'utf8').split('\n').find((l) => l.startsWith('105+1 '));
      const w = line && workers.find((x) => x.process.pid === Number(line.split(' ')[1]));
      if (!w) return;
      killed = true;
      victim = w.executorId;
      w.process.kill('SIGKILL');
    }, 20);
    try {
      const [report] = await evaluateOnWorkers([{ file: FILE, exportName: 'slow', suite: slow as unknown as EvalSuite }], {
        workers: 3,
        databaseUrl: pg.url,
        runId: 'dead',
        poolSize: 5,
        workerConcurrency: 3,
        onWorkerStart: (w) => workers.push(w),
        onResume: (ex, ids) => resumed.push(...ids.map((id) => `${ex} ${id}`)),
      });
      expect(killed).toBe(true);
      expect(report!.cases.map((c) => c.name)).toEqual(slow.dataset.cases.map((c) => c.name));
      expect(report!.failures).toEqual([]);
      expect(report!.cases.every((c) => c.output === c.expectedOutput)).toBe(true);
      // the dead worker's pending cases were resumed on the others
      expect(resumed).toContain(`${victim} dead/slow/5/1`);
      expect(resumed.every((r) => r.startsWith(`${victim} `))).toBe(true);
      // some cases ran twice (killed mid-task), yet each is counted once
      const executions = (await readFile(marker, 'utf8')).trim().split('\n').map((l) => l.split(' ')[0]);
      expect(executions.length).toBeGreaterThanOrEqual(25);
      expect(executions.filter((e) => e === '105+1').length).toBeGreaterThanOrEqual(2);
      expect(new Set(executions).size).toBe(24);
    } finally {
      clearInterval(watch);
      delete process.env['SAMPLE_LONG_A'];
      delete process.env['SAMPLE_TASK_MS'];
      delete process.env['SAMPLE_MARKER'];
    }
  }, 300_000);

  it('refuses a pool budget over max_connections with a clear error', () => {
    expect(() => checkConnectionBudget({ workers: 10, poolSize: 10, coordinatorPool: 4, maxConnections: 100 })).toThrow(
      /10 workers × pool size 10 \+ 4 for the coordinator = 104 connections, but the server allows 100/,
    );
    expect(() => checkConnectionBudget({ workers: 9, poolSize: 10, coordinatorPool: 4, maxConnections: 100 })).not.toThrow();
  });
});
