import { setTimeout as sleep } from 'node:timers/promises';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { collectSpansSettled, ensureEvalTracing } from './span-collector.js';
import { progressAllowed } from './runner.js';
import { Case } from './case.js';
import { Dataset } from './dataset.js';

// The user registered their own SDK provider before running evals.
const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));

async function work(label: string, delays: number[]): Promise<string> {
  const tracer = trace.getTracer('t');
  return tracer.startActiveSpan(`root ${label}`, async (root) => {
    for (const [i, d] of delays.entries()) {
      await tracer.startActiveSpan(`step ${label}.${i}`, async (s) => {
        await sleep(d);
        s.end();
      });
    }
    root.end();
    return label;
  });
}

describe('span collection', () => {
  it('attaches to a registered SDK provider and keeps concurrent contexts apart', async () => {
    expect(ensureEvalTracing()).toBeUndefined();
    const results = await Promise.all(['a', 'b', 'c'].map((l, i) => collectSpansSettled(() => work(l, [3 - i, i + 1, 2]))));
    for (const [i, r] of results.entries()) {
      const label = ['a', 'b', 'c'][i]!;
      expect(r.ok).toBe(true);
      const tree = r.spanTree;
      expect(tree.roots.map((n) => n.name)).toEqual([`root ${label}`]);
      expect(tree.roots[0]!.children.map((n) => n.name)).toEqual([0, 1, 2].map((j) => `step ${label}.${j}`));
    }
    // the user's own exporter still sees everything
    expect(exporter.getFinishedSpans()).toHaveLength(12);
    // spans outside a collector are not kept
    await work('outside', [0]);
    expect(ensureEvalTracing()).toBeUndefined();
  });

  it('returns the spans recorded before a failure', async () => {
    const r = await collectSpansSettled(async () => {
      await work('x', [0]);
      throw new Error('late failure');
    });
    expect(r.ok).toBe(false);
    expect(r.spanTree.size).toBe(2);
  });

  it('runs each case under `case: {name}` with `execute {task}` inside', async () => {
    exporter.reset();
    const ds = new Dataset<string, string>({ name: 'spans', cases: [new Case({ name: 'one', inputs: 'a' }), new Case({ name: 'two', inputs: 'b' })] });
    const report = await ds.evaluate(function shout(s) {
      return work(s, [0]);
    });
    const spans = exporter.getFinishedSpans();
    const byName = new Map(spans.map((s) => [s.name, s]));
    expect([...byName.keys()].sort()).toEqual(['case: one', 'case: two', 'evaluate shout', 'execute shout', 'root a', 'root b', 'step a.0', 'step b.0']);
    const caseOne = byName.get('case: one')!;
    expect(caseOne.parentSpanContext?.spanId).toBe(byName.get('evaluate shout')!.spanContext().spanId);
    const executes = spans.filter((s) => s.name === 'execute shout');
    expect(executes.map((s) => s.parentSpanContext?.spanId).sort()).toEqual(
      [caseOne.spanContext().spanId, byName.get('case: two')!.spanContext().spanId].sort(),
    );
    expect(report.cases[0]!.spanId).toBe(caseOne.spanContext().spanId);
    // the task's own spans are the case's span tree (the execute span itself is not part of it)
    expect(report.cases.map((c) => c.name)).toEqual(['one', 'two']);
  });

  it('draws a progress bar only on a TTY outside CI', () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    const pipe = { isTTY: false } as NodeJS.WriteStream;
    const ci = process.env['CI'];
    try {
      delete process.env['CI'];
      expect(progressAllowed(tty)).toBe(true);
      expect(progressAllowed(pipe)).toBe(false);
      process.env['CI'] = 'true';
      expect(progressAllowed(tty)).toBe(false);
    } finally {
      if (ci === undefined) delete process.env['CI'];
      else process.env['CI'] = ci;
    }
  });
});
