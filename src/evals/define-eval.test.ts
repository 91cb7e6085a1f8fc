import { describe, expect, it } from 'vitest';
import { Dataset } from './dataset.js';
import { defineEval } from './define-eval.js';

describe('defineEval validates its argument', () => {
  const dataset = new Dataset();
  const task = () => 1;
  it.each([
    [{ datset: dataset, task }, "defineEval: missing 'dataset'; unknown key 'datset' (did you mean 'dataset'?)"],
    [{ dataset, task, options: { maxConcurency: 3 } }, "defineEval: unknown key 'options.maxConcurency' (did you mean 'options.maxConcurrency'?)"],
    [{ dataset, task, thresholds: { minPasRate: 0.5 } }, "defineEval: unknown key 'thresholds.minPasRate' (did you mean 'thresholds.minPassRate'?)"],
    [{ dataset: 1, task: 'x' }, "defineEval: 'dataset': expected a Dataset (new Dataset({ cases, evaluators })); 'task': expected a function"],
    [{ dataset, task, options: { repeat: 0 } }, "defineEval: 'options.repeat': Too small: expected number to be >=1"],
    [undefined, 'defineEval: expected an object { dataset, task, options?, thresholds? }'],
  ])('%j', (arg, message) => {
    expect(() => defineEval(arg as never)).toThrow(message);
  });
  it('accepts a valid suite', () => {
    expect(defineEval({ dataset, task, options: { repeat: 3, timeoutMs: 100 }, thresholds: { minPassRate: 0.9, passRateBound: 'lower' } }).kind).toBe('rehearse-eval-suite');
  });
});
