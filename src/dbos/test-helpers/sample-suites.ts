/**
 * Test-only eval suites for the distributed-eval tests (never shipped). The task sleeps
 * `SAMPLE_TASK_MS` (default 20 ms; 8 times that for the case whose `a` is `SAMPLE_LONG_A`) and, when `SAMPLE_MARKER` names a file, appends one line
 * per execution to it, `a+b pid` (so a test can count executions across processes and see
 * which process runs what).
 */
import { appendFileSync } from 'node:fs';
import { Case, Dataset, EqualsExpected, defineEval, setEvalAttribute, incrementEvalMetric } from '../../evals/index.js';

async function add(inputs: { a: number; b: number }): Promise<number> {
  const base = Number(process.env['SAMPLE_TASK_MS'] ?? 20);
  const long = inputs.a === Number(process.env['SAMPLE_LONG_A'] ?? NaN);
  const marker = process.env['SAMPLE_MARKER'];
  if (marker) appendFileSync(marker, `${inputs.a}+${inputs.b} ${process.pid}\n`);
  await new Promise((r) => setTimeout(r, long ? base * 8 : base));
  if (inputs.a === 5) throw new Error('five is not allowed');
  setEvalAttribute('pid-free', `${inputs.a}`);
  incrementEvalMetric('work', inputs.a + 1);
  return inputs.a === 3 ? -1 : inputs.a + inputs.b;
}

export const sums = defineEval({
  dataset: new Dataset<{ a: number; b: number }, number>({
    name: 'sums',
    cases: Array.from({ length: 8 }, (_, a) => new Case({ name: `sum ${a}`, inputs: { a, b: 10 }, expectedOutput: a + 10, metadata: { a } })),
    evaluators: [new EqualsExpected()],
  }),
  task: add,
  options: { repeat: 2 },
});

export const unnamed = defineEval({
  dataset: new Dataset<{ a: number; b: number }, number>({
    cases: [new Case({ inputs: { a: 1, b: 1 }, expectedOutput: 2 }), new Case({ inputs: { a: 3, b: 1 }, expectedOutput: 4 })],
    evaluators: [new EqualsExpected()],
  }),
  task: add,
});

/** Many slow cases, for the dead-worker test. */
export const slow = defineEval({
  dataset: new Dataset<{ a: number; b: number }, number>({
    name: 'slow',
    cases: Array.from({ length: 24 }, (_, i) => new Case({ name: `slow ${i}`, inputs: { a: 100 + i, b: 1 }, expectedOutput: 101 + i })),
    evaluators: [new EqualsExpected()],
  }),
  task: add,
});
