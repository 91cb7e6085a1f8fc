import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SpanTreeRecordingError } from './span-tree.js';
import { collectSpansSettled, ensureEvalTracing, evalSpanProcessor } from './span-collector.js';

/** Registers `provider` as the global tracer provider (replacing any earlier one). */
function register(provider: BasicTracerProvider): void {
  trace.disable();
  trace.setGlobalTracerProvider(provider);
}

async function spanNames(): Promise<string[]> {
  const r = await collectSpansSettled(async () => trace.getTracer('t').startActiveSpan('work', (s) => s.end()));
  return [...r.spanTree].map((n) => n.name);
}

describe('attaching the eval span processor to a registered provider', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterEach(() => trace.disable());

  it('does not mutate the spanProcessors array the user built the provider with', async () => {
    const exporter = new InMemorySpanExporter();
    const processors: SpanProcessor[] = [new SimpleSpanProcessor(exporter)];
    register(new BasicTracerProvider({ spanProcessors: processors }));
    expect(ensureEvalTracing()).toBeUndefined();
    expect(processors).toHaveLength(1);
    expect(await spanNames()).toEqual(['work']);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['work']);
  });

  it('uses a processor the user listed (the public way) without touching private fields', async () => {
    const provider = new BasicTracerProvider({ spanProcessors: [evalSpanProcessor] });
    const internals = (provider as unknown as { _activeSpanProcessor: { _spanProcessors: SpanProcessor[] } })._activeSpanProcessor;
    Object.freeze(internals._spanProcessors);
    Object.freeze(internals);
    register(provider);
    expect(ensureEvalTracing()).toBeUndefined();
    expect(await spanNames()).toEqual(['work']);
  });

  it('never throws when the private path is unusable: reports a SpanTreeRecordingError instead', async () => {
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new InMemorySpanExporter())] });
    const internals = (provider as unknown as { _activeSpanProcessor: { _spanProcessors: SpanProcessor[] } })._activeSpanProcessor;
    Object.freeze(internals._spanProcessors);
    Object.freeze(internals);
    register(provider);
    const error = ensureEvalTracing();
    expect(error).toBeInstanceOf(SpanTreeRecordingError);
    expect(error!.message).toContain('evalSpanProcessor');
    expect(await spanNames()).toEqual([]);
  });
});
