import type { Evaluator } from './evaluator.js';

/** Options of `new Case(...)`. */
export interface CaseOptions<I, O, M> {
  /** Unique within a dataset; unnamed cases are reported as `Case {n}` (1-based). */
  name?: string;
  inputs: I;
  expectedOutput?: O;
  metadata?: M;
  /** Evaluators run on this case only, before the dataset's. */
  evaluators?: NoInfer<Evaluator<I, O, M>>[];
}

/** One row of a dataset (pydantic-evals' `Case`). */
export class Case<I = unknown, O = unknown, M = unknown> {
  name: string | undefined;
  inputs: I;
  /** `undefined` when the case has no expected output. */
  expectedOutput: O | undefined;
  /** `undefined` when the case has no metadata. */
  metadata: M | undefined;
  evaluators: Evaluator<I, O, M>[];
  constructor(options: CaseOptions<I, O, M>) {
    this.name = options.name;
    this.inputs = options.inputs;
    this.expectedOutput = options.expectedOutput;
    this.metadata = options.metadata;
    this.evaluators = [...(options.evaluators ?? [])];
  }
}
