// A consumer's vitest test (copied as agent.test.ts): the rehearse/vitest matchers and an eval with thresholds.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, tool } from 'rehearse';
import { FunctionModel, TestModel } from 'rehearse/testing';
import { Case, Dataset, EqualsExpected, agentTask } from 'rehearse/evals';
import { evalTest } from 'rehearse/vitest';

const weather = tool({ name: 'get_weather', parameters: z.object({ city: z.string() }), execute: ({ city }) => `sunny in ${city}` });

describe('consumer', () => {
  it('matchers see the tool calls and usage', async () => {
    const result = await new Agent({ model: new TestModel(), tools: [weather] }).run('Weather in Paris?');
    expect(result).toHaveCalledTool('get_weather', { city: expect.any(String) });
    expect(result).toHaveToolCallSequence(['get_weather']);
    expect(result).toHaveUsage({ requests: 2, toolCalls: 1 });
  });

  const echo = new Agent({ model: new FunctionModel((messages) => ({ parts: [{ partKind: 'text', content: JSON.stringify(messages.length) }] })) });
  evalTest('an eval inside vitest', {
    dataset: new Dataset<string, string>({ cases: [new Case({ name: 'one', inputs: 'hi', expectedOutput: '1' })], evaluators: [new EqualsExpected()] }),
    task: agentTask(echo, { prompt: (s: string) => s }),
    thresholds: { minPassRate: 1 },
  });
});
