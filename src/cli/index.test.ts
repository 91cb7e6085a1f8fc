import { describe, expect, it } from 'vitest';
import * as cli from './index.js';

describe('src/cli public names', () => {
  it('exports its names', () => {
    expect(Object.keys(cli).sort()).toEqual(
      ['COMMANDS', 'EVAL_FILE', 'EvalRun', 'UsageError', 'evalCommand', 'evaluateInProcess', 'findEvalFiles', 'loadSuites', 'main', 'packageVersion', 'runEvalCommand', 'writeFileAtomicSync'].sort(),
    );
  });
});
