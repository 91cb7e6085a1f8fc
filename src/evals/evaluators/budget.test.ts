/** Budgets as assertions (issue 10): tokens, requests and cost per case from the run's usage. */
import { describe, expect, it } from 'vitest';
import { Agent } from '../../runtime/index.js';
import { TestModel } from '../../testing/index.js';
import { agentTask } from '../agent-task.js';
import { Case } from '../case.js';
import { Dataset } from '../dataset.js';
import { checkReport } from '../thresholds.js';
import { checkUsageBudget, costOf, UsageBudget } from './budget.js';

describe('UsageBudget', () => {
  it('asserts tokens, requests and cost per case from an agent run', async () => {
    const agent = new Agent({ model: new TestModel({ customOutputText: 'done' }) });
    const ds = new Dataset<string, string>({
      cases: [new Case({ name: 'q', inputs: 'hello' })],
      evaluators: [
        new UsageBudget({ maxRequests: 1, maxTotalTokens: 1000, maxCostUsd: 1, prices: { inputPerMillionUsd: 2.5, outputPerMillionUsd: 10 } }),
        new UsageBudget({ maxOutputTokens: 0, evaluationName: 'strict' }),
      ],
    });
    const report = await ds.evaluate(agentTask(agent, { prompt: (q: string) => q }));
    const c = report.cases[0]!;
    expect(c.metrics['requests']).toBe(1);
    const { input_tokens: input = 0, output_tokens: output = 0 } = c.metrics;
    expect(output).toBeGreaterThan(0);
    expect(c.assertions).toMatchObject({
      max_requests: { value: true, reason: '1 requests <= 1' },
      max_total_tokens: { value: true, reason: `${input + output} tokens <= 1000` },
      max_cost_usd: { value: true, reason: `$${((input * 2.5 + output * 10) / 1e6).toFixed(6)} <= $1` },
      'strict.max_output_tokens': { value: false, reason: `${output} output tokens > 0` },
    });
    // the same limits as a suite threshold
    expect(checkReport(report, { minPassRate: 0, budget: { maxOutputTokens: 0 } })).toEqual([`budget max_output_tokens exceeded by 1 case(s): q (${output} output tokens > 0)`]);
  });

  it('cost: from prices, else the cost metric, else unknown (a failed assertion)', () => {
    expect(costOf({ input_tokens: 1_000_000, output_tokens: 500_000 }, { inputPerMillionUsd: 1, outputPerMillionUsd: 4 })).toBe(3);
    expect(costOf({ cost: 0.25 }, undefined)).toBe(0.25);
    expect(checkUsageBudget({}, { maxCostUsd: 1 })).toEqual([{ name: 'max_cost_usd', ok: false, reason: 'cost unknown: give `prices` or record a `cost` metric' }]);
    expect(() => new UsageBudget({})).toThrow('UsageBudget needs at least one limit');
  });
});
