import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Case } from './case.js';
import { EqualsExpected } from './evaluators/common.js';
import { runEvaluation } from './runner.js';

const strip = (r: { toJSON(): unknown }) => JSON.parse(JSON.stringify(r.toJSON(), (k, v: unknown) => (/Duration|^traceId$|^spanId$/.test(k) ? undefined : v))) as unknown;
const makeCase = (i: number) => new Case<number, number>({ name: `c${i}`, inputs: i, expectedOutput: i % 4 === 0 ? -1 : i });
const task = async (i: number) => {
  await new Promise((r) => setTimeout(r, i % 3));
  return i;
};

describe('runEvaluation with a lazy case source', () => {
  it('reports as from an array, never pulling more than one case ahead of the runs in flight', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 3 }), async (n, maxConcurrency, repeat) => {
        let pulled = 0;
        let finished = 0;
        let maxAhead = 0;
        function* cases() {
          for (let i = 0; i < n; i++) {
            pulled++;
            maxAhead = Math.max(maxAhead, pulled - Math.floor(finished / repeat));
            yield makeCase(i);
          }
        }
        const options = { name: 'lazy', maxConcurrency, repeat, onCaseDone: () => void finished++ };
        const evaluators = [new EqualsExpected()];
        const lazy = await runEvaluation({ cases: cases(), evaluators, task, options });
        const eager = await runEvaluation({ cases: Array.from({ length: n }, (_, i) => makeCase(i)), evaluators, task, options: { name: 'lazy', maxConcurrency, repeat } });
        expect(strip(lazy)).toEqual(strip(eager));
        expect(lazy.cases).toHaveLength(n * repeat);
        expect(maxAhead).toBeLessThanOrEqual(maxConcurrency + 1);
      }),
      { numRuns: 25 },
    );
  });

  it('lists the cases never pulled as not started when aborted', async () => {
    const controller = new AbortController();
    function* cases() {
      for (let i = 0; i < 50; i++) yield makeCase(i);
    }
    const report = await runEvaluation({
      cases: cases(),
      evaluators: [],
      task: async (i: number) => {
        if (i === 5) controller.abort();
        await new Promise((r) => setTimeout(r, 1));
        return i;
      },
      options: { maxConcurrency: 2, signal: controller.signal },
    });
    expect(report.interrupted).toBe(true);
    const names = [...report.cases, ...report.failures, ...report.cancelled].map((c) => c.name).sort();
    expect(names).toEqual(Array.from({ length: 50 }, (_, i) => `c${i}`).sort());
    expect(report.cancelled.filter((c) => c.reason === 'not-started').length).toBeGreaterThanOrEqual(40);
  });
});
