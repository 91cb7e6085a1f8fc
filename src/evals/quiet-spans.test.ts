// No tracer provider registered: rehearse installs its own, and the runner makes only the ids of
// its `case:`/`execute` spans (nothing could receive the spans themselves).
import { trace } from '@opentelemetry/api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Case } from './case.js';
import { Dataset } from './dataset.js';
import { Evaluator } from './evaluator.js';
import type { EvaluatorContext } from './evaluator-context.js';
import { incrementEvalMetric } from './task-run.js';
import { ownsEvalTracing } from './span-collector.js';

/** Records each case's span tree roots: trace id and whether they have a parent. */
class Roots extends Evaluator<number, number> {
  static readonly seen = new Map<string, { traceIds: string[]; parented: boolean[] }>();
  evaluate(ctx: EvaluatorContext<number, number>): boolean {
    Roots.seen.set(ctx.name, { traceIds: ctx.spanTree.roots.map((r) => r.traceId), parented: ctx.spanTree.roots.map((r) => r.parentSpanId !== undefined) });
    return true;
  }
}

describe('per-case spans with rehearse’s own provider', () => {
  it('gives every case its own trace id, shared by the spans its task starts, and keeps metrics', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 5 }), async (n, concurrency) => {
        Roots.seen.clear();
        const ds = new Dataset<number, number>({ cases: Array.from({ length: n }, (_, i) => new Case({ name: `c${i}`, inputs: i })), evaluators: [new Roots()] });
        const report = await ds.evaluate(
          async (i) => {
            incrementEvalMetric('calls', 1);
            await trace.getTracer('t').startActiveSpan('work', async (s) => {
              await new Promise((r) => setTimeout(r, i % 3));
              s.end();
            });
            return i;
          },
          { maxConcurrency: concurrency },
        );
        expect(ownsEvalTracing()).toBe(true);
        expect(report.cases).toHaveLength(n);
        const ids = new Set<string>();
        for (const c of report.cases) {
          expect(c.traceId).toMatch(/^[0-9a-f]{32}$/);
          expect(c.spanId).toMatch(/^[0-9a-f]{16}$/);
          ids.add(c.traceId!);
          expect(c.metrics).toEqual({ calls: 1 });
          expect(Roots.seen.get(c.name)).toEqual({ traceIds: [c.traceId], parented: [true] });
        }
        expect(ids.size).toBe(n);
      }),
      { numRuns: 15 },
    );
  });
});
