/**
 * Statistics for repeated runs: pass-rate intervals, score intervals and a significance test of a
 * pass-rate change against a baseline. Distributions come from jStat (loaded on first use).
 */
import { lazyModule } from './lazy.js';

interface JStatLike {
  normal: { inv(p: number, mean: number, std: number): number };
  studentt: { inv(p: number, dof: number): number };
  hypgeom: { pdf(k: number, populationSize: number, successes: number, draws: number): number };
}

const jStat = lazyModule<JStatLike>('jstat');

/** A two-sided confidence interval `[low, high]`. */
export type Interval = [low: number, high: number];

function checkCounts(successes: number, trials: number): void {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || trials < 0 || successes > trials) {
    throw new RangeError(`expected integer counts with 0 <= successes <= trials, got ${successes}/${trials}`);
  }
}

/**
 * Wilson score interval for a binomial proportion (Wilson 1927; as `statsmodels`'
 * `proportion_confint(method='wilson')`): with `z` the standard normal quantile at
 * `1 - (1 - confidence) / 2`, `p = successes / trials`,
 * centre `(p + z²/2n) / (1 + z²/n)` and half-width `z / (1 + z²/n) · √(p(1-p)/n + z²/4n²)`.
 * Unlike the normal approximation it stays inside [0, 1] and is sensible for 0 or n successes.
 * `trials = 0` gives `[0, 1]` (nothing known). Default confidence 0.95.
 * @throws RangeError for counts that are not integers with `0 <= successes <= trials`.
 */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): Interval {
  checkCounts(successes, trials);
  if (trials === 0) return [0, 1];
  const z = jStat().normal.inv(1 - (1 - confidence) / 2, 0, 1);
  const n = trials;
  const p = successes / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Mean and Student-t confidence interval of a sample: `mean ± t(1 - α/2, n - 1) · s / √n` with
 * `s` the sample standard deviation. The interval is `undefined` with fewer than 2 values
 * (no spread to estimate). Default confidence 0.95.
 */
export function meanInterval(values: readonly number[], confidence = 0.95): { mean: number; interval: Interval | undefined } {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, interval: undefined };
  const mean = values.reduce((s, x) => s + x, 0) / n;
  if (n < 2) return { mean, interval: undefined };
  const variance = values.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  const half = jStat().studentt.inv(1 - (1 - confidence) / 2, n - 1) * Math.sqrt(variance / n);
  return { mean, interval: [mean - half, mean + half] };
}

/**
 * Fisher's exact test, two-sided, on the 2×2 table of passes and fails in two samples
 * (Fisher 1922; the two-sided p-value as R's `fisher.test` and SciPy's `fisher_exact`): with the
 * margins fixed, the number of passes in sample A follows a hypergeometric distribution, and the
 * p-value is the sum of the probabilities of every table at most as likely as the observed one
 * (with a relative tolerance of 1e-7 for ties, as R).
 * @throws RangeError for counts that are not integers with `0 <= passes <= runs`.
 */
export function fisherExactTwoSided(a: { passes: number; runs: number }, b: { passes: number; runs: number }): number {
  checkCounts(a.passes, a.runs);
  checkCounts(b.passes, b.runs);
  const population = a.runs + b.runs;
  const successes = a.passes + b.passes;
  if (population === 0) return 1;
  const pdf = (k: number) => jStat().hypgeom.pdf(k, population, successes, a.runs);
  const observed = pdf(a.passes);
  const lo = Math.max(0, a.runs - (population - successes));
  const hi = Math.min(successes, a.runs);
  let p = 0;
  for (let k = lo; k <= hi; k++) {
    const q = pdf(k);
    if (q <= observed * (1 + 1e-7)) p += q;
  }
  return Math.min(1, p);
}
