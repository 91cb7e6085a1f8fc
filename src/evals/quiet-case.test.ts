// The runner's lean path (rehearse's own tracer provider, no lifecycle hooks, no task retries)
// must give the same reports as the general path, which any `lifecycle` option selects (with a
// `teardown` hook, the general path's records are made of fresh objects, as before the lean path).
import { trace } from '@opentelemetry/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Case } from './case.js';
import { Dataset } from './dataset.js';
import { Evaluator, type EvaluatorOutput } from './evaluator.js';
import type { EvaluatorContext } from './evaluator-context.js';
import { Contains, EqualsExpected } from './evaluators/common.js';
import type { EvaluationReport } from './report.js';
import { runEvaluation, type EvaluateOptions, type Task } from './runner.js';
import { ownsEvalTracing } from './span-collector.js';
import { incrementEvalMetric, setEvalAttribute } from './task-run.js';

/** The report as JSON text (key order kept) without times and random ids. */
const text = (r: EvaluationReport<unknown, unknown, unknown>) => JSON.stringify(r.toJSON(), (k, v: unknown) => (/Duration|^traceId$|^spanId$|^errorStacktrace$/.test(k) ? undefined : v));

/** Gives a scalar, a reason, a record or throws, synchronously or not, by the case's input. */
class Varied extends Evaluator<number, unknown> {
  evaluate(ctx: EvaluatorContext<number, unknown>): EvaluatorOutput | Promise<EvaluatorOutput> {
    const kind = ctx.inputs % 6;
    const out: EvaluatorOutput =
      kind === 0 ? true : kind === 1 ? { value: false, reason: 'odd' } : kind === 2 ? { Varied: 0.5, tag: 'x' } : kind === 3 ? 'label' : -0;
    if (kind === 5) throw new RangeError(`bad ${ctx.inputs}`);
    return ctx.inputs % 4 === 0 ? Promise.resolve(out) : out;
  }
}

/** Behaves by input: returns synchronously, a promise, a thenable, throws, rejects, records metrics and spans. */
const task: Task<number, unknown> = (i) => {
  const kind = i % 7;
  if (kind === 0) return i;
  if (kind === 1) throw new TypeError(`sync ${i}`);
  if (kind === 2) return { then: (resolve: (v: unknown) => void) => resolve(`thenable ${i}`) } as unknown as Promise<unknown>;
  if (kind === 3) return Promise.reject(new Error(`rejected ${i}`));
  if (kind === 4) {
    incrementEvalMetric('calls', i);
    setEvalAttribute('seen', i);
  }
  if (kind === 5) {
    return trace.getTracer('t').startActiveSpan('chat m', async (s) => {
      s.setAttributes({ 'gen_ai.request.model': 'm', 'gen_ai.operation.name': 'chat', 'gen_ai.usage.input_tokens': i });
      await Promise.resolve();
      s.end();
      return `spans ${i}`;
    });
  }
  return Promise.resolve(`value ${i}`);
};

const makeCases = (n: number, withMeta: boolean) =>
  Array.from(
    { length: n },
    (_, i) =>
      new Case<number, unknown, unknown>({
        ...(i % 3 === 0 ? {} : { name: `c${i}` }),
        inputs: i,
        ...(i % 2 === 0 ? { expectedOutput: i } : {}),
        ...(withMeta && i % 5 === 0 ? { metadata: { i } } : {}),
        ...(i % 4 === 1 ? { evaluators: [new Varied()] } : {}),
      }),
  );

describe('the lean case path', () => {
  it('reports exactly as the general path', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 2 }), fc.boolean(), async (n, maxConcurrency, repeat, withMeta) => {
        const evaluators = [new EqualsExpected(), new Varied(), new Contains({ value: 'value' })];
        const options: EvaluateOptions<number, unknown, unknown> = { name: 'same', maxConcurrency, repeat };
        const lean = await runEvaluation({ cases: makeCases(n, withMeta), evaluators, task, options });
        expect(ownsEvalTracing()).toBe(true);
        // a teardown hook makes the general path build its records of fresh objects, as it always did
        const general = await runEvaluation({ cases: makeCases(n, withMeta), evaluators, task, options: { ...options, lifecycle: () => ({ teardown() {} }) } });
        const generalCompact = await runEvaluation({ cases: makeCases(n, withMeta), evaluators, task, options: { ...options, lifecycle: () => ({}) } });
        expect(text(lean)).toBe(text(general));
        expect(text(generalCompact)).toBe(text(general));
        expect(lean.cases.length + lean.failures.length).toBe(n * repeat);
        for (const c of [...lean.cases, ...lean.failures]) {
          expect(c.traceId).toMatch(/^[0-9a-f]{32}$/);
          expect(c.spanId).toMatch(/^[0-9a-f]{16}$/);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('keeps each case’s metrics and attributes its own', async () => {
    const ds = new Dataset<number, number>({ cases: [0, 1, 2, 3].map((i) => new Case({ name: `c${i}`, inputs: i })) });
    const report = await ds.evaluate(async (i) => {
      if (i === 2) {
        incrementEvalMetric('calls', 1);
        setEvalAttribute('tag', 'two');
      }
      return i;
    });
    expect(report.cases.map((c) => [c.metrics, c.attributes])).toEqual([
      [{}, {}],
      [{}, {}],
      [{ calls: 1 }, { tag: 'two' }],
      [{}, {}],
    ]);
  });

  it('hands the task a context whose signal is aborted on timeout', async () => {
    let seen: AbortSignal | undefined;
    const ds = new Dataset<number, string>({ cases: [new Case({ name: 'slow', inputs: 1 })] });
    const report = await ds.evaluate(
      (_i, ctx) =>
        new Promise<string>((resolve) => {
          seen = ctx.signal;
          ctx.signal.addEventListener('abort', () => resolve('stopped'));
          expect([ctx.caseName, ctx.repeatIndex]).toEqual(['slow', 1]);
        }),
      { timeoutMs: 20 },
    );
    expect(seen?.aborted).toBe(true);
    expect(report.failures.map((f) => f.status)).toEqual(['timed-out']);
  });

  it('leaves no beforeExit listener once the runs are over', async () => {
    await new Promise((r) => setImmediate(r)); // (earlier tests' runs are over)
    const before = process.listenerCount('beforeExit');
    let during = 0;
    const ds = new Dataset<number, number>({ cases: [1, 2, 3].map((i) => new Case({ name: `c${i}`, inputs: i })) });
    await ds.evaluate(
      async (i) => {
        during = Math.max(during, process.listenerCount('beforeExit'));
        return i;
      },
      { maxConcurrency: 1 },
    );
    expect(during).toBe(before + 1);
    await new Promise((r) => setImmediate(r));
    expect(process.listenerCount('beforeExit')).toBe(before);
  });

  it('runs a dataset built from a generator', async () => {
    function* cases() {
      for (let i = 0; i < 5; i++) yield new Case<number, number>({ name: `g${i}`, inputs: i, expectedOutput: i < 3 ? i : -1 });
    }
    const report = await new Dataset({ cases: cases(), evaluators: [new EqualsExpected()] }).evaluate((i) => i);
    expect(report.cases.map((c) => [c.name, c.assertions['EqualsExpected']?.value])).toEqual([
      ['g0', true],
      ['g1', true],
      ['g2', true],
      ['g3', false],
      ['g4', false],
    ]);
  });
});

describe('shared parts of report cases (README: "copy a report case before changing it")', () => {
  it('empty and repeated parts are shared frozen objects; changing one throws instead of changing every case', async () => {
    const report = await runEvaluation({
      cases: [new Case({ name: 'a', inputs: 1, expectedOutput: 1 }), new Case({ name: 'b', inputs: 2, expectedOutput: 2 })],
      evaluators: [new EqualsExpected()],
      task: (i: number) => i,
      options: { name: 'frozen' },
    });
    const [a, b] = report.cases;
    expect(a!.metrics).toEqual({});
    expect(Object.isFrozen(a!.metrics)).toBe(true);
    expect(a!.metrics).toBe(b!.metrics);
    expect(() => {
      (a!.metrics as Record<string, number>)['x'] = 1;
    }).toThrow(TypeError);
    expect(b!.metrics).toEqual({});
    // a copy can be changed
    const copy = structuredClone(a!);
    copy.metrics['x'] = 1;
    expect(copy.metrics).toEqual({ x: 1 });
  });
});
