/**
 * The suite `bench/dbos-scale.ts` spreads over workers: `DBOS_SCALE_CASES` cases (default 400)
 * whose task waits `DBOS_SCALE_TASK_MS` (default 500 ms, a model's latency) and returns its input.
 */
import { Case, Dataset, EqualsExpected, defineEval } from '../src/evals/index.js';

const N = Number(process.env['DBOS_SCALE_CASES'] ?? 400);
const TASK_MS = Number(process.env['DBOS_SCALE_TASK_MS'] ?? 500);

export const scale = defineEval({
  dataset: new Dataset<number, number>({
    name: 'dbos-scale',
    cases: Array.from({ length: N }, (_, i) => new Case({ name: `case-${i}`, inputs: i, expectedOutput: i })),
    evaluators: [new EqualsExpected()],
  }),
  task: async (i: number) => {
    await new Promise((r) => setTimeout(r, TASK_MS));
    return i;
  },
});
