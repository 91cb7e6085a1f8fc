import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Agent, ModelRetry, tool, type ModelMessage, type ModelResponsePart } from '../runtime/index.js';
import { FunctionModel, type AgentInfo } from '../testing/index.js';
import { agentTask, trajectoryFromMessages } from './agent-task.js';
import { Case } from './case.js';
import { Dataset } from './dataset.js';
import { ArgumentCorrectness, MaxModelRequests, MaxToolCalls, ToolCorrectness, TrajectoryMatch } from './evaluators/agentic.js';
import { EqualsExpected, HasMatchingSpan } from './evaluators/common.js';

/** Model: first asks for the weather (with a bad city first for 'retry'), then answers from the tool result. */
function weatherModel() {
  return new FunctionModel((messages: ModelMessage[], info: AgentInfo): ModelResponsePart[] => {
    const first = messages[0]!;
    const prompt = first.kind === 'request' ? String(first.parts.find((p) => p.partKind === 'user-prompt')?.content ?? '') : '';
    const returns = messages.flatMap((m) => (m.kind === 'request' ? m.parts : [])).filter((p) => p.partKind === 'tool-return' || p.partKind === 'retry-prompt');
    const okReturn = returns.find((p) => p.partKind === 'tool-return');
    if (okReturn && okReturn.partKind === 'tool-return') {
      return [{ partKind: 'tool-call', toolName: info.outputTools[0]!.name, args: { answer: `It is ${String(okReturn.content)}` }, toolCallId: 'out' }];
    }
    const city = prompt === 'retry' && returns.length === 0 ? 'Atlantis' : prompt === 'retry' ? 'Paris' : prompt;
    return [{ partKind: 'tool-call', toolName: 'get_weather', args: JSON.stringify({ city }), toolCallId: `call-${returns.length}` }];
  }, { modelName: 'weather-fn' });
}

function weatherAgent(instrument: boolean) {
  return new Agent({
    name: 'weather',
    model: weatherModel(),
    outputType: z.object({ answer: z.string() }),
    instrument,
    tools: [
      tool({
        name: 'get_weather',
        parameters: z.object({ city: z.string() }),
        execute: ({ city }) => {
          if (city === 'Atlantis') throw new ModelRetry('unknown city');
          return `sunny in ${city}`;
        },
      }),
    ],
  });
}

describe('agentTask', () => {
  it.each([false, true])('records the trajectory and usage (instrumented: %s)', async (instrument) => {
    const task = agentTask(weatherAgent(instrument), { prompt: (city: string) => city });
    expect(task.name).toBe('weather');
    const ds = new Dataset<string, { answer: string }>({
      cases: [
        new Case({ name: 'paris', inputs: 'Paris', expectedOutput: { answer: 'It is sunny in Paris' } }),
        new Case({ name: 'retry', inputs: 'retry', expectedOutput: { answer: 'It is sunny in Paris' } }),
      ],
      evaluators: [
        new EqualsExpected(),
        new ToolCorrectness({ expectedTools: ['get_weather'] }),
        new ArgumentCorrectness({ toolName: 'get_weather', expectedArguments: { city: 'Paris' }, occurrence: 'last' }),
        new TrajectoryMatch({ expectedTrajectory: ['get_weather'], order: 'exact' }),
        new MaxToolCalls({ maxCalls: 1 }),
        new MaxModelRequests({ maxRequests: 2 }),
      ],
    });
    const report = await ds.evaluate(task);
    expect(report.failures).toEqual([]);
    const [paris, retry] = report.cases;
    expect(Object.fromEntries(Object.entries(paris!.assertions).map(([k, v]) => [k, v.value]))).toEqual({
      EqualsExpected: true,
      ToolCorrectness: true,
      ArgumentCorrectness: true,
      MaxToolCalls: true,
      MaxModelRequests: true,
    });
    expect(paris!.scores['TrajectoryMatch']!.value).toBe(1);
    const steps = paris!.attributes['trajectory'] as { kind: string; inputTokens?: number; outputTokens?: number }[];
    // usage counted exactly once: from the chat spans when instrumented, else from the run
    const sum = (k: 'inputTokens' | 'outputTokens') => steps.reduce((n, s) => n + (s[k] ?? 0), 0);
    expect(sum('inputTokens')).toBeGreaterThan(0);
    expect(paris!.metrics).toEqual({ requests: 2, tool_calls: 1, input_tokens: sum('inputTokens'), output_tokens: sum('outputTokens') });
    expect(steps.map((s) => s.kind)).toEqual(['model-request', 'tool-call', 'model-request']);
    expect(steps[1]).toMatchObject({ kind: 'tool-call', toolName: 'get_weather', toolCallId: 'call-0', args: { city: 'Paris' }, result: 'sunny in Paris' });
    // the retried case: the failed attempt is recorded with its error and counted by MaxToolCalls only
    const rsteps = retry!.attributes['trajectory'] as { kind: string; error?: string }[];
    expect(rsteps.filter((s) => s.kind === 'tool-call').map((s) => s.error)).toEqual(['unknown city', undefined]);
    expect(retry!.assertions['ToolCorrectness']!.value).toBe(true);
    expect(retry!.assertions['MaxToolCalls']).toMatchObject({ value: false, reason: '2 tool call(s), budget=1' });
    expect(retry!.assertions['MaxModelRequests']).toMatchObject({ value: false, reason: "3 model request(s) (from ctx.metrics['requests']), budget=2" });
    expect(report.render({ includeTrajectory: true, includeDurations: false })).toContain('get_weather({"city":"Atlantis"}) → error: unknown city');
  });

  it('lets the agentic evaluators read spans when the agent is instrumented', async () => {
    const task = agentTask(weatherAgent(true), { prompt: (city: string) => city });
    const ds = new Dataset<string, { answer: string }>({
      cases: [new Case({ name: 'paris', inputs: 'Paris' })],
      evaluators: [new HasMatchingSpan({ query: { nameEquals: 'execute_tool get_weather', someAncestorHas: { nameContains: 'invoke_agent' } } })],
    });
    const report = await ds.evaluate(task);
    expect(report.cases[0]!.assertions['HasMatchingSpan']!.value).toBe(true);
  });

  it('records what happened before a failing run', async () => {
    const agent = new Agent({
      name: 'broken',
      model: new FunctionModel(() => [{ partKind: 'tool-call', toolName: 'explode', args: {}, toolCallId: 'x' }]),
      tools: [tool({ name: 'explode', parameters: z.object({}), execute: () => { throw new Error('kaboom'); } })],
    });
    const ds = new Dataset<string, string>({ cases: [new Case({ name: 'c', inputs: 'go' })] });
    const report = await ds.evaluate(agentTask(agent, { prompt: (s: string) => s }));
    expect(report.failures[0]!.errorMessage).toBe('Error: kaboom');
  });

  it('builds trajectories from messages, skipping output tools', () => {
    const steps = trajectoryFromMessages([
      { kind: 'request', parts: [{ partKind: 'user-prompt', content: 'hi', timestamp: 't' }] },
      {
        kind: 'response',
        timestamp: 't',
        usage: { inputTokens: 3, outputTokens: 1 },
        parts: [
          { partKind: 'tool-call', toolName: 'a', args: '{"x":1}', toolCallId: '1' },
          { partKind: 'tool-call', toolName: 'final_result', args: {}, toolCallId: '2' },
          { partKind: 'tool-call', toolName: 'b', args: 'not json', toolCallId: '3' },
        ],
      },
      {
        kind: 'request',
        parts: [
          { partKind: 'tool-return', toolName: 'a', content: { ok: true }, toolCallId: '1', timestamp: 't' },
          { partKind: 'tool-return', toolName: 'final_result', content: 'Final result processed.', toolCallId: '2', timestamp: 't' },
          { partKind: 'tool-return', toolName: 'b', content: 'Tool not executed - a final result was already processed.', toolCallId: '3', timestamp: 't' },
        ],
      },
    ]);
    expect(steps).toEqual([
      { kind: 'model-request', durationMs: 0, inputTokens: 3, outputTokens: 1 },
      { kind: 'tool-call', toolName: 'a', toolCallId: '1', args: { x: 1 }, result: { ok: true }, durationMs: 0 },
    ]);
  });
});
