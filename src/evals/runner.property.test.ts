import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { averageCases } from './aggregate.js';
import { Case } from './case.js';
import { Dataset } from './dataset.js';
import { Evaluator, type EvaluatorOutput } from './evaluator.js';
import type { EvaluatorContext } from './evaluator-context.js';
import { EvaluationReport } from './report.js';

/** Returns whatever the task produced under `results` (a record of scalars). */
class Echo extends Evaluator<string, Record<string, number | boolean | string>> {
  evaluate(ctx: EvaluatorContext<string, Record<string, number | boolean | string>>): EvaluatorOutput {
    return ctx.output;
  }
}

const result = fc.oneof(fc.boolean(), fc.integer({ min: -100, max: 100 }), fc.constantFrom('x', 'y'));
const arbDataset = fc.array(fc.dictionary(fc.constantFrom('p', 'q', 'r'), result), { minLength: 1, maxLength: 12 });

describe('evaluate properties', () => {
  it('averages() of a run equals the values recomputed from its cases, and the report round-trips', async () => {
    await fc.assert(
      fc.asyncProperty(arbDataset, fc.integer({ min: 1, max: 4 }), async (outputs, maxConcurrency) => {
        const ds = new Dataset<string, Record<string, number | boolean | string>>({
          cases: outputs.map((_, i) => new Case({ name: `c${i}`, inputs: String(i) })),
          evaluators: [new Echo()],
        });
        const report = await ds.evaluate((i) => outputs[Number(i)]!, { maxConcurrency });
        expect(report.cases.map((c) => c.output)).toEqual(outputs);
        const avg = report.averages()!;
        expect(avg).toEqual(averageCases(report.cases));
        const bools = outputs.flatMap((o) => Object.values(o).filter((v): v is boolean => typeof v === 'boolean'));
        expect(avg.assertions).toEqual(bools.length ? bools.filter(Boolean).length / bools.length : undefined);
        for (const k of ['p', 'q', 'r']) {
          const nums = outputs.flatMap((o) => (typeof o[k] === 'number' ? [o[k]] : []));
          if (nums.length) expect(avg.scores[k]).toBeCloseTo(nums.reduce((s, x) => s + x, 0) / nums.length, 9);
        }
        expect(EvaluationReport.fromJSON(JSON.parse(JSON.stringify(report)) as never)).toEqual(report);
      }),
      { numRuns: 40 },
    );
  });
});
