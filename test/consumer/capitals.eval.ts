// evals/capitals.eval.ts — runs offline: a FunctionModel stands in for the real model
import { Agent } from 'rehearse';
import { FunctionModel } from 'rehearse/testing';
import { Case, Dataset, EqualsExpected, agentTask, defineEval } from 'rehearse/evals';

const CAPITALS: Record<string, string> = { France: 'Paris', Japan: 'Tokyo' };
const fakeModel = new FunctionModel((messages) => {
  const last = messages.at(-1);
  const prompt = last?.kind === 'request' ? last.parts.find((p) => p.partKind === 'user-prompt') : undefined;
  return [{ partKind: 'text', content: CAPITALS[String(prompt?.content)] ?? 'no idea' }];
});
const agent = new Agent({ model: fakeModel, instructions: 'Answer with the city name only.' });

export const capitals = defineEval({
  dataset: new Dataset<string, string>({
    name: 'capitals',
    cases: [
      new Case({ name: 'france', inputs: 'France', expectedOutput: 'Paris' }),
      new Case({ name: 'japan', inputs: 'Japan', expectedOutput: 'Tokyo' }),
    ],
    evaluators: [new EqualsExpected()],
  }),
  task: agentTask(agent, { prompt: (country: string) => country }),
  thresholds: { minPassRate: 1 },
});
