/**
 * `rehearse eval --workers N` against a PostgreSQL started by this test: the --json output
 * equals a local `rehearse eval` of the same file (durations, trace ids and stacks aside).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../dbos/index.js';
import type { EmbeddedPostgres } from '../dbos/index.js';
import { main } from './main.js';

const FILE = fileURLToPath(new URL('../dbos/test-helpers/sample-suites.ts', import.meta.url));

let pg: EmbeddedPostgres;
let dir: string;
beforeAll(async () => {
  [pg, dir] = await Promise.all([startEmbeddedPostgres({ maxConnections: 60 }), mkdtemp(join(tmpdir(), 'rehearse-cli-workers-'))]);
}, 120_000);
afterAll(async () => {
  await Promise.all([pg?.stop(), dir ? rm(dir, { recursive: true, force: true }) : undefined]);
}, 60_000);

async function reports(file: string): Promise<unknown> {
  const data = JSON.parse(await readFile(file, 'utf8'), (k, v: unknown) => (/Duration|^traceId$|^spanId$|^errorStacktrace$/.test(k) ? undefined : v)) as { reports: unknown[] };
  return data.reports;
}

describe('rehearse eval --workers', () => {
  it('writes the same reports as a local run; rehearse worker is what the local workers run', async () => {
    const out: string[] = [];
    const io = { stdout: (t: string) => void out.push(t), stderr: () => undefined, color: false };
    const local = join(dir, 'local.json');
    const distributed = join(dir, 'distributed.json');
    const codeLocal = await main(['eval', FILE, '--json', local], io);
    const code = await main(['eval', FILE, '--workers', '2', '--database-url', pg.url, '--pool-size', '4', '--json', distributed], io);
    expect(code).toBe(codeLocal);
    expect(code).toBe(1); // the sample suites have a wrong answer and a throwing case
    expect(await reports(distributed)).toEqual(await reports(local));
    expect(out.join('')).toContain('✗ sums:');
  }, 300_000);

  it('worker without a database URL is a usage error', async () => {
    const err: string[] = [];
    const saved = process.env['DATABASE_URL'];
    delete process.env['DATABASE_URL'];
    const code = await main(['worker'], { stderr: (t) => void err.push(t), stdout: () => undefined }).finally(() => {
      if (saved !== undefined) process.env['DATABASE_URL'] = saved;
    });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/--database-url/);
  });
});
