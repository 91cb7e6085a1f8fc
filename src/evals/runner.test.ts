import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { Case } from './case.js';
import { Dataset } from './dataset.js';
import { Evaluator } from './evaluator.js';
import type { EvaluatorContext } from './evaluator-context.js';
import { EqualsExpected, HasMatchingSpan } from './evaluators/common.js';
import { MaxModelRequests, ToolCorrectness } from './evaluators/agentic.js';
import { incrementEvalMetric, setEvalAttribute } from './task-run.js';

const tracer = () => trace.getTracer('test-agent');

/** A fake agent run that emits spans like the runtime's instrumentation. */
async function fakeAgent(city: string): Promise<string> {
  return tracer().startActiveSpan('invoke_agent weather', async (root) => {
    for (let i = 0; i < 2; i++) {
      await tracer().startActiveSpan('chat gpt-4o', async (s) => {
        s.setAttributes({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 3 });
        await sleep(Math.random() * 5);
        s.end();
      });
      if (i === 0) {
        await tracer().startActiveSpan(`execute_tool get_weather`, async (s) => {
          s.setAttributes({ 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.call.arguments': JSON.stringify({ city }) });
          await sleep(Math.random() * 5);
          s.end();
        });
      }
    }
    root.end();
    return `sunny in ${city}`;
  });
}

class SeenCity extends Evaluator<string, string> {
  evaluate(ctx: EvaluatorContext<string, string>): boolean {
    const args = ctx.spanTree.find({ nameContains: 'execute_tool' }).map((n) => JSON.parse(n.attributes['gen_ai.tool.call.arguments'] as string) as { city: string });
    return args.length === 1 && args[0]!.city === ctx.inputs;
  }
}

describe('dataset.evaluate', () => {
  it('collects each case its own spans under concurrency and derives metrics', async () => {
    const cities = Array.from({ length: 20 }, (_, i) => `city-${i}`);
    const ds = new Dataset<string, string>({
      name: 'weather',
      cases: cities.map((c) => new Case({ name: c, inputs: c, expectedOutput: `sunny in ${c}` })),
      evaluators: [
        new EqualsExpected(),
        new SeenCity(),
        new ToolCorrectness({ expectedTools: ['get_weather'] }),
        new MaxModelRequests({ maxRequests: 2 }),
        new HasMatchingSpan({ query: { nameEquals: 'chat gpt-4o', someAncestorHas: { nameContains: 'invoke_agent' } } }),
      ],
    });
    const report = await ds.evaluate(fakeAgent, { maxConcurrency: 8 });
    expect(report.name).toBe('fakeAgent'); // after the task, not the dataset (pydantic-evals' dataset.py: name or task_name)
    expect(report.failures).toEqual([]);
    expect(report.cases).toHaveLength(20);
    for (const c of report.cases) {
      expect(c.evaluatorFailures).toEqual([]);
      expect(Object.values(c.assertions).map((a) => [a.name, a.value])).toEqual([
        ['EqualsExpected', true],
        ['SeenCity', true],
        ['ToolCorrectness', true],
        ['MaxModelRequests', true],
        ['HasMatchingSpan', true],
      ]);
      expect(c.metrics).toEqual({ requests: 2, input_tokens: 20, output_tokens: 6 });
      expect(c.traceId).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(report.averages()!.assertions).toBe(1);
  });

  it('adds span-derived metrics to those the task incremented itself, as pydantic-evals', async () => {
    const ds = new Dataset<string, string>({ cases: [new Case({ name: 'a', inputs: 'Paris' })] });
    const report = await ds.evaluate(async (city: string) => {
      incrementEvalMetric('requests', 1); // e.g. a request the task made without a span
      incrementEvalMetric('input_tokens', 5);
      return fakeAgent(city);
    });
    expect(report.cases[0]!.metrics).toEqual({ requests: 3, input_tokens: 25, output_tokens: 6 });
  });

  it('never runs more than maxConcurrency tasks at once', async () => {
    let running = 0;
    let peak = 0;
    const ds = new Dataset<number, number>({ cases: Array.from({ length: 30 }, (_, i) => new Case({ name: `c${i}`, inputs: i })) });
    const report = await ds.evaluate(
      async (n) => {
        running++;
        peak = Math.max(peak, running);
        await sleep(2 + (n % 3));
        running--;
        return n;
      },
      { maxConcurrency: 4 },
    );
    expect(report.cases).toHaveLength(30);
    expect(peak).toBe(4);
  });

  it('repeats cases and groups them', async () => {
    let calls = 0;
    const ds = new Dataset<number, number>({
      cases: [new Case({ name: 'a', inputs: 1, expectedOutput: 1 }), new Case({ inputs: 2, expectedOutput: 2 })],
      evaluators: [new EqualsExpected()],
    });
    const report = await ds.evaluate(
      function double(n) {
        calls++;
        incrementEvalMetric('calls', 1);
        setEvalAttribute('n', n);
        return calls % 2 === 0 ? n : n * 2;
      },
      { repeat: 3, maxConcurrency: 1 },
    );
    expect(report.name).toBe('double');
    expect(report.cases.map((c) => c.name)).toEqual(['a [1/3]', 'a [2/3]', 'a [3/3]', 'Case 2 [1/3]', 'Case 2 [2/3]', 'Case 2 [3/3]']);
    expect(report.cases.every((c) => c.metrics['calls'] === 1)).toBe(true);
    expect(report.cases[3]!.attributes).toEqual({ n: 2 });
    const groups = report.caseGroups()!;
    expect(groups.map((g) => [g.name, g.runs.length, g.summary.assertions])).toEqual([
      ['a', 3, 1 / 3],
      ['Case 2', 3, 2 / 3],
    ]);
    expect(report.averages()!.assertions).toBeCloseTo(0.5);
    await expect(ds.evaluate((n) => n, { repeat: 0 })).rejects.toThrow(/repeat must be/);
  });

  it('records task failures, evaluator failures and retries', async () => {
    class Boom extends Evaluator {
      evaluate(): boolean {
        throw new RangeError('bad evaluator');
      }
    }
    const attempts = new Map<string, number>();
    const ds = new Dataset<string, string>({
      cases: ['ok', 'fail', 'flaky'].map((n) => new Case({ name: n, inputs: n, metadata: { m: n } as never })),
      evaluators: [new Boom()],
    });
    const report = await ds.evaluate(
      async (s) => {
        attempts.set(s, (attempts.get(s) ?? 0) + 1);
        if (s === 'fail') throw new TypeError('task exploded');
        if (s === 'flaky' && attempts.get(s)! < 2) throw new Error('transient');
        return s.toUpperCase();
      },
      { retryTask: { maxAttempts: 2 } },
    );
    expect(report.cases.map((c) => [c.name, c.output])).toEqual([
      ['ok', 'OK'],
      ['flaky', 'FLAKY'],
    ]);
    expect(report.cases[0]!.evaluatorFailures).toMatchObject([{ name: 'Boom', errorMessage: 'RangeError: bad evaluator', source: 'Boom' }]);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]).toMatchObject({ name: 'fail', inputs: 'fail', metadata: { m: 'fail' }, errorMessage: 'TypeError: task exploded' });
    expect(report.failures[0]!.errorStacktrace).toContain('task exploded');
    expect(attempts.get('fail')).toBe(2);
  });

  it('runs lifecycle hooks', async () => {
    const log: string[] = [];
    const ds = new Dataset<string, string>({ cases: [new Case({ name: 'x', inputs: 'x' }), new Case({ name: 'bad', inputs: 'bad' })] });
    const report = await ds.evaluate((s) => s, {
      maxConcurrency: 1,
      lifecycle: (c) => ({
        setup() {
          log.push(`setup ${c.name}`);
          if (c.name === 'bad') throw new Error('no db');
        },
        prepareContext(ctx) {
          ctx.metrics['extra'] = 42;
          return ctx;
        },
        teardown(result) {
          log.push(`teardown ${result.name} ${'errorMessage' in result ? 'failed' : 'ok'}`);
        },
      }),
    });
    expect(log).toEqual(['setup x', 'teardown x ok', 'setup bad', 'teardown bad failed']);
    expect(report.cases[0]!.metrics).toEqual({ extra: 42 });
    expect(report.failures[0]!.errorMessage).toBe('Error: no db');
  });

  it('stops scheduling on abort and returns the partial report', async () => {
    const controller = new AbortController();
    const ds = new Dataset<number, number>({ cases: Array.from({ length: 10 }, (_, i) => new Case({ name: `c${i}`, inputs: i })) });
    const report = await ds.evaluate(
      async (n) => {
        if (n === 2) controller.abort();
        await sleep(1);
        return n;
      },
      { maxConcurrency: 2, signal: controller.signal },
    );
    expect(report.interrupted).toBe(true);
    // every case exactly once: finished before the abort, or cancelled (in flight: aborted)
    const names = [...report.cases.map((c) => c.name), ...report.cancelled.map((c) => c.name)];
    expect(names.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `c${i}`));
    expect(report.cancelled.find((c) => c.name === 'c2')?.reason).toBe('aborted');
    expect(report.cancelled.find((c) => c.name === 'c9')?.reason).toBe('not-started');
    expect(report.render()).toContain('Evaluation Summary: task (interrupted)');
  });
});
