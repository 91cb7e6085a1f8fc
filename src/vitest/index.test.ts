import { describe, expect, it } from 'vitest';
import * as vitestEntry from './index.js';

describe('rehearse/vitest public API', () => {
  it('exports the documented names', () => {
    for (const n of ['rehearseMatchers', 'toHaveCalledTool', 'toHaveToolCallSequence', 'toHaveUsage', 'expectEval', 'evalTest', 'EvalThresholdError']) {
      expect(vitestEntry, n).toHaveProperty(n);
    }
  });

  it('importing it registers the matchers with expect', () => {
    expect(() => expect([]).toHaveToolCallSequence([])).not.toThrow();
  });
});
