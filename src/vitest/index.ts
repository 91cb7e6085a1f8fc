/**
 * `rehearse/vitest`: agent-run matchers and evals inside vitest tests. Importing it registers
 * the matchers with vitest's `expect` and types them on `Assertion`.
 */
import { expect } from 'vitest';
import { rehearseMatchers } from './matchers.js';
import type { RehearseMatchers } from './matchers.js';

expect.extend(rehearseMatchers);

declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Matchers<T = any> extends RehearseMatchers<T> {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface AsymmetricMatchersContaining extends RehearseMatchers {}
}

export { rehearseMatchers, toHaveCalledTool, toHaveToolCallSequence, toHaveUsage } from './matchers.js';
export type { AgentRunLike, ExpectedToolCall, ExpectedUsage, RehearseMatchers } from './matchers.js';
export { EvalThresholdError, evalTest, expectEval } from './eval-test.js';
export type { EvalTestSuite, ExpectEvalOptions } from './eval-test.js';
