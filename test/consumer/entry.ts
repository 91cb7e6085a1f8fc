// Type-checked in temporary consumer projects under node16, nodenext and bundler resolution.
import { Agent, tool, UserError, type ModelMessage } from 'rehearse';
import { TestModel, FunctionModel } from 'rehearse/testing';
import { Case, Dataset, EqualsExpected, agentTask, type EvaluationReport } from 'rehearse/evals';
import { expectEval, rehearseMatchers } from 'rehearse/vitest';
import { z } from 'zod';

const add = tool({ name: 'add', parameters: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
export const agent = new Agent({ model: new TestModel(), tools: [add], outputType: z.object({ sum: z.number() }) });

export async function check(): Promise<number> {
  const result = await agent.run('1 + 2');
  const sum: number = result.output.sum;
  // @ts-expect-error the output is typed from the zod schema (this proves the types resolved, not `any`)
  const wrong: string = result.output.sum;
  const messages: ModelMessage[] = result.allMessages();
  const dataset = new Dataset<string, string>({ cases: [new Case({ inputs: 'x', expectedOutput: 'x' })], evaluators: [new EqualsExpected()] });
  const report: EvaluationReport<string, string> = await dataset.evaluate(agentTask(new Agent({ model: new FunctionModel(() => ({ parts: [{ partKind: 'text', content: 'x' }] })) }), { prompt: (s: string) => s }));
  await expectEval({ dataset, task: async (s: string) => s });
  void [wrong, messages, report, rehearseMatchers, UserError];
  return sum;
}
