/** Fixtures shared by the ports of pydantic-ai tests/evals/test_dataset.py (its `example_dataset` etc.). */
import { Case } from '../case.js';
import { Dataset } from '../dataset.js';
import type { EvaluatorContext } from '../evaluator-context.js';
import { Evaluator, type EvaluatorOutput } from '../evaluator.js';

export class TaskInput {
  constructor(readonly query: string) {}
}
export class TaskOutput {
  constructor(
    readonly answer: string,
    readonly confidence = 1.0,
  ) {}
}
export class TaskMetadata {
  constructor(
    readonly difficulty = 'easy',
    readonly category = 'general',
  ) {}
}
export type Ctx = EvaluatorContext<TaskInput, TaskOutput, TaskMetadata>;

export const exampleCases = () => [
  new Case({ name: 'case1', inputs: new TaskInput('What is 2+2?'), expectedOutput: new TaskOutput('4'), metadata: new TaskMetadata('easy') }),
  new Case({
    name: 'case2',
    inputs: new TaskInput('What is the capital of France?'),
    expectedOutput: new TaskOutput('Paris'),
    metadata: new TaskMetadata('medium', 'geography'),
  }),
];
export const exampleDataset = () => new Dataset<TaskInput, TaskOutput, TaskMetadata>({ name: 'example', cases: exampleCases() });

export class SimpleEvaluator extends Evaluator<TaskInput, TaskOutput, TaskMetadata> {
  evaluate(ctx: Ctx): EvaluatorOutput {
    if (ctx.expectedOutput === undefined) return { result: 'no_expected_output' };
    return { correct: ctx.output.answer === ctx.expectedOutput.answer, confidence: ctx.output.confidence };
  }
}

export const answer = async (inputs: TaskInput): Promise<TaskOutput> =>
  new TaskOutput(inputs.query === 'What is 2+2?' ? '4' : inputs.query === 'What is the capital of France?' ? 'Paris' : 'Unknown');

/** The first case of an example run with `SimpleEvaluator` (the snapshot shared by several tests). */
