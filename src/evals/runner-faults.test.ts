/**
 * The runner under faults, through the API (issue 10): whatever a task, hook or evaluator does,
 * `evaluate()` resolves with every run exactly once (case, failure or cancelled) and a report
 * that serializes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Case } from './case.js';
import { Dataset } from './dataset.js';
import { Evaluator, type EvaluatorOutput } from './evaluator.js';
import { CaseTimeoutError } from './run-case.js';
import type { EvaluationReport } from './report.js';
import type { EvaluationHandle } from './runner.js';

const names = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);
const dataset = (n: number, evaluators: Evaluator[] = []) => new Dataset<number, unknown>({ cases: names(n).map((name, i) => new Case({ name, inputs: i })), evaluators });

/** Every run's name once, over cases, failures and cancelled. */
function allOnce(report: EvaluationReport): string[] {
  const all = [...report.cases, ...report.failures, ...report.cancelled].map((c) => c.name);
  expect(new Set(all).size).toBe(all.length);
  return all.sort();
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason as Error);
    });
  });

describe('runner faults (API)', () => {
  it('a per-case timeout fails the case as timed-out and aborts the task signal with a CaseTimeoutError', async () => {
    let seen: unknown;
    const report = await dataset(3).evaluate(
      async (i, { signal }) => {
        if (i !== 1) return i;
        signal.addEventListener('abort', () => (seen = signal.reason));
        await sleep(10_000); // ignores the signal: the runner does not wait for it
        return i;
      },
      { timeoutMs: 50 },
    );
    expect(report.cases.map((c) => c.name)).toEqual(['c0', 'c2']);
    expect(report.failures).toMatchObject([{ name: 'c1', status: 'timed-out', errorType: 'CaseTimeoutError' }]);
    expect(seen).toBeInstanceOf(CaseTimeoutError);
  });

  it('a task still pending when the event loop runs empty is failed as never settled', async () => {
    const ds = dataset(3);
    const pending = ds.evaluate(async (i) => (i === 0 ? new Promise(() => {}) : i));
    await sleep(20);
    process.emit('beforeExit', 0); // what Node does when nothing else can make progress
    const report = await pending;
    expect(report.failures).toMatchObject([{ name: 'c0', status: 'never-settled', errorType: 'CaseNeverSettledError' }]);
    expect(allOnce(report)).toEqual(names(3));
  });

  it('aborting at any concurrency returns at once with every case listed exactly once (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 30 }), fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }), fc.nat(40), async (n, maxConcurrency, k) => {
        const abortAfter = k % n; // the abort always comes: the slow tasks below would not end by themselves
        const controller = new AbortController();
        let started = 0;
        const signals = new Map<number, AbortSignal>();
        const report = await dataset(n).evaluate(
          async (i, { signal }) => {
            signals.set(i, signal);
            if (++started > abortAfter) controller.abort();
            await sleep(i >= abortAfter && i % 2 === 0 ? 60_000 : 0); // some never finish by themselves
            return i;
          },
          { signal: controller.signal, ...(maxConcurrency ? { maxConcurrency } : {}) },
        );
        expect(allOnce(report)).toEqual(names(n).sort());
        // runs cancelled in flight had their task's signal aborted
        for (const c of report.cancelled) if (c.reason === 'aborted') expect(signals.get(Number(c.name.slice(1)))?.aborted).toBe(true);
        if (controller.signal.aborted) expect(report.interrupted).toBe(true);
        // the report serializes
        JSON.stringify(report.toJSON());
      }),
      { numRuns: 40 },
    );
  });

  it('any thrown value becomes a readable failure, any output serializes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ withBigInt: true, withNullPrototype: true, withMap: true, withSet: true, withDate: true, withTypedArray: true, withSparseArray: true }), fc.boolean(), async (value, asThrow) => {
        const report = await dataset(2).evaluate(async (i) => {
          if (i === 1 && asThrow) throw value;
          return i === 1 ? value : i;
        });
        expect(allOnce(report)).toEqual(['c0', 'c1']);
        if (asThrow) {
          expect(report.failures[0]!.errorMessage.length).toBeGreaterThan(0);
          expect(typeof report.failures[0]!.errorType).toBe('string');
        }
        const text = JSON.stringify(report.toJSON());
        expect(JSON.parse(text).cases[0].output).toBe(0);
      }),
    );
  });

  it('outputs JSON cannot hold are written readably', async () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    const outputs: unknown[] = [12n, cyclic, { f: function answer() {} }, Number.NaN, new Map([['k', 1n]]), Symbol('s'), [undefined, 1]];
    const report = await new Dataset<number, unknown>({ cases: outputs.map((_, i) => new Case({ name: `o${i}`, inputs: i })) }).evaluate(async (i) => outputs[i]);
    const json = JSON.parse(JSON.stringify(report.toJSON())) as { cases: { output: unknown }[] };
    expect(json.cases.map((c) => c.output)).toEqual([
      '12n',
      { a: 1, self: '[Circular]' },
      { f: '[Function answer]' },
      'NaN',
      { '[Map]': [['k', '1n']] },
      'Symbol(s)',
      [null, 1],
    ]);
  });

  it('a throwing teardown (1 case of 100) and an evaluator throwing a null-prototype object stay with their case', async () => {
    class Picky extends Evaluator {
      evaluate(ctx: { inputs: unknown }): EvaluatorOutput {
        if (ctx.inputs === 7) throw Object.create(null);
        return true;
      }
    }
    const report = await dataset(100, [new Picky()]).evaluate(async (i) => i, {
      lifecycle: (c) => ({
        teardown() {
          if (c.inputs === 42) throw new Error('teardown broke');
        },
      }),
    });
    expect(report.cases).toHaveLength(100);
    expect(report.failures).toEqual([]);
    expect(report.cases[42]!.evaluatorFailures).toMatchObject([{ name: 'teardown', errorMessage: 'Error: teardown broke', source: 'CaseLifecycle' }]);
    expect(report.cases[7]!.evaluatorFailures).toMatchObject([{ name: 'Picky', errorMessage: 'Thrown object: [Object: null prototype] {}', errorType: 'object' }]);
    expect(report.cases.filter((c) => c.evaluatorFailures.length)).toHaveLength(2);
  });

  it('a throwing setup makes a failure; its teardown still runs and a teardown error is appended', async () => {
    const report = await dataset(1).evaluate(async (i) => i, {
      lifecycle: () => ({
        setup() {
          throw new Error('no fixture');
        },
        teardown() {
          throw new Error('and no cleanup');
        },
      }),
    });
    expect(report.failures).toMatchObject([{ status: 'error', errorMessage: 'Error: no fixture; teardown also failed: Error: and no cleanup' }]);
  });

  it('onStart hands out a synchronous snapshot: finished runs as they are, the rest cancelled', async () => {
    let handle: EvaluationHandle | undefined;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const pending = dataset(4).evaluate(
      async (i) => {
        if (i >= 2) await gate;
        return i;
      },
      { maxConcurrency: 1, onStart: (h) => (handle = h as EvaluationHandle) },
    );
    await sleep(10);
    const snap = handle!.snapshot();
    expect(snap.interrupted).toBe(true);
    expect(snap.cases.map((c) => c.name)).toEqual(['c0', 'c1']);
    expect(snap.cancelled.map((c) => [c.name, c.reason])).toEqual([
      ['c2', 'aborted'],
      ['c3', 'not-started'],
    ]);
    release();
    const report = await pending;
    expect(report.interrupted).toBe(false);
    expect(report.cases).toHaveLength(4);
  });

  it('runs are planned lazily: a 100,000-run evaluation aborted early ran only a few', async () => {
    const controller = new AbortController();
    const cases = [new Case({ name: 'one', inputs: 1 })];
    const report = await new Dataset<number, unknown>({ cases }).evaluate(
      async (i, { repeatIndex }) => {
        if (repeatIndex === 5) controller.abort();
        return i;
      },
      { repeat: 100_000, maxConcurrency: 2, signal: controller.signal },
    );
    expect(report.cases.length).toBeLessThan(10);
    expect(report.cases.length + report.cancelled.length).toBe(100_000);
  });
});
