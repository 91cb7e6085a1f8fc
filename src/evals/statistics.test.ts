/**
 * Repeat statistics (issue 10): Wilson intervals, Fisher's exact test, flaky flags, regressions
 * against a baseline.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Case } from './case.js';
import { Dataset } from './dataset.js';
import { Evaluator, type EvaluatorOutput } from './evaluator.js';
import type { EvaluatorContext } from './evaluator-context.js';
import { EvaluationReport } from './report.js';
import { fisherExactTwoSided, meanInterval, wilsonInterval } from './statistics.js';
import { checkReport } from './thresholds.js';

/** Passes when the task's output is true. */
class Passed extends Evaluator {
  evaluate(ctx: EvaluatorContext): EvaluatorOutput {
    return ctx.output === true;
  }
}

/** One case × `runs` repeats, passing on the first `passes` repeats. */
async function coin(passes: number, runs: number): Promise<EvaluationReport> {
  const ds = new Dataset<string, boolean>({ name: 'coin', cases: [new Case({ name: 'coin', inputs: 'flip' })], evaluators: [new Passed()] });
  return ds.evaluate(async (_inputs, { repeatIndex }) => repeatIndex <= passes, { name: 'coin', repeat: runs });
}

/** Exact two-sided Fisher p-value by enumerating tables with log-factorials (an independent oracle). */
function fisherOracle(a: number, n1: number, c: number, n2: number): number {
  const lf = (n: number) => {
    let s = 0;
    for (let i = 2; i <= n; i++) s += Math.log(i);
    return s;
  };
  const K = a + c;
  const N = n1 + n2;
  const logP = (x: number) => lf(K) + lf(N - K) + lf(n1) + lf(n2) - lf(N) - lf(x) - lf(K - x) - lf(n1 - x) - lf(n2 - K + x);
  const obs = logP(a);
  let p = 0;
  for (let x = Math.max(0, K - n2); x <= Math.min(K, n1); x++) if (logP(x) <= obs + 1e-7) p += Math.exp(logP(x));
  return Math.min(1, p);
}

describe('repeat statistics', () => {
  it('1 case × 20 repeats with 10 passes: Wilson [0.2993, 0.7007]; against 18/20 a regression with p = 0.0138', async () => {
    const report = await coin(10, 20);
    const [stats] = report.statistics();
    expect(stats).toMatchObject({ name: 'coin', runs: 20, passes: 10, passRate: 0.5, flaky: true, cancelled: 0 });
    expect(stats!.passRateInterval[0]).toBeCloseTo(0.2993, 4);
    expect(stats!.passRateInterval[1]).toBeCloseTo(0.7007, 4);

    const baseline = EvaluationReport.fromJSON(JSON.parse(JSON.stringify((await coin(18, 20)).toJSON())));
    const [cmp] = report.compareWith(baseline);
    expect(cmp).toMatchObject({ name: 'coin', passes: 10, runs: 20, baselinePasses: 18, baselineRuns: 20, change: 'regression' });
    expect(cmp!.pValue).toBeCloseTo(0.0138, 4);
    expect(checkReport(report, { minPassRate: 0 }, report.compareWith(baseline))).toEqual(['regression in coin: 10/20 passed vs 18/20 (Fisher p = 0.0138)']);

    // the printed diff names the method and the p-value; --json carries the statistics
    const text = report.render({ baseline });
    expect(text).toContain('Pass Rate Changes (Fisher exact test, two-sided)');
    expect(text).toMatch(/│ coin +│ 18\/20 → 10\/20 +│ 0\.0138 +│ regression │/);
    expect(text).toMatch(/│ coin +│ 10\/20 +│ 50\.0% \[29\.9%, 70\.1%\] +│ flaky │/);
    expect(report.toJSON().statistics).toEqual([expect.objectContaining({ name: 'coin', passes: 10, runs: 20, flaky: true })]);
    // and the other way round it is an improvement
    expect(baseline.compareWith(report)[0]!.change).toBe('improvement');
  });

  it('groups repeats per case (pydantic-evals case groups) with score means and intervals', async () => {
    const ds = new Dataset<number, number>({
      cases: [new Case({ name: 'a', inputs: 1 }), new Case({ name: 'b', inputs: 2 })],
      evaluators: [
        new (class Score extends Evaluator {
          evaluate(ctx: EvaluatorContext): EvaluatorOutput {
            return ctx.output as number;
          }
        })(),
      ],
    });
    const report = await ds.evaluate(async (n, { repeatIndex }) => n * repeatIndex, { repeat: 3 });
    const groups = report.caseGroups()!;
    expect(groups.map((g) => [g.name, g.runs.length, g.statistics.passes, g.statistics.flaky])).toEqual([
      ['a', 3, 3, false],
      ['b', 3, 3, false],
    ]);
    const a = groups[0]!.statistics.scores['Score']!;
    expect(a.mean).toBe(2);
    expect(a.n).toBe(3);
    // mean 2, sd 1, t(0.975, 2) = 4.3027: 2 ± 2.4841
    expect(a.interval![0]).toBeCloseTo(-0.4841, 3);
    expect(a.interval![1]).toBeCloseTo(4.4841, 3);
  });

  it('a threshold may use the lower bound of the Wilson interval', async () => {
    const report = await coin(19, 20); // 95% observed, lower bound 76.4%
    expect(checkReport(report, { minPassRate: 0.9 })).toEqual([]);
    expect(checkReport(report, { minPassRate: 0.9, passRateBound: 'lower' })).toEqual([
      'pass rate lower bound 76.4% (Wilson 95%, 19/20 runs) is below 90.0%',
    ]);
    expect(checkReport(report, { minPassRate: 0.75, passRateBound: 'lower' })).toEqual([]);
  });

  it('Wilson interval: inside [0, 1], contains the estimate, mirrors under pass/fail swap (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.nat(), (n, k0) => {
        const k = k0 % (n + 1);
        const [lo, hi] = wilsonInterval(k, n);
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(1);
        expect(lo).toBeLessThanOrEqual(k / n + 1e-12);
        expect(hi).toBeGreaterThanOrEqual(k / n - 1e-12);
        const [lo2, hi2] = wilsonInterval(n - k, n);
        expect(lo2).toBeCloseTo(1 - hi, 10);
        expect(hi2).toBeCloseTo(1 - lo, 10);
      }),
    );
    expect(wilsonInterval(0, 0)).toEqual([0, 1]);
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
  });

  it("Fisher's exact test matches an independent enumeration and is symmetric (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.nat(), fc.nat(), (n1, n2, a0, c0) => {
        const a = a0 % (n1 + 1);
        const c = c0 % (n2 + 1);
        const p = fisherExactTwoSided({ passes: a, runs: n1 }, { passes: c, runs: n2 });
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThanOrEqual(1);
        expect(p).toBeCloseTo(fisherOracle(a, n1, c, n2), 8);
        expect(fisherExactTwoSided({ passes: c, runs: n2 }, { passes: a, runs: n1 })).toBeCloseTo(p, 10);
        expect(fisherExactTwoSided({ passes: n1 - a, runs: n1 }, { passes: n2 - c, runs: n2 })).toBeCloseTo(p, 10);
      }),
    );
  });

  it('single runs can never be a significant change', () => {
    expect(fisherExactTwoSided({ passes: 0, runs: 1 }, { passes: 1, runs: 1 })).toBe(1);
  });

  it('meanInterval: no interval under two values', () => {
    expect(meanInterval([3])).toEqual({ mean: 3, interval: undefined });
  });
});
