// `rehearse eval` on a TypeScript suite, offline (a FunctionModel through agentTask).
import { Agent } from 'rehearse';
import { FunctionModel } from 'rehearse/testing';
import { Case, Dataset, EqualsExpected, agentTask, defineEval } from 'rehearse/evals';

const capitals: Record<string, string> = { France: 'Paris', Japan: 'Tokyo' };
const agent = new Agent({
  model: new FunctionModel((messages) => {
    const last = messages.at(-1);
    const prompt = last?.kind === 'request' ? last.parts.find((p) => p.partKind === 'user-prompt') : undefined;
    return { parts: [{ partKind: 'text', content: capitals[String(prompt?.content)] ?? '?' }] };
  }),
});

export const capitalsSuite = defineEval({
  dataset: new Dataset<string, string>({
    name: 'capitals',
    cases: [new Case({ name: 'france', inputs: 'France', expectedOutput: 'Paris' }), new Case({ name: 'japan', inputs: 'Japan', expectedOutput: 'Tokyo' })],
    evaluators: [new EqualsExpected()],
  }),
  task: agentTask(agent, { prompt: (country: string) => country }),
  thresholds: { minPassRate: 1 },
});
