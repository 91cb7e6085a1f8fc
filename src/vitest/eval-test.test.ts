import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, tool } from '../runtime/index.js';
import { Case, Dataset, EqualsExpected, agentTask, defineEval } from '../evals/index.js';
import { FunctionModel } from '../testing/index.js';
import { EvalThresholdError, evalTest, expectEval } from './index.js';

/** An agent with a capital lookup tool: right for France and Italy, wrong for Spain. */
function capitalsSuite(thresholds: { minPassRate?: number; minScore?: number } = {}) {
  const capitals: Record<string, string> = { France: 'Paris', Italy: 'Rome', Spain: 'Lisbon' };
  const lookup = tool({ name: 'lookup', parameters: z.object({ country: z.string() }), execute: ({ country }) => capitals[country] ?? '?' });
  const model = new FunctionModel((messages) => {
    const last = messages.at(-1)!;
    const ret = last.kind === 'request' ? last.parts.find((p) => p.partKind === 'tool-return') : undefined;
    if (ret) return { parts: [{ partKind: 'text', content: String(ret.content) }] };
    const prompt = last.kind === 'request' ? last.parts.find((p) => p.partKind === 'user-prompt') : undefined;
    return { parts: [{ partKind: 'tool-call', toolName: 'lookup', args: { country: String(prompt?.content) }, toolCallId: 'l1' }] };
  });
  const agent = new Agent({ model, tools: [lookup] });
  return defineEval({
    dataset: new Dataset<string, string>({
      name: 'capitals',
      cases: [
        new Case({ name: 'france', inputs: 'France', expectedOutput: 'Paris' }),
        new Case({ name: 'italy', inputs: 'Italy', expectedOutput: 'Rome' }),
        new Case({ name: 'spain', inputs: 'Spain', expectedOutput: 'Madrid' }),
      ],
      evaluators: [new EqualsExpected()],
    }),
    task: agentTask(agent, { prompt: (country: string) => country }),
    thresholds,
  });
}

describe('evals inside vitest tests', () => {
  it('expectEval returns the report when the pass rate is met', async () => {
    const report = await expectEval(capitalsSuite({ minPassRate: 0.6 }));
    expect(report.cases).toHaveLength(3);
    expect(report.averages()?.assertions).toBeCloseTo(2 / 3);
  });

  it('expectEval fails with the problems and the rendered report when the pass rate falls short', async () => {
    const error = await expectEval(capitalsSuite({ minPassRate: 0.9 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EvalThresholdError);
    const e = error as EvalThresholdError;
    expect(e.problems).toEqual(['assertion pass rate 66.7% is below 90.0%']);
    expect(e.message).toMatch(/^eval 'capitals' missed its thresholds: assertion pass rate 66\.7% is below 90\.0%\n\n/);
    expect(e.message).toContain('spain'); // the rendered report names the cases
    expect(e.report.cases.map((c) => c.name)).toEqual(['france', 'italy', 'spain']);
  });

  it('without thresholds any failed assertion fails, as rehearse eval', async () => {
    await expect(expectEval(capitalsSuite())).rejects.toThrow(/1 assertion\(s\) failed/);
  });

  it('a suite given as parts works too', async () => {
    const suite = capitalsSuite({ minPassRate: 0.5 });
    const report = await expectEval({ dataset: suite.dataset, task: suite.task, thresholds: { minPassRate: 0.5 } });
    expect(report.failures).toEqual([]);
  });

  evalTest('evalTest registers a passing test for a suite that meets its thresholds', capitalsSuite({ minPassRate: 0.6 }));
});
